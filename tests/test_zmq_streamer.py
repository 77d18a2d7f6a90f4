"""ZMQStreamer as a data source: parameters, clone, pickle, Mux seed, iter_fit, epochs, and
a clear error when pyzmq is missing."""

import multiprocessing
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import SGDRegressor

from sklearn_stream import Mux, Streamer
from sklearn_stream.learner import StreamLearner
from sklearn_stream.zmq_stream import ZMQStreamer

pytestmark = pytest.mark.timeout(60)


def regression(n, sigma=0.1, random_state=None):
    rng = np.random.default_rng(random_state)
    coef = np.array([1.0, -2.0, 0.5])
    for _ in range(n):
        X = rng.normal(size=(16, 3))
        yield {"X": X, "Y": X @ coef + sigma * rng.normal(size=16)}


def labelled(value, n):
    for i in range(n):
        yield {"X": np.array([[value, i]])}


def test_params_round_trip_and_nested_source_params():
    source = ZMQStreamer(Streamer(regression, 5, sigma=0.5), n_workers=2, prefetch=6)
    params = source.get_params()
    assert params["n_workers"] == 2 and params["prefetch"] == 6
    assert params["source__sigma"] == 0.5
    assert set(source.get_params(deep=False)) == {
        "source",
        "n_workers",
        "prefetch",
        "copy",
        "timeout",
        "random_state",
        "start_method",
        "transport",
        "min_port",
        "max_port",
        "max_tries",
        "max_batch_bytes",
    }
    source.set_params(source__sigma=2.0, copy=True)
    assert source.source.kwargs["sigma"] == 2.0 and source.copy is True


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"nope": 1}, ValueError),
        ({"n_workers": 0}, ValueError),
        ({"prefetch": 1, "n_workers": 2}, ValueError),
        ({"source": [1, 2]}, TypeError),
        ({"transport": "udp"}, ValueError),
    ],
)
def test_set_params_validates_before_changing_anything(params, error):
    source = ZMQStreamer(Streamer(regression, 5))
    before = source.get_params(deep=False)
    with pytest.raises(error):
        source.set_params(**params)
    assert source.get_params(deep=False) == before


def test_clone_and_pickle_give_equivalent_independent_sources():
    source = ZMQStreamer(Streamer(regression, 3, random_state=0), n_workers=1, timeout=2.0)
    for copy in (clone(source), pickle.loads(pickle.dumps(source))):
        assert copy is not source and copy.source is not source.source
        assert repr(copy) == repr(source)
        got = [batch["Y"] for batch in copy.generate()]
        expected = [batch["Y"] for batch in clone(source).generate()]
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_array_equal(a, b)
    assert multiprocessing.active_children() == []


def test_repr_shows_the_source_and_non_default_parameters():
    source = ZMQStreamer(Streamer(regression, 3), n_workers=2, transport="ipc")
    assert repr(source) == "ZMQStreamer(Streamer(regression, 3), n_workers=2, transport='ipc')"


def test_epochs_differ_with_random_state_and_replay_after_clone():
    source = ZMQStreamer(Streamer(regression, 2), random_state=0)
    first = np.concatenate([b["Y"] for b in source.generate()])
    second = np.concatenate([b["Y"] for b in source.generate()])
    assert not np.array_equal(first, second)
    replay = np.concatenate([b["Y"] for b in clone(source).generate()])
    np.testing.assert_array_equal(replay, first)


def test_generate_checks_max_batches_at_the_call():
    source = ZMQStreamer(Streamer(regression, 3))
    with pytest.raises(ValueError, match="max_batches"):
        source.generate(-1)
    assert len(list(source.generate(max_batches=2))) == 2
    assert len(list(source)) == 3


def test_zmq_streamers_as_seeds_of_a_mux():
    pool = [ZMQStreamer(Streamer(labelled, v, 5)) for v in range(3)]
    mux = Mux(pool, k=2, lam=None, with_replacement=False, random_state=0)
    got = sorted((int(b["X"][0, 0]), int(b["X"][0, 1])) for b in mux.generate())
    assert got == [(v, i) for v in range(3) for i in range(5)]
    assert multiprocessing.active_children() == []


def test_a_mux_closing_an_endless_zmq_seed_stops_its_worker():
    def endless():
        while True:
            yield {"X": np.zeros((1, 2))}

    mux = Mux([ZMQStreamer(Streamer(endless))], k=1, lam=3, random_state=0)
    assert len(list(mux.generate(max_batches=10))) == 10
    assert multiprocessing.active_children() == []


def test_iter_fit_trains_from_worker_processes():
    source = ZMQStreamer(Streamer(regression, 300, random_state=0), n_workers=2, random_state=1)
    learner = StreamLearner(SGDRegressor(random_state=0)).iter_fit(source)
    np.testing.assert_allclose(learner.estimator_.coef_, [1.0, -2.0, 0.5], atol=0.1)
    assert multiprocessing.active_children() == []


def test_without_pyzmq_the_package_imports_and_zmq_stream_says_what_to_install():
    script = textwrap.dedent(
        """
        import sys
        sys.modules["zmq"] = None  # as if pyzmq were not installed
        import sklearn_stream
        from sklearn_stream import Streamer
        from sklearn_stream.zmq_stream import ZMQStreamer, zmq_stream
        for make in (lambda: zmq_stream(Streamer([{"X": [1]}])),
                     lambda: ZMQStreamer(Streamer([{"X": [1]}]))):
            try:
                make()
            except ImportError as exc:
                print(exc)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert all("pip install -e '.[zmq]'" in line for line in lines)
