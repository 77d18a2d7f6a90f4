"""Tests for sklearn_stream.core.Streamer."""

import inspect
import pickle

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_stream import Mux, Streamer, streamable
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


# -- calling a data source: source(max_iter, cycle), as in pescador 3 -----------------------
@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ({}, [0, 1, 2]),
        ({"max_iter": 2}, [0, 1]),
        ({"max_iter": 0}, []),
        ({"max_iter": 10}, [0, 1, 2]),
        ({"max_iter": 7, "cycle": True}, [0, 1, 2, 0, 1, 2, 0]),
        ({"max_iter": np.int64(4), "cycle": np.True_}, [0, 1, 2, 0]),
        ({"cycle": False}, [0, 1, 2]),
    ],
    ids=["plain", "bounded", "zero", "beyond-the-end", "cycle", "numpy-args", "no-cycle"],
)
def test_calling_a_streamer_iterates_or_cycles(call, expected):
    source = Streamer(count_up, 3)
    assert values(source(**call)) == expected
    assert values(source(**call)) == expected  # each call starts afresh
    positional = (call.get("max_iter"), call.get("cycle", False))
    assert values(source(*positional)) == expected


def test_calling_matches_iterate_and_cycle():
    source = Streamer(count_up, 4, start=5)
    assert values(source()) == values(source.iterate())
    assert values(source(3)) == values(source.iterate(3))
    assert values(source(9, cycle=True)) == values(source.cycle(9))


def test_an_endless_cycle_of_a_call_keeps_restarting():
    stream = Streamer(count_up, 2)(cycle=True)
    assert values(next(stream) for _ in range(5)) == [0, 1, 0, 1, 0]
    stream.close()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"max_iter": -1}, ValueError, "max_iter"),
        ({"max_iter": 1.5}, TypeError, "max_iter"),
        ({"max_iter": "3"}, TypeError, "max_iter"),
        ({"max_iter": True}, TypeError, "max_iter"),
        ({"cycle": 1}, TypeError, "cycle must be a bool"),
        ({"cycle": "yes"}, TypeError, "cycle must be a bool"),
        ({"cycle": None}, TypeError, "cycle must be a bool"),
    ],
)
def test_calling_checks_its_arguments_at_the_call(kwargs, error, match):
    tracked = Tracked()
    with pytest.raises(error, match=match):
        Streamer(tracked, 3)(**kwargs)
    assert tracked.started == 0  # nothing was started


@pytest.mark.parametrize("cycle", [False, True])
def test_closing_a_called_stream_closes_the_source(cycle):
    tracked = Tracked()
    stream = Streamer(tracked, 5)(cycle=cycle)
    next(stream)
    stream.close()
    assert (tracked.started, tracked.closed) == (1, 1)


@pytest.mark.timeout(10)
def test_a_cycled_call_of_an_empty_source_raises():
    with pytest.raises(EmptyStreamError, match="cannot repeat an empty stream"):
        next(Streamer([])(cycle=True))


def test_every_data_source_can_be_called_and_stays_a_data_source():
    pool = [Streamer(count_up, 3, start=10 * i) for i in range(2)]
    mux = Mux(pool, 1, lam=None, with_replacement=False, random_state=0)
    assert len(values(mux(max_iter=4))) == 4
    assert sorted(values(mux())) == [0, 1, 2, 10, 11, 12]
    # Being callable changes nothing where a data source is expected
    assert is_data_source(mux)
    assert sorted(values(Streamer(mux))) == [0, 1, 2, 10, 11, 12]
    with pytest.raises(TypeError, match="not a function to call"):
        Streamer(mux, 3)
    assert values(Streamer(Streamer(count_up, 2))(cycle=True, max_iter=3)) == [0, 1, 0]


def test_a_learner_takes_a_callable_data_source_as_its_stream():
    from sklearn.linear_model import SGDRegressor

    from sklearn_stream import StreamLearner

    X, y = np.ones((6, 1)), np.arange(6.0)
    learner = StreamLearner(SGDRegressor(), 1, stream=Streamer(noisy, sigma=0.0))
    assert learner.fit(X, y).n_batches_seen_ == 1  # a callable, but rebuilt as a source
    pool = [Streamer(noisy, X, y, sigma=s) for s in (0.0, 1.0)]
    mux = Mux(pool, 2, lam=None, with_replacement=False, random_state=0)
    assert StreamLearner(SGDRegressor()).iter_fit(mux).n_batches_seen_ == 2


# -- streamable ----------------------------------------------------------------------------
@streamable
def decorated_count(n, start=0, step=1):
    """Yield n one-sample batches, from start by step."""
    yield from count_up(n, start=start, step=step)


def _plain_count(n, start=0):
    yield from count_up(n, start=start)


aliased_count = streamable(_plain_count)  # the function keeps its own name too


def rebound_count(n):
    yield from count_up(n)


rebound_count = streamable(rebound_count)  # the pre-decorator idiom


class Holder:
    """Decorated methods work too: the instance comes first."""

    def __init__(self, start):
        self.start = start

    @streamable
    def count(self, n):
        yield from count_up(n, start=self.start)


def test_a_streamable_function_returns_a_streamer():
    source = decorated_count(3, start=4)
    assert type(source) is Streamer
    assert source.streamer is decorated_count.__wrapped__
    assert (source.args, source.kwargs) == ((3,), {"start": 4})
    assert values(source) == values(source) == [4, 5, 6]  # restarts
    assert values(source(max_iter=5, cycle=True)) == [4, 5, 6, 4, 5]
    assert repr(source) == "Streamer(decorated_count, 3, start=4)"


def test_a_streamable_function_keeps_name_docstring_and_signature():
    assert decorated_count.__name__ == "decorated_count"
    assert decorated_count.__qualname__ == "decorated_count"
    assert decorated_count.__module__ == __name__
    assert decorated_count.__doc__ == "Yield n one-sample batches, from start by step."
    assert str(inspect.signature(decorated_count)) == "(n, start=0, step=1)"


def test_a_streamable_function_checks_its_arguments_at_the_call():
    with pytest.raises(TypeError, match="unexpected keyword argument 'sigma'"):
        decorated_count(3, sigma=1)
    with pytest.raises(TypeError, match="too many positional arguments"):
        decorated_count(1, 2, 3, 4)
    with pytest.raises(TypeError, match=r"missing the required argument 'n'"):
        decorated_count().generate()  # missing arguments: named when a stream starts


def test_a_streamable_function_made_streamers_have_parameters_and_clone():
    source = decorated_count(3, step=2)
    assert source.set_params(step=5).get_params() == {"step": 5}
    assert values(source) == [0, 5, 10]
    copy = clone(source)
    assert copy is not source and repr(copy) == repr(source)
    assert values(copy) == [0, 5, 10]


@pytest.mark.parametrize(
    "make",
    [
        lambda: decorated_count(3, start=1),
        lambda: aliased_count(3, start=1),
        lambda: rebound_count(3),
        lambda: Holder(1).count(3),
        lambda: Streamer(decorated_count, 3, start=1),
    ],
    ids=["decorated", "aliased", "rebound", "method", "streamer-of-decorated"],
)
@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_streamers_of_streamable_functions_pickle_by_reference(make, protocol):
    source = make()
    restored = pickle.loads(pickle.dumps(source, protocol=protocol))
    assert restored.streamer is source.streamer  # found by its name: the same function
    assert values(restored) == values(source)


# (aliased_count itself is not found by its name, _plain_count: plain pickle refuses it,
# cloudpickle copies it; the Streamers it makes pickle by reference, tested above.)
@pytest.mark.parametrize(
    "function",
    [decorated_count, _plain_count, rebound_count, Holder.count],
    ids=["decorated", "aliased-original", "rebound", "method"],
)
@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_streamable_functions_and_their_originals_pickle_by_reference(function, protocol):
    assert pickle.loads(pickle.dumps(function, protocol=protocol)) is function
    original = getattr(function, "__wrapped__", function)
    Streamer(function, 1)  # (an original is given its new name by the first Streamer)
    assert pickle.loads(pickle.dumps(original, protocol=protocol)) is original


def test_cloudpickle_keeps_streamable_functions_by_reference():
    cloudpickle = pytest.importorskip("cloudpickle")
    source = decorated_count(2)
    data = cloudpickle.dumps(source)
    assert b"co_code" not in data and b"_streamable_function" in data
    assert cloudpickle.loads(data).streamer is source.streamer


def test_a_local_streamable_function_works_and_cloudpickles_by_value():
    cloudpickle = pytest.importorskip("cloudpickle")

    @streamable
    def local(n):
        yield from count_up(n)

    assert repr(local(2)).endswith("<locals>.local, 2)")
    assert values(cloudpickle.loads(cloudpickle.dumps(local(2)))) == [0, 1]


def test_passing_a_streamable_function_to_streamer_or_streamable_again_unwraps_it():
    assert Streamer(decorated_count, 2).streamer is decorated_count.__wrapped__
    assert streamable(decorated_count) is decorated_count
    again = streamable(decorated_count.__wrapped__)  # the original decorated twice
    assert again is not decorated_count
    assert values(again(2)) == [0, 1]
    assert pickle.loads(pickle.dumps(again(2))).streamer is decorated_count.__wrapped__


def test_a_learner_takes_a_streamable_function_as_its_stream():
    from sklearn.linear_model import SGDRegressor

    from sklearn_stream import StreamLearner

    @streamable
    def batches(X, y, n_batches=2):
        for _ in range(n_batches):
            yield {"X": X, "y": y}

    learner = StreamLearner(SGDRegressor(), stream=batches).fit(np.ones((4, 2)), np.ones(4))
    assert learner.n_batches_seen_ == 2


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (3, "got a int"),
        (None, "got a NoneType"),
        (count_up(2), "generator object"),
        (Streamer(count_up, 2), "data source already"),
        ([{"X": [1]}], "got a list"),
    ],
    ids=["int", "none", "generator", "data-source", "list"],
)
def test_streamable_refuses_what_is_not_a_generator_function(bad, match):
    with pytest.raises(TypeError, match=f"streamable decorates a generator function.*{match}"):
        streamable(bad)


def test_streamable_refuses_a_class_whose_streamers_could_not_pickle():
    class Rows:
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter([{"X": np.array([i])} for i in range(self.n)])

    with pytest.raises(TypeError, match=r"got the class .*Rows.*Use Streamer\(Rows, \.\.\.\)"):
        streamable(Rows)
    assert [int(b["X"][0]) for b in Streamer(Rows, 2).generate()] == [0, 1]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_a_streamable_source_runs_in_zmq_workers(start_method):
    pytest.importorskip("zmq")
    import multiprocessing

    from sklearn_stream import ZMQStreamer

    source = ZMQStreamer(decorated_count(4, start=1), n_workers=2, start_method=start_method)
    assert sorted(values(source)) == [1, 1, 2, 2, 3, 3, 4, 4]  # each worker its own stream
    assert sorted(values(clone(source)(max_iter=3))) in ([1, 1, 2], [1, 2, 2], [1, 2, 3])
    assert multiprocessing.active_children() == []
