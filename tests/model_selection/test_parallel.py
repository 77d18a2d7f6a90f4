"""The search's tasks run on loky's workers and on a dask cluster, with identical results."""

import json
import os
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import KFold

from sklearn_stream import Streamer
from sklearn_stream.learner import StreamLearner
from sklearn_stream.model_selection import StreamHalvingSearchCV

from .search_data import X, noisy, y

GRID = {"estimator__alpha": [1e-5, 1e-3, 1e-1], "stream__sigma": [0.0, 1.0]}

# A real script, so that its classes live in ``__main__`` and reach loky's workers through
# cloudpickle only, as a user's would.
SCRIPT = textwrap.dedent(
    """
    import json, os, sys

    import numpy as np
    from sklearn.linear_model import SGDClassifier

    from sklearn_stream import Streamer, StreamLearner
    from sklearn_stream.model_selection import StreamHalvingSearchCV


    class Logged(SGDClassifier):
        def __init__(self, log=None, alpha=1e-4, random_state=None):
            super().__init__(
                alpha=alpha, learning_rate="constant", eta0=0.01, random_state=random_state
            )
            self.log = log

        def partial_fit(self, X, y, classes=None):
            with open(self.log, "a") as handle:
                handle.write(f"{os.getpid()}\\n")
            return super().partial_fit(X, y, classes=classes)


    def noisy(X, y, sigma=0.3, log=None, random_state=None):
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()}\\n")
        rng = np.random.default_rng(random_state)
        while True:
            rows = rng.integers(len(X), size=16)
            yield {"X": X[rows] + sigma * rng.normal(size=(16, X.shape[1])), "y": y[rows]}


    if __name__ == "__main__":
        folder = sys.argv[1]
        rng = np.random.default_rng(1)
        X = rng.normal(size=(240, 4))
        y = (X[:, 0] > 0).astype(int)
        grid = {"estimator__alpha": [1e-5, 1e-3, 1e-1], "stream__sigma": [0.0, 1.0]}
        report = {"pid": os.getpid(), "scores": []}
        for n_jobs in (1, 2):
            fits = os.path.join(folder, f"fits{n_jobs}.log")
            starts = os.path.join(folder, f"starts{n_jobs}.log")
            stream = Streamer(noisy, log=starts)
            learner = StreamLearner(Logged(fits), stream=stream, random_state=0)
            search = StreamHalvingSearchCV(
                learner, grid, min_batches=2, max_batches=18, cv=3, n_jobs=n_jobs,
                refit=False,
            ).fit(X, y)
            report["scores"].append(search.cv_results_["mean_test_score"].tolist())
        print(json.dumps(report))
    """
)


def _pids(path):
    with open(path) as handle:
        return [int(word) for word in handle.read().split()]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_loky_gives_identical_results_and_trains_in_its_workers(tmp_path):
    script = tmp_path / "search_script.py"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    serial, parallel = report["scores"]
    assert parallel == serial
    main = report["pid"]
    assert set(_pids(tmp_path / "fits1.log")) == {main}
    assert set(_pids(tmp_path / "starts2.log")) == {main}  # streams are read here
    workers = set(_pids(tmp_path / "fits2.log"))
    if joblib.cpu_count() > 1:
        assert main not in workers and workers


def _logged_sgd(log):
    # defined in a function, so that cloudpickle sends the class itself to dask's workers
    class Logged(SGDClassifier):
        def __init__(self, alpha=1e-4, random_state=None):
            super().__init__(
                alpha=alpha, learning_rate="constant", eta0=0.01, random_state=random_state
            )

        def partial_fit(self, X, y, classes=None):
            with open(log, "a") as handle:
                handle.write(f"{os.getpid()}\n")
            return super().partial_fit(X, y, classes=classes)

    return Logged()


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_dask_cluster_gives_identical_results_and_trains_on_its_workers(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    log = str(tmp_path / "fits.log")
    learner = StreamLearner(_logged_sgd(log), stream=Streamer(noisy), random_state=0)
    kwargs = {"min_batches": 2, "max_batches": 18, "cv": KFold(3)}
    serial = StreamHalvingSearchCV(learner, GRID, refit=False, **kwargs).fit(X, y)
    os.unlink(log)
    with (
        distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        workers = set(client.run(os.getpid).values())
        with joblib.parallel_config(backend="dask"):
            search = StreamHalvingSearchCV(learner, GRID, refit=False, n_jobs=-1, **kwargs).fit(
                X, y
            )
    assert len(workers) == 2 and os.getpid() not in workers
    assert set(_pids(log)) <= workers
    assert len(_pids(log)) == search.n_batches_trained_ == serial.n_batches_trained_
    np.testing.assert_array_equal(
        search.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
    assert search.best_params_ == serial.best_params_
