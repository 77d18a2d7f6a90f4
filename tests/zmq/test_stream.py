"""zmq_stream and ZMQStreamer end to end.

zmq_stream: batches, values, copies, prefetch, errors raised in workers. ZMQStreamer as a
data source: parameters, clone, pickle, Mux seed, iter_fit, epochs, and a clear error when
pyzmq is missing.
"""

import inspect
import multiprocessing
import pickle
import random
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.linear_model import SGDRegressor

from sklearn_stream import Mux, Streamer
from sklearn_stream.learner import StreamLearner
from sklearn_stream.zmq_stream import WorkerError, ZMQStreamer, zmq_stream

pytestmark = pytest.mark.timeout(60)


# -- zmq_stream: a generator over batches made in worker processes ---------------------------
def count_up(n, width=3):
    for i in range(n):
        yield {"X": np.full((2, width), i, dtype=np.float64), "y": np.array([i, i])}


def values(stream):
    return [int(batch["X"][0, 0]) for batch in stream]


def no_children():
    return multiprocessing.active_children() == []


@pytest.mark.parametrize("max_batches", [None, 0, 1, 7, 50])
def test_yields_the_batches_of_the_source_in_order(max_batches):
    expected = values(Streamer(count_up, 20).generate(max_batches))
    assert values(zmq_stream(Streamer(count_up, 20), max_batches)) == expected
    assert no_children()


def test_arguments_are_checked_at_the_call_and_nothing_starts_before_next():
    stream = zmq_stream(Streamer(count_up, 3))
    assert no_children()
    assert next(stream)["X"].shape == (2, 3)
    assert len(multiprocessing.active_children()) == 1
    stream.close()
    assert no_children()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"max_batches": -1}, ValueError, "max_batches"),
        ({"max_batches": 1.5}, TypeError, "max_batches"),
        ({"min_port": 0}, ValueError, "min_port"),
        ({"min_port": 5000, "max_port": 4000}, ValueError, "max_port"),
        ({"max_port": 70000}, ValueError, "max_port"),
        ({"max_tries": 0}, ValueError, "max_tries"),
        ({"copy": "yes"}, TypeError, "copy"),
        ({"timeout": 0}, ValueError, "timeout"),
        ({"timeout": "1"}, TypeError, "timeout"),
        ({"n_workers": 0}, ValueError, "n_workers"),
        ({"n_workers": 2.0}, TypeError, "n_workers"),
        ({"n_workers": 3, "prefetch": 2}, ValueError, "prefetch"),
        ({"prefetch": 0}, ValueError, "prefetch"),
        ({"random_state": "seed"}, TypeError, "random_state"),
        ({"random_state": -1}, ValueError, "random_state"),
        ({"start_method": "thread"}, ValueError, "start_method"),
        ({"transport": "udp"}, ValueError, "transport"),
    ],
)
def test_invalid_arguments_raise_at_the_call(kwargs, error, match):
    with pytest.raises(error, match=match):
        zmq_stream(Streamer(count_up, 3), **kwargs)
    assert no_children()


@pytest.mark.parametrize("bad", [count_up, count_up(3), [{"X": [1]}]], ids=["func", "gen", "list"])
def test_the_streamer_must_be_a_data_source(bad):
    with pytest.raises(TypeError, match="data source"):
        zmq_stream(bad)


def mixed_values():
    rng = np.random.default_rng(0)
    dense = rng.normal(size=(4, 6))
    yield {
        "C": dense,
        "F": np.asfortranarray(dense),
        "strided": dense[::2, ::3],
        "reversed": dense[::-1],
        "zero_d": np.array(3.5),
        "empty": np.zeros((0, 4), dtype=np.int16),
        "bool": dense > 0,
        "big_endian": dense.astype(">f4"),
        "complex": dense.astype(np.complex64),
        "large": np.arange(1 << 18, dtype=np.float32).reshape(512, 512)[:, ::2],
        "csr": sp.csr_matrix(dense * (dense > 1)),
        "coo_array": sp.coo_array(dense * (dense < -1)),
        "n": 3,
        "x": 2.5,
        "name": "file_001.wav",
        "flag": False,
        "nothing": None,
        "labels": ["a", "b", "a", "b"],
        "text_labels": np.array(["cat", "dog", "cat", "ελάφι"]),
        "byte_labels": np.array([b"a", b"bb", b"", b"a"]),
    }


@pytest.mark.parametrize("copy", [False, True])
def test_every_kind_of_value_arrives_equal(copy):
    (expected,) = list(mixed_values())
    (got,) = list(zmq_stream(Streamer(mixed_values), copy=copy))
    assert list(got) == list(expected)
    for key, value in expected.items():
        assert type(got[key]) is type(value), key
        if isinstance(value, np.ndarray):
            assert got[key].dtype == value.dtype and got[key].shape == value.shape, key
            np.testing.assert_array_equal(got[key], value, err_msg=key)
            assert got[key].flags.writeable is copy, key
        elif sp.issparse(value):
            np.testing.assert_array_equal(got[key].toarray(), value.toarray(), err_msg=key)
        else:
            assert got[key] == value, key


def test_copy_false_wraps_received_memory_and_copy_true_owns_it():
    def big():
        yield {"X": np.arange(1 << 18, dtype=np.float64)}

    (shared,) = list(zmq_stream(Streamer(big)))
    (owned,) = list(zmq_stream(Streamer(big), copy=True))
    assert not shared["X"].flags.owndata and not shared["X"].flags.writeable
    assert owned["X"].flags.owndata and owned["X"].flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        shared["X"][0] = 1


def reuses_its_buffer(n, size, how):
    buffer = np.empty(size if how != "views" else 2 * size)
    batch = {"X": buffer}
    for i in range(n):
        buffer[:] = i
        if how == "array":
            yield {"X": buffer}
        elif how == "dict":
            yield batch
        elif how == "views":
            yield {"X": buffer[:size]}
        else:  # a fresh array each time: nothing to protect
            yield {"X": np.full(size, float(i))}


@pytest.mark.parametrize("how", ["array", "dict", "views", "fresh"])
@pytest.mark.parametrize("size", [16, 1 << 20])
def test_a_source_that_reuses_its_buffer_is_not_corrupted(size, how):
    got = list(zmq_stream(Streamer(reuses_its_buffer, 12, size, how), copy=True))
    assert [np.unique(batch["X"]).tolist() for batch in got] == [[i] for i in range(12)]


def unsupported(kind):
    yield {"X": np.zeros(2)}
    yield {"X": np.zeros(2), "meta": {"a": 1} if kind == "dict" else np.array(["s"], dtype=object)}


@pytest.mark.parametrize(("kind", "type_name"), [("dict", "dict"), ("text", "ndarray")])
def test_unsupported_values_raise_type_error_in_the_consumer(kind, type_name):
    stream = zmq_stream(Streamer(unsupported, kind))
    assert next(stream)["X"].shape == (2,)
    with pytest.raises(TypeError, match=rf"'meta'.*{type_name}"):
        next(stream)
    assert no_children()


class SourceFailure(Exception):
    pass


def explode(after, error):
    for i in range(after):
        yield {"X": np.array([i])}
    if error == "builtin":
        raise ValueError("bad file number 42")
    raise SourceFailure("custom failure 7")


def test_builtin_exception_is_raised_again_with_worker_traceback():
    stream = zmq_stream(Streamer(explode, 2, "builtin"))
    with pytest.raises(ValueError, match="bad file number 42") as info:
        list(stream)
    assert "explode" in info.value.worker_traceback
    assert "ValueError: bad file number 42" in str(info.value.__cause__)
    assert "explode" in str(info.value.__cause__)
    assert no_children()


def test_other_exceptions_become_worker_error_naming_the_type():
    received = []
    with pytest.raises(WorkerError, match="SourceFailure.*custom failure 7") as info:
        for batch in zmq_stream(Streamer(explode, 3, "custom")):
            received.append(int(batch["X"][0]))
    assert received == [0, 1, 2]
    assert "explode" in info.value.worker_traceback
    assert no_children()


def counting_source(counter, size):
    i = 0
    while True:
        with counter.get_lock():
            counter.value += 1
        yield {"X": np.full(size, i, dtype=np.uint8)}
        i += 1


@pytest.mark.parametrize(
    ("prefetch", "size", "bound"),
    [
        (1, 10, 1 + 1 + 1),
        (5, 10, 1 + 5 + 1),
        (None, 32 << 20, 1 + 8 + 1),  # default: at most 256 MiB of 32 MiB batches in flight
    ],
)
def test_prefetch_bounds_what_workers_produce_ahead(prefetch, size, bound):
    counter = multiprocessing.get_context("fork").Value("i", 0)
    stream = zmq_stream(
        Streamer(counting_source, counter, size), prefetch=prefetch, start_method="fork"
    )
    try:
        next(stream)
        time.sleep(0.5)  # a slow consumer: workers must wait, not run ahead
        produced = counter.value
        # one taken, the window in flight, and one made but waiting for credit
        assert 2 <= produced <= bound
        more = [int(next(stream)["X"][0]) for _ in range(20)]
        assert more == list(range(1, 21))
    finally:
        stream.close()


def test_the_default_byte_window_is_shared_among_workers():
    # 256 MiB in all: two workers of 32 MiB batches have at most 128 MiB (3 batches) each in
    # flight, and one more made but waiting for credit; 256 MiB each would allow 7 + 1 each.
    counter = multiprocessing.get_context("fork").Value("i", 0)
    stream = zmq_stream(
        Streamer(counting_source, counter, 32 << 20), n_workers=2, start_method="fork"
    )
    try:
        next(stream)
        time.sleep(0.5)
        assert 2 <= counter.value <= 1 + 2 * (3 + 1)
    finally:
        stream.close()


def test_max_batches_zero_starts_nothing():
    # the source would fail at once in a worker: with max_batches=0 none is started
    assert list(zmq_stream(Streamer(explode, 0, "builtin"), max_batches=0)) == []


def test_the_consumer_global_random_generators_are_left_alone():
    random.seed(3)
    np.random.seed(3)  # noqa: NPY002 (the global generator is what this test guards)
    python_state, numpy_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    assert len(list(zmq_stream(Streamer(count_up, 4), n_workers=2, random_state=1))) == 8
    assert random.getstate() == python_state
    assert all(
        np.array_equal(a, b)
        for a, b in zip(np.random.get_state(), numpy_state)  # noqa: NPY002
    )


# -- ZMQStreamer: zmq_stream as a data source ------------------------------------------------
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


@pytest.mark.timeout(60)
@pytest.mark.parametrize("max_batches", [None, 2])
def test_zmq_stream_returns_a_generator(max_batches):
    stream = zmq_stream(Streamer(count_up, 3), max_batches)
    assert inspect.isgenerator(stream)
    assert len(list(stream)) == (3 if max_batches is None else 2)
    assert no_children()


def test_a_class_given_as_source_is_named():
    with pytest.raises(TypeError, match="the class Streamer itself"):
        ZMQStreamer(Streamer)


def test_an_invalid_nested_parameter_changes_nothing():
    source = ZMQStreamer(Mux([Streamer(count_up, 2)], 1))
    with pytest.raises(ValueError, match="k must be"):
        source.set_params(n_workers=3, source__k=0)
    assert source.n_workers == 1
    assert source.source.k == 1
