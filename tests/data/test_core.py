"""Tests for sklearn_stream.core.Streamer."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_stream import Mux, Streamer
from sklearn_stream.core import check_max_batches, is_data_source
from sklearn_stream.exceptions import EmptyStreamError


def count_up(n, start=0, step=1):
    """Yield n one-sample batches holding start, start + step, ..."""
    for i in range(n):
        yield {"X": np.array([[start + i * step]]), "Y": np.array([i])}


def list_of_batches(n):
    """A plain function (not a generator function) returning an iterable."""
    return [{"X": np.array([i])} for i in range(n)]


def values(stream):
    return [int(np.ravel(batch["X"])[0]) for batch in stream]


class Tracked:
    """A generator function that records starts and closes, to test clean-up."""

    def __init__(self):
        self.started = 0
        self.closed = 0

    def __call__(self, n=None):
        self.started += 1
        try:
            i = 0
            while n is None or i < n:
                yield {"X": np.array([i])}
                i += 1
        finally:
            self.closed += 1


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (Streamer(count_up, 4), [0, 1, 2, 3]),
        (Streamer(count_up, 3, start=10, step=5), [10, 15, 20]),
        (Streamer(list_of_batches, 3), [0, 1, 2]),
        (Streamer([{"X": np.array([7])}, {"X": np.array([8])}]), [7, 8]),
        (Streamer((({"X": np.array([1])}),)), [1]),
        (Streamer(Streamer(count_up, 2)), [0, 1]),
    ],
    ids=["genfunc", "genfunc-kwargs", "callable-list", "list", "tuple", "nested"],
)
def test_generate_restarts_each_time(source, expected):
    assert values(source.generate()) == expected
    assert values(source.generate()) == expected
    assert values(source) == expected
    assert values(source.iterate()) == expected


@pytest.mark.parametrize("max_batches", [0, 1, 3, 10, np.int64(2)])
def test_generate_max_batches_bounds_stream(max_batches):
    source = Streamer(count_up, 5)
    assert values(source.generate(max_batches=max_batches)) == list(range(min(5, max_batches)))
    assert values(source.iterate(max_iter=max_batches)) == list(range(min(5, max_batches)))


@pytest.mark.parametrize(
    ("bad", "error"),
    [(-1, ValueError), (1.5, TypeError), ("3", TypeError), (True, TypeError)],
)
def test_generate_rejects_bad_bound_at_call(bad, error):
    source = Streamer(count_up, 5)
    with pytest.raises(error, match="max_batches"):
        source.generate(max_batches=bad)
    with pytest.raises(error, match="max_iter"):
        source.iterate(max_iter=bad)
    with pytest.raises(error, match="max_iter"):
        source.cycle(max_iter=bad)


def test_generator_object_is_rejected_with_advice():
    with pytest.raises(TypeError, match="cannot restart a generator object.*generator function"):
        Streamer(count_up(3))


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (iter([{"X": [1]}]), "one-shot iterator"),
        (map(dict, []), "one-shot iterator"),
        ({"X": [1, 2]}, "single batch"),
        (42, "streamer must be"),
        ("abc", "got a str, not a stream"),
        (None, "streamer must be"),
    ],
    ids=["iterator", "map", "dict", "int", "str", "none"],
)
def test_non_restartable_or_non_stream_is_rejected(bad, match):
    with pytest.raises(TypeError, match=match):
        Streamer(bad)


@pytest.mark.parametrize(
    "source", [[{"X": [1]}], Streamer(count_up, 1)], ids=["list", "data-source"]
)
def test_arguments_without_callable_are_rejected(source):
    with pytest.raises(TypeError, match="not a function to call"):
        Streamer(source, 3)
    with pytest.raises(TypeError, match="not a function to call"):
        Streamer(source, n=3)


@pytest.mark.parametrize("result", [5, {"X": [1]}, "text"], ids=["int", "dict", "str"])
def test_callable_returning_non_stream_fails_at_generate(result):
    source = Streamer(lambda: result)
    with pytest.raises(TypeError, match="not an iterable of batches"):
        source.generate()


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((3,), {"sigma": 1}, "unexpected keyword argument 'sigma'"),
        ((3, 0, 1, 2), {}, "too many positional arguments"),
        ((3,), {"n": 4}, "multiple values for argument 'n'"),
    ],
    ids=["unknown-keyword", "too-many", "twice"],
)
def test_arguments_are_checked_against_the_signature_at_construction(args, kwargs, match):
    with pytest.raises(TypeError, match=match):
        Streamer(count_up, *args, **kwargs)


def noisy(X, Y, *, sigma, scale=1.0):
    """Needs two positional arguments and one keyword-only argument."""
    yield {"X": np.asarray(X) * scale + sigma, "Y": np.asarray(Y)}


@pytest.mark.parametrize(
    ("source", "missing", "example"),
    [
        (Streamer(count_up), "argument 'n'", "Streamer(count_up, n) or Streamer(count_up, n=...)"),
        (
            Streamer(noisy, sigma=0.5),
            "arguments 'X', 'Y'",
            "Streamer(noisy, X, Y, sigma=0.5) or Streamer(noisy, sigma=0.5, X=..., Y=...)",
        ),
        # arguments that are not short values are shown by their parameter names
        (Streamer(noisy, [1], [0]), "argument 'sigma'", "Streamer(noisy, X, Y, sigma=...)."),
        (Streamer(list_of_batches), "argument 'n'", "Streamer(list_of_batches, n) or"),
    ],
    ids=["generator-function", "leading-data", "keyword-only", "plain-function"],
)
@pytest.mark.parametrize("start", ["generate", "iterate", "cycle", "iter"])
def test_missing_arguments_are_named_when_a_stream_starts(source, missing, example, start):
    # construction accepts it: a learner's fit puts X (and y) first
    name = source.streamer.__name__
    with pytest.raises(TypeError) as info:
        stream = iter(source) if start == "iter" else getattr(source, start)()
        next(stream)
    message = str(info.value)
    head = repr(source).replace("[1], [0]", "X, Y")  # placeholders, never the values
    assert message.startswith(f"{head} cannot start a stream: {name}() is missing")
    assert f"the required {missing}." in message
    assert example in message
    assert info.value.__suppress_context__  # the bare TypeError is not shown too


def test_missing_arguments_raise_at_generate_not_at_first_batch():
    with pytest.raises(TypeError, match="missing the required argument 'n'"):
        Streamer(count_up).generate(max_batches=1)


def test_arguments_set_later_complete_the_call():
    source = Streamer(noisy, [1], [0])
    with pytest.raises(TypeError, match="'sigma'"):
        source.generate()
    source.set_params(sigma=2.0)
    assert values(source.generate()) == [3]
    source.set_params(scale=0.0)  # a new keyword: the call is checked again, and passes
    assert values(source.generate()) == [2]


def test_a_type_error_inside_the_function_is_not_rewritten():
    def broken(n):
        return [{"X": np.array([i])} for i in range(n + "1")]

    with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for \+"):
        Streamer(broken, 2).generate()


def test_a_learner_fills_the_leading_arguments_and_names_what_is_still_missing():
    from sklearn.linear_model import SGDRegressor

    from sklearn_stream import StreamLearner

    X, y = np.ones((6, 1)), np.arange(6.0)
    learner = StreamLearner(SGDRegressor(), 1, stream=Streamer(noisy, sigma=0.0))
    assert learner.fit(X, y).n_batches_seen_ == 1
    learner = StreamLearner(SGDRegressor(), 1, stream=Streamer(noisy))
    with pytest.raises(TypeError, match=r"noisy\(\) is missing the required argument 'sigma'"):
        learner.fit(X, y)


def test_cycle_repeats_and_bounds():
    source = Streamer(count_up, 3)
    assert values(source.cycle(max_iter=7)) == [0, 1, 2, 0, 1, 2, 0]
    assert values(source.cycle(max_iter=0)) == []


@pytest.mark.timeout(10)
@pytest.mark.parametrize("empty", [Streamer([]), Streamer(count_up, 0)], ids=["list", "genfunc"])
def test_cycle_on_empty_source_raises_instead_of_spinning(empty):
    with pytest.raises(EmptyStreamError, match="cannot repeat an empty stream"):
        next(empty.cycle())


def test_cycle_stops_when_source_becomes_empty():
    state = {"n": 2}

    def shrinking():
        n = state["n"]
        state["n"] = 0
        return [{"X": [i]} for i in range(n)]

    stream = Streamer(shrinking).cycle()
    assert values([next(stream), next(stream)]) == [0, 1]
    with pytest.raises(EmptyStreamError):
        next(stream)


@pytest.mark.parametrize("bound", [None, 2])
def test_early_close_closes_underlying_generator(bound):
    tracked = Tracked()
    source = Streamer(tracked)
    stream = source.generate(max_batches=bound)
    next(stream)
    stream.close()
    assert (tracked.started, tracked.closed) == (1, 1)


def test_exhausted_bound_closes_underlying_generator():
    tracked = Tracked()
    assert values(Streamer(tracked).generate(max_batches=3)) == [0, 1, 2]
    assert (tracked.started, tracked.closed) == (1, 1)


def test_cycle_close_closes_current_pass():
    tracked = Tracked()
    stream = Streamer(tracked, 2).cycle()
    for _ in range(5):
        next(stream)
    stream.close()
    assert tracked.started == 3
    assert tracked.closed == 3


def test_pickle_round_trip_gives_same_stream():
    source = Streamer(count_up, 4, start=3, step=2)
    restored = pickle.loads(pickle.dumps(source))
    assert values(restored.generate()) == values(source.generate()) == [3, 5, 7, 9]
    assert restored.get_params() == source.get_params()


def test_get_params_returns_keyword_arguments():
    source = Streamer(count_up, 4, start=3)
    assert source.get_params() == {"start": 3}
    assert source.get_params(deep=False) == {"start": 3}


def test_set_params_accepts_any_keyword_of_the_function():
    source = Streamer(count_up, 3)
    assert source.set_params(step=10) is source
    assert values(source) == [0, 10, 20]
    assert source.get_params() == {"step": 10}


def test_set_params_accepts_anything_for_var_keyword_functions():
    def flexible(n, **options):
        yield {"X": [options.get("value", n)]}

    source = Streamer(flexible, 1).set_params(value=5)
    assert values(source) == [5]


@pytest.mark.parametrize(
    ("source", "params", "match"),
    [
        (Streamer(count_up, 3), {"sigma": 1.0}, "unexpected keyword argument 'sigma'"),
        (Streamer(count_up, 3), {"n": 5}, "multiple values for argument 'n'"),
        (Streamer(count_up, 3), {"step": 10, "sigma": 1}, "unexpected keyword argument"),
        (Streamer([{"X": [1]}]), {"n": 1}, "takes no parameters"),
        (Streamer(count_up, 3, step=2), {"step__x": 1}, "parameters of its own"),
    ],
    ids=["unknown", "bound-by-position", "atomic", "iterable", "nested-on-plain"],
)
def test_set_params_rejects_unknown_names(source, params, match):
    before = source.get_params()
    with pytest.raises(ValueError, match=match):
        source.set_params(**params)
    assert source.get_params() == before


def test_nested_params_reach_inner_data_source():
    def from_source(source):
        yield from source.generate()

    inner = Streamer(count_up, 2, step=1)
    outer = Streamer(from_source, source=inner)
    assert outer.get_params()["source__step"] == 1
    outer.set_params(source__step=4)
    assert inner.get_params()["step"] == 4
    assert values(outer) == [0, 4]


def test_clone_is_equal_and_independent():
    X = np.arange(6).reshape(3, 2)

    def rows(X, scale=1):
        for row in X:
            yield {"X": row[None, :] * scale}

    source = Streamer(rows, X, scale=2)
    copy = clone(source)
    assert type(copy) is Streamer
    assert copy.get_params() == source.get_params()
    assert [b["X"].tolist() for b in copy] == [b["X"].tolist() for b in source]
    copy.set_params(scale=3)
    assert source.get_params() == {"scale": 2}
    assert copy.args[0] is not X  # data arguments are copied, as scikit-learn's clone does
    np.testing.assert_array_equal(copy.args[0], X)


def test_clone_of_a_wrapped_data_source_is_independent():
    from sklearn_stream import Mux

    pool = [Streamer(count_up, 100, start=100 * i) for i in range(3)]
    source = Streamer(Mux(pool, 2, lam=2, random_state=0))
    fresh = Streamer(Mux(pool, 2, lam=2, random_state=0))
    copy = clone(source)
    values(copy.generate(20))  # using the clone must not move the original's epochs
    assert values(source.generate(20)) == values(fresh.generate(20))


def test_clone_keeps_fitted_arguments_fitted():
    from sklearn.preprocessing import StandardScaler

    X = np.arange(12, dtype=float).reshape(6, 2)

    def scaled_rows(X, scaler):
        for row in scaler.transform(X):
            yield {"X": row[None, :]}

    source = Streamer(scaled_rows, X, StandardScaler().fit(X))
    copy = clone(source)
    np.testing.assert_array_equal(
        np.vstack([b["X"] for b in copy]), np.vstack([b["X"] for b in source])
    )


def test_repr_is_readable():
    X = np.zeros((150, 4))
    assert repr(Streamer(count_up, 3, step=2)) == "Streamer(count_up, 3, step=2)"
    text = repr(Streamer(count_up, X, start=list(range(10))))
    assert "shape=(150, 4)" in text
    assert "<list of 10>" in text


@pytest.mark.parametrize(
    ("obj", "expected"),
    [(Streamer([]), True), ([], False), (Streamer, False), (iter([]), False)],
)
def test_is_data_source(obj, expected):
    assert is_data_source(obj) is expected


@pytest.mark.parametrize(("value", "expected"), [(None, None), (0, 0), (np.int32(5), 5)])
def test_check_max_batches_accepts(value, expected):
    assert check_max_batches(value) == expected


def test_an_invalid_nested_parameter_changes_nothing():
    inner = Mux([Streamer(count_up, 2)], 1)
    outer = Streamer(from_mux, n=2, mux=inner)
    before, inner_before = outer.get_params(deep=False), inner.get_params(deep=False)
    with pytest.raises(ValueError, match="k must be"):
        outer.set_params(n=5, mux__k=0)
    assert outer.get_params(deep=False) == before
    assert inner.get_params(deep=False) == inner_before


def test_an_unknown_nested_name_is_named():
    with pytest.raises(ValueError, match=r"\['lamda__x'\]"):
        Mux([Streamer(count_up, 2)], 1).set_params(lamda__x=2)


def from_mux(n, mux):
    yield from mux.generate(n)
