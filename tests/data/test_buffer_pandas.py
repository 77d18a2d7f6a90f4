"""Batches of pandas values in buffer_batch, buffer_streamer and the batch helpers.

A stream read with ``pandas.read_csv(chunksize=...)`` yields ``{"X": DataFrame, "y": Series}``
batches whose index counts rows across the whole file. Re-cut batches keep the columns, the
dtypes and the row order, and number their rows from 0 (the old index no longer matches).
"""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sklearn_stream import Streamer, batch_length, buffer_batch, buffer_streamer
from sklearn_stream.buffer import concat_batches, slice_batch
from sklearn_stream.exceptions import BatchError

pd = pytest.importorskip("pandas")


def frame_batches(*lengths, offset=1000):
    """Batches of ``lengths`` rows; column ``id`` counts rows over the whole stream, and the
    index starts at ``offset`` (as chunks of a larger file do)."""
    start = 0
    for n in lengths:
        index = pd.RangeIndex(offset + start, offset + start + n)
        X = pd.DataFrame(
            {
                "id": np.arange(start, start + n, dtype=np.int64),
                "value": np.linspace(0.0, 1.0, n, dtype=np.float32),
                "kind": pd.Categorical(["a", "b"] * (n // 2) + ["a"] * (n % 2), ["a", "b"]),
            },
            index=index,
        )
        y = pd.Series(np.arange(start, start + n) % 3, index=index, name="label")
        yield {"X": X, "y": y}
        start += n


def check_layout(batch):
    X, y = batch["X"], batch["y"]
    assert isinstance(X, pd.DataFrame)
    assert isinstance(y, pd.Series)
    assert list(X.columns) == ["id", "value", "kind"]
    assert X.dtypes.tolist() == [np.dtype(np.int64), np.dtype(np.float32), X["kind"].dtype]
    assert isinstance(X["kind"].dtype, pd.CategoricalDtype)
    assert list(X["kind"].cat.categories) == ["a", "b"]
    assert y.name == "label"
    assert X.index.equals(pd.RangeIndex(len(X)))
    assert y.index.equals(pd.RangeIndex(len(y)))
    assert y.tolist() == [i % 3 for i in X["id"]]


@pytest.mark.parametrize("buffer_size", [1, 2, 3, 4, 7, 20, 50])
def test_dataframe_batches_keep_columns_dtypes_and_order(buffer_size):
    lengths = (3, 5, 0, 4, 8, 1)
    out = list(buffer_batch(frame_batches(*lengths), buffer_size))
    for batch in out:
        check_layout(batch)
    ids = [i for batch in out for i in batch["X"]["id"]]
    assert ids == list(range(sum(lengths)))
    sizes = [batch_length(batch) for batch in out]
    assert sizes[:-1] == [buffer_size] * (len(sizes) - 1)
    assert 1 <= sizes[-1] <= buffer_size


def test_a_full_batch_passing_through_gets_a_fresh_index_and_the_input_is_untouched():
    (batch,) = frame_batches(4)
    (out,) = buffer_batch([batch], 4)
    check_layout(out)
    assert batch["X"].index[0] == 1000  # the user's batch is not modified
    assert batch["y"].index[0] == 1000
    np.testing.assert_array_equal(out["X"]["id"].to_numpy(), batch["X"]["id"].to_numpy())


def test_a_last_batch_alone_gets_a_fresh_index():
    out = list(buffer_batch(frame_batches(4, 2), 4))
    assert [batch_length(b) for b in out] == [4, 2]
    check_layout(out[-1])


def test_pandas_and_numpy_fields_mix_in_one_batch():
    stream = [
        {"X": frame["X"], "w": np.full(len(frame["y"]), float(i))}
        for i, frame in enumerate(frame_batches(2, 3, 2))
    ]
    out = list(buffer_batch(stream, 3))
    assert [b["w"].tolist() for b in out] == [[0.0, 0.0, 1.0], [1.0, 1.0, 2.0], [2.0]]
    assert [b["X"]["id"].tolist() for b in out] == [[0, 1, 2], [3, 4, 5], [6]]


def test_buffer_streamer_restarts_a_source_of_dataframes():
    source = Streamer(frame_batches, 2, 3)
    for _ in range(2):  # every stream starts afresh
        out = list(buffer_streamer(source, 4))
        assert [b["X"]["id"].tolist() for b in out] == [[0, 1, 2, 3], [4]]
        for batch in out:
            check_layout(batch)


def test_concat_and_slice_helpers_on_pandas_values():
    batches = list(frame_batches(2, 3))
    joined = concat_batches(batches)
    check_layout(joined)
    assert joined["X"]["id"].tolist() == [0, 1, 2, 3, 4]
    cut = slice_batch(batches[1], 1, 3)
    check_layout(cut)
    assert cut["X"]["id"].tolist() == [3, 4]


def test_columns_that_change_between_batches_are_refused():
    first, second = frame_batches(2, 2)
    second = {"X": second["X"][["value", "id", "kind"]], "y": second["y"]}
    with pytest.raises(BatchError, match=r"field 'X' is a DataFrame with columns \['value'"):
        list(buffer_batch([first, second], 4))


@pytest.mark.parametrize(
    "other",
    [np.zeros((2, 3)), pd.Series([0.0, 1.0])],
    ids=["array", "series"],
)
def test_a_dataframe_field_may_not_turn_into_another_kind(other):
    first, _ = frame_batches(2, 2)
    with pytest.raises(BatchError, match="field 'X' mixes values of type DataFrame and"):
        list(buffer_batch([first, {"X": other, "y": first["y"]}], 4))


def test_fields_of_other_lengths_are_named():
    (batch,) = frame_batches(3)
    bad = {"X": batch["X"], "y": batch["y"].iloc[:2]}
    with pytest.raises(Exception, match=r"batch 1 of the stream.*'X': 3, 'y': 2"):
        list(buffer_batch([batch, bad], 10))


def test_numpy_streams_need_no_pandas():
    code = (
        "import sys; sys.modules['pandas'] = None\n"  # any import of pandas now fails
        "import numpy as np\n"
        "from sklearn_stream import buffer_batch\n"
        "out = list(buffer_batch([{'X': np.zeros((3, 2)), 'y': [0, 1, 2]}] * 3, 4))\n"
        "assert [len(b['y']) for b in out] == [4, 4, 1]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@given(
    lengths=st.lists(st.integers(0, 9), max_size=20),
    buffer_size=st.integers(1, 12),
)
def test_property_no_row_lost_or_duplicated(lengths, buffer_size):
    out = list(buffer_batch(frame_batches(*lengths), buffer_size))
    total = sum(lengths)
    sizes = [batch_length(batch) for batch in out]
    assert sum(sizes) == total
    assert len(out) == -(-total // buffer_size)
    assert all(size == buffer_size for size in sizes[:-1])
    ids = [i for batch in out for i in batch["X"]["id"]]
    assert ids == list(range(total))
    labels = [i for batch in out for i in batch["y"]]
    assert labels == [i % 3 for i in range(total)]
    for batch in out:
        check_layout(batch)


@pytest.mark.parametrize(
    "numpy_first", [True, False], ids=["numpy-then-frame", "frame-then-numpy"]
)
@pytest.mark.parametrize("field", ["X", "y"])
def test_numpy_and_pandas_values_of_one_field_are_refused_in_either_order(numpy_first, field):
    first, second = frame_batches(2, 2)
    as_numpy = {**second, field: second[field].to_numpy()}
    batches = [as_numpy, first] if numpy_first else [first, as_numpy]
    kinds = (
        r"ndarray and DataFrame|ndarray and Series"
        if numpy_first
        else r"(DataFrame|Series) and ndarray"
    )
    with pytest.raises(BatchError, match=rf"field '{field}' mixes values of type ({kinds})"):
        list(buffer_batch(batches, 4))
