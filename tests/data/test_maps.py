"""sklearn_stream.maps: tuples, keras_tuples and cache (pescador 3's maps)."""

import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import sklearn_stream
from sklearn_stream import Streamer, maps
from sklearn_stream.exceptions import BatchError, BatchKeyError
from sklearn_stream.maps import cache, keras_tuples, tuples


class Batch(dict):
    """A batch that can be watched with a weak reference (a plain dict cannot)."""


def numbered(n, keys=("X", "y", "w")):
    """n batches; batch i holds arrays of value i under each key."""
    for i in range(n):
        yield {key: np.full(2, i + 10 * k) for k, key in enumerate(keys)}


class Tracked:
    """A generator function that records whether its stream was closed."""

    def __init__(self):
        self.started = self.closed = 0

    def __call__(self, n=None):
        self.started += 1
        try:
            i = 0
            while n is None or i < n:
                yield Batch(X=np.array([i]), y=np.array([i % 2]))
                i += 1
        finally:
            self.closed += 1


def ids(batches):
    return [int(batch["X"][0]) for batch in batches]


def test_the_module_is_exported_with_pescador_names():
    assert sklearn_stream.maps is maps
    assert maps.buffer_stream is sklearn_stream.buffer_stream
    assert sorted(maps.__all__) == ["buffer_stream", "cache", "keras_tuples", "tuples"]


# -- tuples ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("keys", "expected"),
    [(("X",), (0,)), (("X", "y"), (0, 10)), (("w", "X"), (20, 0)), (("X", "X"), (0, 0))],
    ids=["one-key", "two-keys", "reordered", "repeated"],
)
def test_tuples_yields_the_values_of_the_keys_in_order(keys, expected):
    out = list(tuples(numbered(3), *keys))
    assert len(out) == 3
    for i, item in enumerate(out):
        assert type(item) is tuple
        assert [int(value[0]) for value in item] == [v + i for v in expected]


def test_tuples_gives_the_arrays_themselves():
    batch = {"X": np.zeros((2, 3)), "y": np.ones(2)}
    X, y = next(tuples([batch], "X", "y"))
    assert X is batch["X"] and y is batch["y"]


def test_tuples_takes_any_hashable_key_and_a_data_source():
    source = Streamer([{0: np.array([1]), ("a", 1): np.array([2])}])
    assert list(tuples(source, ("a", 1), 0)) == [(np.array([2]), np.array([1]))]


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((), TypeError, "at least one key"),
        ((["X"],), TypeError, r"keys of tuples must be hashable.*\['X'\]"),
        (({"X"},), TypeError, "keys of tuples must be hashable"),
    ],
    ids=["no-key", "list-key", "set-key"],
)
def test_tuples_checks_its_keys_at_the_call(args, error, match):
    tracked = Tracked()
    with pytest.raises(error, match=match):
        tuples(Streamer(tracked, 2), *args)
    assert tracked.started == 0


@pytest.mark.parametrize(
    "function", [lambda s: tuples(s, "X"), lambda s: keras_tuples(s, "X"), lambda s: cache(s, 2)]
)
@pytest.mark.parametrize(
    ("stream", "name"),
    [("abc", "str"), ({"X": [1]}, "dict"), (np.zeros((3, 2)), "ndarray"), (3, "int")],
)
def test_maps_refuse_what_is_not_a_stream_at_the_call(function, stream, name):
    with pytest.raises(TypeError, match=f"stream must be an iterable of batches.*got a {name}"):
        function(stream)


def test_a_missing_key_is_named_with_the_batch_and_its_keys():
    stream = [{"X": [1], "y": [0]}, {"X": [2], "label": [1]}]
    out = tuples(stream, "X", "y")
    assert next(out) == ([1], [0])
    with pytest.raises(BatchKeyError) as info:
        next(out)
    message = str(info.value)
    assert message == "batch 1 of the stream has no field 'y'; its fields are ['X', 'label']."
    assert isinstance(info.value, KeyError) and isinstance(info.value, BatchError)


@pytest.mark.parametrize(
    "function", [lambda s: tuples(s, "X"), lambda s: keras_tuples(s, outputs="X")]
)
@pytest.mark.parametrize("item", [(np.zeros(2),), [1, 2], np.zeros(3), "X"])
def test_an_item_that_is_not_a_batch_is_named(function, item):
    with pytest.raises(BatchError, match=f"item 1 of the stream is a {type(item).__name__}, not"):
        list(function([{"X": [0]}, item]))


# -- keras_tuples -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("inputs", "outputs", "expected"),
    [
        ("X", "y", (0, 10)),
        ("X", None, (0, None)),
        (None, "y", (None, 10)),
        (["X"], "y", ([0], 10)),
        ("X", ["y", "w"], (0, [10, 20])),
        (("X", "w"), ("y",), ([0, 20], [10])),
        (["w", "X"], None, ([20, 0], None)),
    ],
    ids=["str-str", "str-none", "none-str", "list-str", "str-list", "tuples", "list-none"],
)
def test_keras_tuples_arranges_inputs_and_outputs(inputs, outputs, expected):
    def shape(value):
        if value is None:
            return None
        if isinstance(value, list):
            return [int(v[0]) for v in value]
        assert isinstance(value, np.ndarray)
        return int(value[0])

    out = list(keras_tuples(numbered(2), inputs=inputs, outputs=outputs))
    assert len(out) == 2
    for i, (x, y) in enumerate(out):
        shifted = [
            None if e is None else [v + i for v in e] if isinstance(e, list) else e + i
            for e in expected
        ]
        assert (shape(x), shape(y)) == tuple(shifted)


def test_keras_tuples_is_positional_as_in_pescador():
    x, y = next(keras_tuples(numbered(1), "X", "y"))
    assert (int(x[0]), int(y[0])) == (0, 10)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, ValueError, "needs inputs, outputs or both"),
        ({"inputs": None, "outputs": None}, ValueError, "needs inputs, outputs or both"),
        ({"inputs": []}, ValueError, "inputs is an empty list"),
        ({"inputs": "X", "outputs": ()}, ValueError, "outputs is an empty list"),
        ({"inputs": 3}, TypeError, "inputs must be None, a key"),
        ({"outputs": ["y", 1]}, TypeError, "outputs must be None, a key"),
        ({"inputs": {"X": 1}}, TypeError, "inputs must be None, a key"),
        ({"inputs": iter(["X"])}, TypeError, "inputs must be None, a key"),
    ],
)
def test_keras_tuples_checks_its_arguments_at_the_call(kwargs, error, match):
    tracked = Tracked()
    with pytest.raises(error, match=match):
        keras_tuples(Streamer(tracked, 2), **kwargs)
    assert tracked.started == 0


def test_keras_tuples_names_a_missing_key():
    with pytest.raises(KeyError, match=r"batch 0 of the stream has no field 'Y'.*\['X', 'y'\]"):
        next(keras_tuples([{"X": [1], "y": [2]}], "X", ["Y"]))


# -- cache ----------------------------------------------------------------------------------
def stream_of(n):
    return [Batch(X=np.array([i])) for i in range(n)]


@pytest.mark.parametrize("n_cache", [1, 3, 50])
def test_prob_one_turns_the_cache_off(n_cache):
    batches = stream_of(20)
    out = list(cache(batches, n_cache, prob=1.0, random_state=0))
    assert len(out) == 20 and all(a is b for a, b in zip(out, batches))


@pytest.mark.parametrize("n_cache", [6, 20])
def test_a_stream_shorter_than_the_cache_comes_out_as_it_is(n_cache):
    assert ids(cache(stream_of(5), n_cache, prob=0.1, random_state=0)) == [0, 1, 2, 3, 4]


def test_a_stream_as_long_as_the_cache_is_served_again_until_a_new_batch_is_asked_for():
    out = ids(cache(stream_of(5), 5, prob=0.1, random_state=0))
    assert out[:5] == [0, 1, 2, 3, 4] and len(out) > 5
    assert set(out[5:]) <= {0, 1, 2, 3, 4}


def test_the_first_n_cache_batches_come_in_order_then_repeats_start():
    out = ids(cache(stream_of(100), 4, prob=0.5, random_state=0))
    assert out[:4] == [0, 1, 2, 3]
    assert len(out) > 100  # some batches were served again


def new_batches(out):
    """The positions of the batches that came from the stream (each new id is the next)."""
    seen = -1
    new = []
    for position, i in enumerate(ids(out)):
        if i > seen:
            assert i == seen + 1  # new batches come in the stream's order, none skipped
            seen = i
            new.append(position)
    return new


@given(
    n=st.integers(0, 60),
    n_cache=st.integers(1, 10),
    prob=st.floats(0.05, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_cache_serves_only_stream_batches_and_all_of_them(n, n_cache, prob, seed):
    batches = stream_of(n)
    out = list(cache(batches, n_cache, prob=prob, random_state=seed))
    produced = {id(batch) for batch in batches}
    assert all(id(batch) in produced for batch in out)  # the very objects, nothing else
    new = new_batches(out)
    assert len(new) == n  # every batch of the stream, once, in order
    assert out[: min(n, n_cache)] == batches[: min(n, n_cache)]  # the cache fills in order
    if n < n_cache:  # the stream ended before the cache was full: nothing is served again
        assert out == batches


@given(n=st.integers(0, 40), n_cache=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_property_prob_one_yields_the_stream_exactly(n, n_cache, seed):
    batches = stream_of(n)
    out = list(cache(iter(batches), n_cache, prob=1.0, random_state=seed))
    assert len(out) == n and all(a is b for a, b in zip(out, batches))


@pytest.mark.parametrize("n_cache", [1, 3, 8])
def test_the_cache_never_holds_more_than_n_cache_batches(n_cache):
    alive = []

    def watched():
        for i in range(300):
            batch = Batch(X=np.array([i]))
            alive.append(weakref.ref(batch))
            yield batch

    for batch in cache(watched(), n_cache, prob=0.3, random_state=1):
        # the one just yielded is in the cache (or came from it)
        assert sum(ref() is not None for ref in alive) <= n_cache
        del batch


@pytest.mark.parametrize("prob", [0.1, 0.25, 0.5, 0.9])
def test_the_share_of_new_batches_is_prob(prob):
    """After the cache fills, each batch served is new with probability prob: a binomial
    count. The seed is fixed, so the test is deterministic; the bound (p-value > 1e-4)
    would hold for almost every seed."""
    n, n_cache = 4000, 16
    out = list(cache(stream_of(n), n_cache, prob=prob, random_state=12345))
    served = len(out) - n_cache  # after the cache filled
    new = n - n_cache
    assert stats.binomtest(new, served, prob).pvalue > 1e-4


def test_re_served_batches_are_drawn_uniformly_from_the_cache():
    """A stream as long as the cache: once the cache is full, every batch served is drawn
    from it, until a new one is asked for (rarely, with a small prob)."""
    n_cache = 10
    out = list(cache(stream_of(n_cache), n_cache, prob=0.0005, random_state=7))
    repeats = out[n_cache:]
    assert len(repeats) > 1000
    counts = np.bincount(ids(repeats), minlength=n_cache)
    assert stats.chisquare(counts).pvalue > 1e-4


@pytest.mark.parametrize(
    "random_state",
    [0, np.int64(3), np.random.RandomState(0), np.random.default_rng(0), None],
    ids=["int", "numpy-int", "RandomState", "Generator", "None"],
)
def test_random_state_takes_every_kind_of_seed(random_state):
    out = list(cache(stream_of(30), 3, prob=0.5, random_state=random_state))
    assert len(new_batches(out)) == 30


def test_an_int_random_state_repeats_and_a_generator_moves_on():
    assert ids(cache(stream_of(50), 3, random_state=5)) == ids(
        cache(stream_of(50), 3, random_state=5)
    )
    rng = np.random.default_rng(5)
    assert ids(cache(stream_of(50), 3, random_state=rng)) != ids(
        cache(stream_of(50), 3, random_state=rng)
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_cache": 0}, ValueError, "n_cache must be an int >= 1"),
        ({"n_cache": -2}, ValueError, "n_cache must be an int >= 1"),
        ({"n_cache": 1.5}, TypeError, "n_cache must be an int >= 1"),
        ({"n_cache": True}, TypeError, "n_cache must be an int >= 1"),
        ({"n_cache": None}, TypeError, "n_cache must be an int >= 1"),
        ({"n_cache": 2, "prob": 0}, ValueError, r"prob must be in \(0, 1\].*new batch"),
        ({"n_cache": 2, "prob": -0.5}, ValueError, r"prob must be in \(0, 1\]"),
        ({"n_cache": 2, "prob": 1.01}, ValueError, r"prob must be in \(0, 1\]"),
        ({"n_cache": 2, "prob": float("nan")}, ValueError, r"prob must be in \(0, 1\]"),
        ({"n_cache": 2, "prob": "0.5"}, TypeError, "prob must be"),
        ({"n_cache": 2, "prob": True}, TypeError, "prob must be"),
        ({"n_cache": 2, "random_state": -1}, ValueError, "random_state"),
        ({"n_cache": 2, "random_state": "seed"}, TypeError, "random_state"),
    ],
)
def test_cache_checks_its_arguments_at_the_call(kwargs, error, match):
    tracked = Tracked()
    with pytest.raises(error, match=match):
        cache(Streamer(tracked, 2), **kwargs)
    assert tracked.started == 0


# -- every map closes the stream it started, and leaves a given iterator to its owner -------
MAPS = {
    "tuples": lambda stream: tuples(stream, "X", "y"),
    "keras_tuples": lambda stream: keras_tuples(stream, "X", "y"),
    "cache": lambda stream: cache(stream, 2, prob=0.5, random_state=0),
    "buffer_stream": lambda stream: maps.buffer_stream(stream, 2),
}


@pytest.mark.parametrize("name", list(MAPS))
@pytest.mark.parametrize("given_as", ["generator", "data-source"])
def test_an_early_close_closes_only_a_stream_the_map_started(name, given_as):
    tracked = Tracked()
    stream = tracked() if given_as == "generator" else Streamer(tracked)
    out = MAPS[name](stream)
    next(out)
    assert tracked.closed == 0
    out.close()
    if given_as == "data-source":
        assert (tracked.started, tracked.closed) == (1, 1)
    else:  # the caller's generator: still open, and still readable
        assert (tracked.started, tracked.closed) == (1, 0)
        assert next(stream) is not None
        stream.close()
        assert tracked.closed == 1


@pytest.mark.parametrize("name", list(MAPS))
def test_the_input_is_closed_at_its_end_and_on_an_error(name):
    tracked = Tracked()
    list(MAPS[name](tracked(5)))
    assert tracked.closed == 1

    def failing():
        try:
            yield {"X": np.array([0]), "y": np.array([0])}
            yield {"X": np.array([1]), "y": np.array([1])}
            yield {"X": np.array([2]), "y": np.array([1])}
            raise RuntimeError("the source failed")
        finally:
            tracked.closed += 1

    with pytest.raises(RuntimeError, match="the source failed"):
        list(MAPS[name](failing()))
    assert tracked.closed == 2


@pytest.mark.parametrize("name", list(MAPS))
def test_a_data_source_is_started_afresh_each_call(name):
    source = Streamer(numbered, 4)
    assert len(list(MAPS[name](source))) == len(list(MAPS[name](source)))
