"""buffer_stream: single samples stacked into batches (pescador 3's buffer_stream)."""

import weakref

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from sklearn_stream import Streamer, buffer_batch, buffer_stream
from sklearn_stream.exceptions import BatchError, BatchKeyError, BatchShapeError


def samples(n, shape=(3,), start=0):
    """n samples without a batch axis: sample i holds X filled with i and the label i % 2."""
    for i in range(start, start + n):
        yield {"X": np.full(shape, i, dtype=float), "y": np.array(i % 2), "id": i}


def ids_of(batches):
    return [int(i) for batch in batches for i in batch["id"]]


# -- what comes out ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("n", "size", "partial", "lengths"),
    [
        (10, 5, False, [5, 5]),
        (10, 5, True, [5, 5]),
        (11, 5, False, [5, 5]),
        (11, 5, True, [5, 5, 1]),
        (4, 5, False, []),
        (4, 5, True, [4]),
        (0, 5, True, []),
        (3, 1, False, [1, 1, 1]),
    ],
    ids=["exact", "exact-partial", "short-dropped", "short-kept", "too-few", "too-few-kept",
         "empty", "size-one"],
)  # fmt: skip
def test_samples_are_stacked_along_a_new_first_axis(n, size, partial, lengths):
    out = list(buffer_stream(samples(n), size, partial=partial))
    assert [len(batch["id"]) for batch in out] == lengths
    assert ids_of(out) == list(range(sum(lengths)))
    for batch in out:
        assert list(batch) == ["X", "y", "id"]  # the first sample's keys, in its order
        assert batch["X"].shape == (len(batch["id"]), 3)
        assert batch["y"].shape == (len(batch["id"]),)
        np.testing.assert_array_equal(batch["X"][:, 0], batch["id"])
        np.testing.assert_array_equal(batch["y"], batch["id"] % 2)


@pytest.mark.parametrize(
    ("shape", "axis", "expected"),
    [
        ((), None, (4,)),
        ((2, 3), None, (4, 2, 3)),
        ((1, 3), 0, (4, 3)),
        ((2, 3), 0, (8, 3)),
        ((2, 3), 1, (2, 12)),
        ((2, 3), -1, (2, 12)),
        ((3, 1), -2, (12, 1)),
    ],
)
def test_axis_joins_along_an_existing_axis(shape, axis, expected):
    stream = ({"X": np.full(shape, i)} for i in range(8))
    out = list(buffer_stream(stream, 4, axis=axis))
    assert len(out) == 2
    assert all(batch["X"].shape == expected for batch in out)
    if axis is not None:
        reference = np.concatenate([np.full(shape, i) for i in range(4)], axis=axis)
        np.testing.assert_array_equal(out[0]["X"], reference)


def test_axis_zero_joins_pieces_of_different_lengths():
    stream = [{"X": np.zeros((n, 2))} for n in (1, 3, 2, 2)]
    assert [b["X"].shape for b in buffer_stream(stream, 2, axis=0)] == [(4, 2), (4, 2)]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3, 4], np.array([1, 2, 3, 4])),
        ([1, 2.5, 3, 4], np.array([1.0, 2.5, 3.0, 4.0])),
        (["a", "bc", "d", "e"], np.array(["a", "bc", "d", "e"])),
        ([[1, 2], [3, 4], [5, 6], [7, 8]], np.arange(1, 9).reshape(4, 2)),
        ([True, False, True, True], np.array([True, False, True, True])),
    ],
    ids=["ints", "promoted", "strings", "lists", "bools"],
)
def test_numbers_strings_and_lists_are_stacked_as_numpy_stacks_them(values, expected):
    (batch,) = buffer_stream([{"v": value} for value in values], 4)
    np.testing.assert_array_equal(batch["v"], expected)
    assert batch["v"].dtype == expected.dtype


def test_a_batch_copies_the_samples():
    shared = np.zeros(2)
    (batch,) = buffer_stream([{"X": shared}, {"X": shared}], 2)
    batch["X"][:] = 1
    assert not shared.any()


def test_a_data_source_is_started_afresh_each_call():
    source = Streamer(samples, 6)
    assert ids_of(buffer_stream(source, 4)) == [0, 1, 2, 3]
    assert ids_of(buffer_stream(source, 3)) == [0, 1, 2, 3, 4, 5]


def test_buffer_batch_is_unchanged_for_samples_with_a_batch_axis():
    rows = [{"X": np.full((1, 2), i)} for i in range(5)]
    stacked = [b["X"] for b in buffer_stream(rows, 2, partial=True, axis=0)]
    recut = [b["X"] for b in buffer_batch(rows, 2)]
    assert len(stacked) == len(recut) == 3
    for a, b in zip(stacked, recut):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("partial", [False, True])
@pytest.mark.parametrize(("shape", "axis"), [((3,), None), ((), None), ((1, 2), 0), ((2, 2), 1)])
def test_the_same_batches_as_pescador(partial, shape, axis):
    pescador = pytest.importorskip("pescador")
    stream = [{"X": np.full(shape, i * 1.5), "y": np.full(shape, i)} for i in range(11)]
    ours = list(buffer_stream(stream, 4, partial=partial, axis=axis))
    theirs = list(pescador.buffer_stream(stream, 4, partial=partial, axis=axis))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.keys() == b.keys()
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
            assert a[key].dtype == b[key].dtype


# -- checks at the call ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"buffer_size": 0}, ValueError, "buffer_size must be an int >= 1"),
        ({"buffer_size": -3}, ValueError, "buffer_size must be an int >= 1"),
        ({"buffer_size": 2.5}, TypeError, "buffer_size must be an int >= 1"),
        ({"buffer_size": True}, TypeError, "buffer_size must be an int >= 1"),
        ({"buffer_size": None}, TypeError, "buffer_size must be an int >= 1"),
        ({"buffer_size": 2, "partial": 1}, TypeError, "partial must be a bool"),
        ({"buffer_size": 2, "partial": None}, TypeError, "partial must be a bool"),
        ({"buffer_size": 2, "axis": 1.0}, TypeError, "axis must be None or an int"),
        ({"buffer_size": 2, "axis": "0"}, TypeError, "axis must be None or an int"),
        ({"buffer_size": 2, "axis": True}, TypeError, "axis must be None or an int"),
    ],
)
def test_arguments_are_checked_at_the_call(kwargs, error, match):
    started = []

    def source():
        started.append(True)
        yield from samples(4)

    with pytest.raises(error, match=match):
        buffer_stream(Streamer(source), **kwargs)
    assert not started


@pytest.mark.parametrize(
    ("stream", "name"),
    [("abc", "str"), ({"X": 1}, "dict"), (np.zeros((3, 2)), "ndarray"), (None, "NoneType")],
)
def test_what_is_not_a_stream_is_refused_at_the_call(stream, name):
    with pytest.raises(TypeError, match=f"stream must be an iterable.*got a {name}"):
        buffer_stream(stream, 2)


# -- checks while stacking -------------------------------------------------------------------
def X(*shape):
    return np.zeros(shape)


@pytest.mark.parametrize(
    ("stream", "size", "error", "match"),
    [
        ([(X(2),)], 1, BatchError, r"item 0 of the stream is a tuple, not a sample"),
        ([{"X": X(2)}, [X(2)]], 2, BatchError, r"item 1 of the stream is a list, not a sample"),
        ([{}], 1, BatchError, "sample 0 of the stream has no fields"),
        (
            [{"X": X(2), "y": 1}, {"X": X(2)}],
            2,
            BatchKeyError,
            r"sample 1 of the stream lacks 'y': its keys are \['X'\], the first sample's "
            r"\['X', 'y'\]",
        ),
        (
            [{"X": X(2)}] * 3 + [{"X": X(2), "w": 1}],
            2,
            BatchKeyError,
            r"sample 3 of the stream has 'w' too",
        ),
        (
            [{"X": X(2)}, {"Z": X(2)}],
            2,
            BatchKeyError,
            r"sample 1 of the stream lacks 'X' and has 'Z' too",
        ),
        (
            [{"X": X(2)}, {"X": X(2)}, {"X": X(2)}, {"X": X(3)}],
            2,
            BatchShapeError,
            r"field 'X' of sample 3 of the stream has shape \(3,\), but sample 2 has shape "
            r"\(2,\)",
        ),
        (
            [{"X": X(2)}, {"X": X(2)}, {"X": X(3)}, {"X": X(3)}],
            2,
            BatchShapeError,
            r"field 'X' of sample 2 of the stream has shape \(3,\), but the samples before it "
            r"have \(2,\)",
        ),
        (
            [{"X": X(2, 3)}, {"X": X(3, 2)}],
            2,
            BatchShapeError,
            r"field 'X' of sample 1 of the stream has shape \(3, 2\)",
        ),
        (
            [{"X": X(2), "y": 0}, {"X": X(2), "y": [0, 1]}],
            2,
            BatchShapeError,
            r"field 'y' of sample 1 of the stream has shape \(2,\), but sample 0 has shape \(\)",
        ),
        (
            [{"X": [[1, 2], [3]]}, {"X": [[1, 2], [3]]}],
            2,
            BatchShapeError,
            "field 'X' of sample 0 of the stream has no regular shape",
        ),
        (
            [{"X": sp.csr_array(X(1, 2))}] * 2,
            2,
            BatchError,
            "field 'X' of sample 0 of the stream is a sparse matrix.*buffer_batch",
        ),
        (
            [{"X": X(2)}, {"X": sp.csr_array(X(1, 2))}],
            2,
            BatchError,
            "field 'X' of sample 1 of the stream is a sparse matrix",
        ),
    ],
    ids=[
        "tuple", "list-later", "no-fields", "lacks-key", "extra-key", "other-key",
        "shape-in-batch", "shape-across-batches", "shape-2d", "scalar-then-list", "ragged",
        "sparse", "sparse-later",
    ],
)  # fmt: skip
def test_bad_samples_are_named(stream, size, error, match):
    with pytest.raises(error, match=match):
        list(buffer_stream(stream, size))


def test_a_key_error_is_a_key_error_and_a_batch_error():
    with pytest.raises(KeyError) as info:
        list(buffer_stream([{"X": 1}, {"Y": 1}], 2))
    assert isinstance(info.value, BatchError)
    assert str(info.value).startswith("sample 1 of the stream")  # no quotes around it


@pytest.mark.parametrize(
    ("stream", "axis", "match"),
    [
        (
            [{"X": 1}] * 2,
            0,
            r"axis=0 is out of range for field 'X', whose samples have shape \(\)",
        ),
        ([{"X": X(2)}] * 2, 1, r"axis=1 is out of range for field 'X'.*shape \(2,\)"),
        ([{"X": X(2)}] * 2, -2, r"axis=-2 is out of range"),
        (
            [{"X": X(1, 2)}, {"X": X(1, 3)}],
            0,
            r"field 'X' of sample 1 of the stream has shape \(1, 3\), but sample 0 has shape "
            r"\(1, 2\)",
        ),
        ([{"X": X(1, 2)}, {"X": X(2)}], 0, r"field 'X' of sample 1 .* shape \(2,\)"),
        (
            [{"X": X(1, 2)}] * 2 + [{"X": X(1, 3)}] * 2,
            0,
            r"sample 2 of the stream has shape \(3,\) \(leaving out axis 0\), but the samples "
            r"before it have \(2,\)",
        ),
        ([{"X": X(1, 2), "y": 1}] * 2, 0, "axis=0 is out of range for field 'y'"),
    ],
    ids=[
        "0-d",
        "too-few-axes",
        "negative",
        "other-axis",
        "other-ndim",
        "across-batches",
        "second-field",
    ],
)
def test_shapes_that_cannot_be_joined_along_axis_are_named(stream, axis, match):
    with pytest.raises(BatchShapeError, match=match):
        list(buffer_stream(stream, 2, axis=axis))


def test_samples_with_int_keys_are_checked_to_be_dicts():
    stream = [{0: X(2), 1: X(2)}, (X(2), X(2))]  # a tuple has items 0 and 1, but no keys
    with pytest.raises(BatchError, match="item 1 of the stream is a tuple"):
        list(buffer_stream(stream, 2))


def test_other_mappings_are_samples_too():
    class Sample(dict):
        pass

    stream = [Sample(X=X(2)), {"X": X(2)}, Sample(X=X(2)), Sample(X=X(2))]
    assert [b["X"].shape for b in buffer_stream(stream, 2)] == [(2, 2), (2, 2)]


# -- memory and closing ----------------------------------------------------------------------
@pytest.mark.parametrize(("size", "partial"), [(1, False), (4, False), (7, True)])
def test_never_more_than_buffer_size_samples_are_held(size, partial):
    alive = []

    def made(i):
        value = np.full(3, i)
        alive.append(weakref.ref(value))
        return value

    def watched():
        for i in range(40):
            # only the samples of the chunk being filled are held: earlier ones are gone
            assert sum(ref() is not None for ref in alive) <= i % size
            yield {"X": made(i)}

    kept = list(buffer_stream(watched(), size, partial=partial))  # the batches are copies
    assert sum(len(batch["X"]) for batch in kept) == (40 if partial else 40 // size * size)


def test_an_early_close_closes_a_started_source_and_leaves_a_given_generator_open():
    closed = []

    def source(n):
        try:
            yield from samples(n)
        finally:
            closed.append(n)

    given = source(100)
    out = buffer_stream(given, 4)
    next(out)
    out.close()
    assert closed == []  # the caller's generator: still open and readable
    assert next(given) is not None
    given.close()
    out = buffer_stream(Streamer(source, 50), 4)
    next(out)
    out.close()
    list(buffer_stream(source(5), 4))  # run to its end: its finally has run
    assert closed == [100, 50, 5]


# -- properties ----------------------------------------------------------------------------
@given(
    n=st.integers(0, 60),
    size=st.integers(1, 16),
    partial=st.booleans(),
    shape=st.sampled_from([(), (3,), (2, 2)]),
)
def test_property_no_sample_lost_or_duplicated_and_exact_sizes(n, size, partial, shape):
    out = list(buffer_stream(samples(n, shape), size, partial=partial))
    lengths = [len(batch["id"]) for batch in out]
    full, rest = divmod(n, size)
    assert lengths == [size] * full + ([rest] if partial and rest else [])
    assert ids_of(out) == list(range(sum(lengths)))  # in order, each once
    for batch in out:
        assert batch["X"].shape == (len(batch["id"]), *shape)
        np.testing.assert_array_equal(batch["X"].reshape(len(batch["id"]), -1)[:, 0], batch["id"])


@given(
    lengths=st.lists(st.integers(1, 5), max_size=30),
    size=st.integers(1, 8),
    partial=st.booleans(),
)
def test_property_axis_zero_joins_every_piece_once(lengths, size, partial):
    pieces, start = [], 0
    for n in lengths:
        pieces.append({"row": np.arange(start, start + n)})
        start += n
    out = list(buffer_stream(pieces, size, partial=partial, axis=0))
    full, rest = divmod(len(pieces), size)
    used = full * size + (rest if partial else 0)
    assert len(out) == full + (1 if partial and rest else 0)
    joined = np.concatenate([b["row"] for b in out]) if out else np.array([], dtype=int)
    np.testing.assert_array_equal(joined, np.arange(sum(lengths[:used])))
