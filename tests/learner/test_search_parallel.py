"""Searches over streams in parallel: loky with ``n_jobs=-1``, and a dask.distributed cluster."""

import os
import textwrap

import joblib
import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.linear_model import SGDRegressor
from sklearn.model_selection import GridSearchCV

from sklearn_stream import Streamer
from sklearn_stream.learner import StreamLearner
from tests.clusters import loopback_cluster
from tests.scripts import logged_pids, run_script

GRID = {"stream__sigma": [0.0, 2.0], "estimator__alpha": [1e-4, 1e-1]}

# Run as a real script, so that its generator functions live in ``__main__`` and reach
# loky's worker processes only through cloudpickle, as they would for a user.
SCRIPT = textwrap.dedent(
    """
    import json, os, sys

    import joblib
    import numpy as np
    from sklearn.datasets import make_regression
    from sklearn.linear_model import SGDRegressor
    from sklearn.model_selection import GridSearchCV

    from sklearn_stream import Streamer, StreamLearner


    def noisy(X, y, sigma=0.1, log=None, random_state=None):
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()}\\n")
        rng = np.random.default_rng(random_state)
        while True:
            rows = rng.integers(len(X), size=8)
            yield {"X": X[rows] + sigma * rng.normal(size=(8, X.shape[1])), "y": y[rows]}


    def make_nested(log):
        def nested(X, y, sigma=0.1, random_state=None):
            return noisy(X, y, sigma=sigma, log=log, random_state=random_state)

        return nested


    if __name__ == "__main__":
        folder = sys.argv[1]
        X, y = make_regression(n_samples=90, n_features=3, noise=1.0, random_state=0)
        logs = {name: os.path.join(folder, name + ".log") for name in ("main", "lambda", "nested")}
        streams = {
            "main": Streamer(noisy, log=logs["main"]),
            "lambda": lambda X, y: noisy(X, y, 1.0, logs["lambda"], random_state=3),
            "nested": Streamer(make_nested(logs["nested"])),
        }
        results = {}
        for name, stream in streams.items():
            grid = {"estimator__alpha": [1e-4, 1e-1]}
            if isinstance(stream, Streamer):
                grid["stream__sigma"] = [0.0, 2.0]
            scores = []
            for n_jobs in (1, -1):
                learner = StreamLearner(SGDRegressor(), 20, stream=stream, random_state=0)
                search = GridSearchCV(learner, grid, cv=2, n_jobs=n_jobs, refit=False)
                scores.append(search.fit(X, y).cv_results_["mean_test_score"].tolist())
            results[name] = scores
        cpus = joblib.cpu_count()
        print(json.dumps({"pid": os.getpid(), "cpus": cpus, "scores": results}))
    """
)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_loky_runs_streams_from_main_lambdas_and_nested_functions(tmp_path):
    report = run_script(SCRIPT, tmp_path)
    for name, (serial, parallel) in report["scores"].items():
        assert len(serial) == (2 if name == "lambda" else 4)  # a lambda has no parameters
        assert parallel == serial, name  # the same seeds in every process: the same scores
        pids = logged_pids(tmp_path / f"{name}.log")
        in_main = [pid for pid in pids if pid == report["pid"]]
        elsewhere = {pid for pid in pids if pid != report["pid"]}
        assert len(in_main) == len(pids) // 2  # the n_jobs=1 search ran here...
        if report["cpus"] > 1:  # with one CPU, joblib runs n_jobs=-1 in the main process
            assert elsewhere  # ...and the n_jobs=-1 one in loky's worker processes


def _recording_stream(log):
    # nested, so that cloudpickle sends the function itself to the dask workers
    def recorded(X, y, sigma=0.1, random_state=None):
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        rng = np.random.default_rng(random_state)
        while True:
            rows = rng.integers(len(X), size=8)
            yield {"X": X[rows] + sigma * rng.normal(size=(8, X.shape[1])), "y": y[rows]}

    return Streamer(recorded)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_search_runs_on_the_workers_of_a_dask_cluster(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    X, y = make_regression(n_samples=90, n_features=3, noise=1.0, random_state=0)
    log = tmp_path / "pids.log"
    learner = StreamLearner(SGDRegressor(), 20, stream=_recording_stream(str(log)), random_state=0)
    serial = GridSearchCV(learner, GRID, cv=3).fit(X, y)
    log.unlink()
    with (
        loopback_cluster() as cluster,
        distributed.Client(cluster) as client,
    ):
        workers = set(client.run(os.getpid).values())
        with joblib.parallel_config(backend="dask"):
            search = GridSearchCV(learner, GRID, cv=3, n_jobs=-1).fit(X, y)
    assert len(workers) == 2 and os.getpid() not in workers
    pids = logged_pids(log)
    # 4 candidates x 3 folds on the cluster; the refit of the best one here
    assert len(pids) == 13
    assert pids.count(os.getpid()) == 1
    assert {pid for pid in pids if pid != os.getpid()} <= workers
    np.testing.assert_array_equal(
        search.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
    assert search.best_params_ == serial.best_params_
