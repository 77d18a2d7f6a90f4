"""The search's tasks run on loky's workers, on a dask cluster and on a local Ray, with
identical results."""

import ipaddress
import os
import shutil
import tempfile
import textwrap
import time

import joblib
import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import KFold

from sklearn_stream import Streamer
from sklearn_stream.learner import StreamLearner
from sklearn_stream.model_selection import StreamHalvingSearchCV, StreamHyperbandSearchCV
from tests.clusters import loopback_cluster
from tests.scripts import logged_pids, run_script

from .search_data import CountedPass, X, noisy, starts_per_data, y

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


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_loky_gives_identical_results_and_trains_in_its_workers(tmp_path):
    report = run_script(SCRIPT, tmp_path)
    serial, parallel = report["scores"]
    assert parallel == serial
    main = report["pid"]
    assert set(logged_pids(tmp_path / "fits1.log")) == {main}
    assert set(logged_pids(tmp_path / "starts2.log")) == {main}  # streams are read here
    workers = set(logged_pids(tmp_path / "fits2.log"))
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
                handle.write(f"{os.getpid()} {os.getppid()}\n")
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
        loopback_cluster() as cluster,
        distributed.Client(cluster) as client,
    ):
        workers = set(client.run(os.getpid).values())
        with joblib.parallel_config(backend="dask"):
            search = StreamHalvingSearchCV(learner, GRID, refit=False, n_jobs=-1, **kwargs).fit(
                X, y
            )
    assert len(workers) == 2 and os.getpid() not in workers
    assert set(logged_pids(log)) <= workers
    assert len(logged_pids(log)) == search.n_batches_trained_ == serial.n_batches_trained_
    np.testing.assert_array_equal(
        search.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
    assert search.best_params_ == serial.best_params_


def _descendants(pid):
    """The processes below ``pid`` (from /proc)."""
    children = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _name(pid):
    with open(f"/proc/{pid}/comm") as handle:
        return handle.read().strip()


def _address(hex_address):
    """An address of /proc/net/tcp{,6}: 32-bit words in the host's (little-endian) order."""
    raw = bytes.fromhex(hex_address)
    return ipaddress.ip_address(b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4)))


def _listening(pids):
    """``(address, port)`` of every TCP socket listening in one of ``pids``."""
    inodes = set()
    for pid in pids:
        try:
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        inodes |= {link[8:-1] for link in links if link.startswith("socket:[")}
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            for line in list(handle)[1:]:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:  # LISTEN
                    address, port = fields[1].split(":")
                    found.append((_address(address), int(port, 16)))
    return found


def _loopback(address):
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


@pytest.fixture
def local_ray(monkeypatch):
    """A Ray of 2 CPUs on loopback only, started here and shut down after the test, which
    checks that none of its processes is left."""
    # Ray turns a node address of 127.0.0.1 into the machine's own, and its servers then
    # listen on every interface; with clusters "disabled" the node is 127.0.0.1 and they
    # listen there only.
    monkeypatch.setenv("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    ray = pytest.importorskip("ray")
    from ray._private import ray_constants
    from ray.util.joblib import register_ray

    monkeypatch.setattr(ray_constants, "ENABLE_RAY_CLUSTER", False)
    before = _descendants(os.getpid())
    folder = tempfile.mkdtemp(prefix="ray")  # short: Ray puts sockets in it
    start = time.perf_counter()
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        _temp_dir=folder,
        log_to_driver=False,
    )
    print(f"Ray started in {time.perf_counter() - start:.1f} s")
    register_ray()
    started = _descendants(os.getpid()) - before
    try:
        yield started
    finally:
        ray.shutdown()
        deadline = time.monotonic() + 30
        while any(map(_alive, started)) and time.monotonic() < deadline:
            time.sleep(0.2)
        shutil.rmtree(folder, ignore_errors=True)
    assert not [pid for pid in started if _alive(pid)], "Ray left processes behind"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_local_ray_gives_identical_results_trains_in_its_workers_on_loopback(
    local_ray, tmp_path
):
    fits, passes = str(tmp_path / "fits.log"), tmp_path / "passes.log"
    learner = StreamLearner(
        _logged_sgd(fits),
        stream=Streamer(noisy),
        eval_stream=Streamer(CountedPass(passes)),
        random_state=0,
    )
    space = {"estimator__alpha": loguniform(1e-5, 1e-1), "stream__sigma": [0.0, 1.0]}
    kwargs = {"max_batches": 9, "cv": KFold(3), "refit": False, "random_state": 0}
    serial = StreamHyperbandSearchCV(learner, space, **kwargs).fit(X, y)
    os.unlink(fits)
    passes.unlink()
    with joblib.parallel_config(backend="ray"):
        search = StreamHyperbandSearchCV(learner, space, n_jobs=2, **kwargs).fit(X, y)
    ray_processes = _descendants(os.getpid())
    listening = _listening(ray_processes | {os.getpid()})
    assert listening and all(_loopback(address) for address, _ in listening), listening
    for key in ("params", "mean_test_score", "split0_test_score", "bracket", "n_resources"):
        assert list(search.cv_results_[key]) == list(serial.cv_results_[key]), key
    assert search.best_params_ == serial.best_params_
    workers = set(logged_pids(fits))
    assert workers and os.getpid() not in workers
    # the trainings ran in Ray's worker processes: children of its raylet
    parents = set(logged_pids(fits, column=1))
    assert {_name(pid) for pid in parents} == {"raylet"}
    assert len(logged_pids(fits)) == search.n_batches_trained_ == serial.n_batches_trained_
    # the held-out parts were read here, once a round, not by the workers
    assert set(starts_per_data(passes).values()) == {3}


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_local_ray_continues_models_it_returned_with_read_only_arrays(local_ray):
    # Ray gives the models back with read-only arrays (zero-copy): a 3-class SGD updates
    # its coef_ in place, so the next round must train a writable copy of it.
    target = np.arange(len(X)) % 3
    learner = StreamLearner(SGDClassifier(), batch_size=32, random_state=0)
    grid = {"estimator__alpha": [1e-5, 1e-3, 1e-1]}
    kwargs = {"max_batches": 9, "cv": KFold(3), "refit": False}
    serial = StreamHalvingSearchCV(learner, grid, **kwargs).fit(X, target)
    with joblib.parallel_config(backend="ray"):
        search = StreamHalvingSearchCV(learner, grid, n_jobs=2, **kwargs).fit(X, target)
    assert not np.isnan(search.cv_results_["mean_test_score"]).any()
    for key in ("params", "mean_test_score", "split0_test_score", "n_resources"):
        assert list(search.cv_results_[key]) == list(serial.cv_results_[key]), key
    assert search.n_batches_trained_ == serial.n_batches_trained_
