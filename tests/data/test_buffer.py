"""Tests for batch helpers and re-batching: batch_length, buffer_batch, buffer_streamer."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from sklearn_stream import Streamer, batch_length, buffer_batch, buffer_streamer
from sklearn_stream.buffer import concat_batches, slice_batch
from sklearn_stream.exceptions import BatchError, BatchLengthError


@pytest.mark.parametrize(
    ("batch", "expected"),
    [
        ({"X": np.zeros((5, 3))}, 5),
        ({"X": np.zeros((4, 2)), "Y": np.arange(4)}, 4),
        ({"X": sp.random(7, 3, density=0.5, format="csr", rng=0), "Y": list(range(7))}, 7),
        ({"X": sp.csc_array((2, 9))}, 2),
        ({"X": [1, 2, 3], "Y": ("a", "b", "c")}, 3),
        ({"X": np.zeros((0, 3))}, 0),
        ({}, None),
    ],
    ids=["array", "two-arrays", "sparse-matrix", "sparse-array", "lists", "empty", "no-fields"],
)
def test_batch_length(batch, expected):
    assert batch_length(batch) == expected


def test_batch_length_names_every_key_on_mismatch():
    with pytest.raises(RuntimeError, match=r"'X': 3, 'Y': 2, 'w': 3") as info:
        batch_length({"X": np.zeros((3, 2)), "Y": [1, 2], "w": np.ones(3)})
    assert isinstance(info.value, BatchLengthError)


@pytest.mark.parametrize(
    ("batch", "match"),
    [
        ((np.zeros(3), np.zeros(3)), "must be a dict.*tuple"),
        (np.zeros(3), "must be a dict.*ndarray"),
        ({"X": np.float64(1.0)}, "'X'.*no length"),
        ({"X": np.array(1.0)}, "'X' of the batch is a 0-d array"),
        ({"X": 3}, "'X'.*no length.*int"),
    ],
    ids=["tuple", "array", "numpy-scalar", "0-d", "int"],
)
def test_batch_length_rejects_non_batches(batch, match):
    with pytest.raises(BatchError, match=match):
        batch_length(batch)


def stream_of(*lengths, start=0, sparse=None):
    """Batches with consecutive row ids, so order and completeness are checkable."""
    rows = start
    for n in lengths:
        ids = np.arange(rows, rows + n)
        X = np.column_stack([ids, -ids]).astype(float)
        if sparse:
            X = sp.coo_matrix(X).asformat(sparse)
        yield {"X": X, "Y": ids, "tag": [f"r{i}" for i in ids]}
        rows += n


def ids_of(batches):
    return [int(i) for batch in batches for i in batch["Y"]]


@pytest.mark.parametrize("sparse", [None, "csr", "csc", "coo", "lil"])
@pytest.mark.parametrize("buffer_size", [1, 3, 4, 10])
def test_buffer_batch_recuts_preserving_order(sparse, buffer_size):
    lengths = (1, 4, 2, 0, 7, 3)
    out = list(buffer_batch(stream_of(*lengths, sparse=sparse), buffer_size))
    total = sum(lengths)
    assert [batch_length(b) for b in out[:-1]] == [buffer_size] * (len(out) - 1)
    assert 1 <= batch_length(out[-1]) <= buffer_size
    assert ids_of(out) == list(range(total))
    for batch in out:
        X = batch["X"].toarray() if sparse else batch["X"]
        np.testing.assert_array_equal(X[:, 0], batch["Y"])
        assert batch["tag"] == [f"r{i}" for i in batch["Y"]]
        if sparse:
            assert sp.issparse(batch["X"])


def test_buffer_batch_passes_full_batches_through_without_copy():
    batches = [{"X": np.zeros((4, 2))}, {"X": np.ones((4, 2))}]
    out = list(buffer_batch(batches, 4))
    assert out[0] is batches[0]
    assert out[1] is batches[1]


def test_buffer_batch_slices_are_views():
    big = {"X": np.arange(20).reshape(10, 2)}
    out = list(buffer_batch([big], 3))
    assert all(np.shares_memory(b["X"], big["X"]) for b in out)


def test_buffer_batch_on_a_data_source_restarts_it():
    source = Streamer(stream_of, 2, 3)
    assert ids_of(buffer_batch(source, 2)) == ids_of(buffer_batch(source, 4)) == list(range(5))


def test_buffer_batch_empty_stream_yields_nothing():
    assert list(buffer_batch(iter([]), 3)) == []


@pytest.mark.parametrize(
    ("size", "error"),
    [(0, ValueError), (-2, ValueError), (1.5, TypeError), (True, TypeError), ("4", TypeError)],
)
def test_buffer_size_is_checked_at_call(size, error):
    def never_started():
        raise AssertionError("the stream must not be read")
        yield

    with pytest.raises(error, match="buffer_size"):
        buffer_batch(never_started(), size)
    with pytest.raises(error, match="buffer_size"):
        buffer_streamer(Streamer(never_started), size)


def test_buffer_batch_rejects_non_iterable_at_call():
    with pytest.raises(TypeError, match="generator must be an iterable"):
        buffer_batch(42, 3)


@pytest.mark.parametrize(
    ("stream", "match"),
    [
        ([{"X": [1]}, ("X", [2])], "item 1 of the stream is a tuple"),
        ([{"X": [1]}, {}], "batch 1 of the stream has no fields"),
        ([{"X": [1]}, {"X": [2], "Y": [3]}], r"batch 1 .*\['X', 'Y'\].*\['X'\]"),
        ([{"X": [1], "Y": [2, 3]}], "share their length"),
    ],
    ids=["non-dict", "no-fields", "keys-change", "ragged"],
)
def test_buffer_batch_reports_bad_batches(stream, match):
    with pytest.raises((BatchError, BatchLengthError), match=match):
        list(buffer_batch(stream, 5))


def arr(*values):
    return np.array(values)


@pytest.mark.parametrize(
    ("stream", "size", "match"),
    [
        ([{"X": np.zeros((1, 2))}, {"X": sp.csr_matrix((1, 2))}], 2, "ndarray and csr_matrix"),
        ([{"X": [1.0]}, {"X": np.zeros(1)}], 2, "list and ndarray"),
        ([{"X": np.zeros(1)}, {"X": ["a"]}], 2, "ndarray and list"),
        ([{"X": (1,)}, {"X": [2]}], 2, "tuple and list"),
        ([{"X": sp.csr_matrix((1, 2))}, {"X": np.zeros((1, 2))}], 2, "csr_matrix and ndarray"),
    ],
    ids=["dense-sparse", "list-array", "array-list", "tuple-list", "sparse-dense"],
)
def test_buffer_batch_rejects_mixed_value_kinds(stream, size, match):
    with pytest.raises(BatchError, match=match):
        list(buffer_batch(stream, size))


@pytest.mark.parametrize(
    ("stream", "match"),
    [
        # lengths even out across batches: X and Y rows would be paired wrongly
        (
            [
                {"X": arr(0), "Y": arr(0)},
                {"X": arr(1, 2), "Y": arr(1)},
                {"X": arr(3), "Y": arr(2, 3)},
            ],
            r"batch 1.*'X': 2, 'Y': 1",
        ),
        # one row per batch in the measured field, uneven rows in the other
        (
            [{"X": arr(0), "Y": arr(0)}, {"X": arr(1), "Y": arr()}, {"X": arr(2), "Y": arr(1, 2)}],
            r"batch 1.*'X': 1, 'Y': 0",
        ),
        # a last batch whose first field is empty but the other is not
        (
            [{"X": np.arange(4), "Y": np.arange(4)}, {"X": arr(), "Y": arr(4, 5)}],
            r"'X': 0, 'Y': 2",
        ),
        # an empty batch that changes the keys
        (
            [{"X": np.arange(2), "Y": np.arange(2)}, {"X": arr(), "W": arr()}],
            r"batch 1 .*\['W', 'X'\]",
        ),
        # an extra key in a held batch
        ([{"X": arr(0)}, {"X": arr(1), "Y": arr(1)}, {"X": arr(2)}], r"batch 1 .*\['X', 'Y'\]"),
        # a missing key in a held batch
        (
            [{"X": arr(0), "Y": arr(0)}, {"X": arr(1)}, {"X": arr(2), "Y": arr(2)}],
            r"batch 1 .*\['X'\]",
        ),
        # an array where a batch belongs (indexing it with a key must not pass)
        ([np.zeros((2, 2))], "item 0 of the stream is a ndarray"),
        ([{"X": arr(0)}, np.zeros((2, 2))], "item 1 of the stream is a ndarray"),
    ],
    ids=[
        "uneven-later",
        "single-row-uneven",
        "empty-first-field",
        "empty-key-change",
        "extra-key",
        "missing-key",
        "array-first",
        "array-later",
    ],
)
@pytest.mark.parametrize("size", [4, 100])
def test_buffer_batch_checks_every_batch(stream, match, size):
    with pytest.raises((BatchError, BatchLengthError), match=match):
        list(buffer_batch(stream, size))


def test_error_positions_count_skipped_empty_batches():
    stream = [{"X": arr(0)}, {"X": arr()}, {"X": arr()}, {"X": arr(1), "Y": arr(1)}]
    with pytest.raises(BatchError, match="batch 3 "):
        list(buffer_batch(stream, 10))


def test_empty_batches_are_dropped_not_held():
    stream = [{"X": arr()}] * 1000 + [{"X": arr(1)}]
    assert ids_of_x(buffer_batch(stream, 4)) == [1]


def ids_of_x(batches):
    return [int(v) for batch in batches for v in batch["X"]]


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "lil", "bsr", "dia", "dok"])
@pytest.mark.parametrize("container", ["matrix", "array"])
def test_every_sparse_format_and_container_keeps_its_kind(fmt, container):
    make = sp.coo_matrix if container == "matrix" else sp.coo_array
    dense = np.arange(1, 21, dtype=float).reshape(10, 2)
    stream = [
        {"X": make(dense[i : i + j]).asformat(fmt), "Y": np.arange(i, i + j)}
        for i, j in [(0, 3), (3, 5), (8, 2)]
    ]
    assert batch_length(stream[0]) == 3
    out = list(buffer_batch(stream, 4))
    assert [batch_length(b) for b in out] == [4, 4, 2]
    for batch in out:
        assert batch["X"].format == fmt
        assert sp.issparse(batch["X"])
        assert isinstance(batch["X"], sp.sparray) == (container == "array")
    np.testing.assert_array_equal(np.vstack([b["X"].toarray() for b in out]), dense)


def test_dok_length_is_its_rows_not_its_entries():
    D = sp.dok_matrix((5, 3))
    D[0, 0] = 1
    assert batch_length({"X": D}) == 5


def test_one_dimensional_sparse_arrays_are_rejected_clearly():
    with pytest.raises(BatchError, match="1-d sparse array"):
        batch_length({"X": sp.coo_array(np.ones(3))})


class OnlyGenerate:
    """A data source with nothing but generate(), which records closing."""

    def __init__(self):
        self.closed = 0

    def generate(self, max_batches=None):
        try:
            yield {"X": arr(0)}
            yield ("not", "a", "batch")
            yield {"X": arr(1)}
        finally:
            self.closed += 1


def test_plain_data_source_is_started_and_closed_on_error():
    source = OnlyGenerate()
    with pytest.raises(BatchError, match="item 1"):
        list(buffer_batch(source, 2))
    assert source.closed == 1
    with pytest.raises(BatchError, match="item 1"):
        list(buffer_streamer(source, 2))
    assert source.closed == 2


def test_buffer_streamer_passes_arguments_to_generate():
    source = Streamer(stream_of, 2, 2, 2)
    assert ids_of(buffer_streamer(source, 3, max_batches=2)) == [0, 1, 2, 3]
    assert ids_of(buffer_streamer(source, 3)) == list(range(6))


@pytest.mark.parametrize("bad", [[{"X": [1]}], iter([]), Streamer], ids=["list", "iter", "class"])
def test_buffer_streamer_needs_a_data_source(bad):
    with pytest.raises(TypeError, match="data source with a generate"):
        buffer_streamer(bad, 3)


def test_concat_and_slice_helpers():
    joined = concat_batches(
        [{"X": np.arange(2), "t": ("a",) * 2}, {"X": np.arange(1), "t": ("b",)}]
    )
    assert joined["X"].tolist() == [0, 1, 0]
    assert joined["t"] == ("a", "a", "b")
    assert slice_batch(joined, 1, 3)["t"] == ("a", "b")
    with pytest.raises(ValueError, match="at least one batch"):
        concat_batches([])
    with pytest.raises(BatchError, match="not supported"):
        concat_batches([{"X": {1}}, {"X": {2}}])


# -- properties -----------------------------------------------------------------------------
lengths_strategy = st.lists(st.integers(0, 12), max_size=25)


@given(
    lengths=lengths_strategy, buffer_size=st.integers(1, 16), sparse=st.sampled_from([None, "csr"])
)
def test_property_rebatching_loses_nothing_and_cuts_exactly(lengths, buffer_size, sparse):
    out = list(buffer_batch(stream_of(*lengths, sparse=sparse), buffer_size))
    total = sum(lengths)
    assert ids_of(out) == list(range(total))
    sizes = [batch_length(b) for b in out]
    assert sum(sizes) == total
    assert all(size == buffer_size for size in sizes[:-1])
    if sizes:
        assert 1 <= sizes[-1] <= buffer_size
    assert len(out) == -(-total // buffer_size)
    if out:
        joined = concat_batches(out)
        expected = concat_batches(list(stream_of(*lengths, sparse=sparse)))
        X, E = joined["X"], expected["X"]
        if sparse:
            X, E = X.toarray(), E.toarray()
        np.testing.assert_array_equal(X, E)


@given(lengths=lengths_strategy, buffer_size=st.integers(1, 16))
def test_property_rows_held_back_stay_bounded(lengths, buffer_size):
    consumed = {"rows": 0, "last": 0}

    def counting():
        for batch in stream_of(*lengths):
            consumed["rows"] += len(batch["Y"])
            consumed["last"] = len(batch["Y"])
            yield batch

    produced = 0
    for batch in buffer_batch(counting(), buffer_size):
        produced += batch_length(batch)
        held = consumed["rows"] - produced
        assert 0 <= held <= buffer_size - 1 + consumed["last"]
