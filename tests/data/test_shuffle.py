"""shuffle_buffer: every row exactly once, the input's batch lengths, a bounded window."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from sklearn_stream import Streamer, shuffle_buffer
from sklearn_stream.exceptions import BatchError, BatchLengthError


def numbered(lengths):
    """Batches of the given lengths whose rows are numbered 0, 1, 2, ... in stream order."""
    start = 0
    for n in lengths:
        rows = np.arange(start, start + n)
        yield {"X": np.c_[rows, -rows], "y": rows % 3}
        start += n


def rows_of(batches):
    return np.concatenate([batch["X"][:, 0] for batch in batches]) if batches else []


@given(
    lengths=st.lists(st.integers(0, 40), max_size=30),
    buffer_size=st.integers(1, 200),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_row_once_in_batches_of_the_input_lengths(lengths, buffer_size, seed):
    out = list(shuffle_buffer(numbered(lengths), buffer_size, random_state=seed))
    assert [len(batch["X"]) for batch in out] == [n for n in lengths if n]
    assert sorted(rows_of(out)) == list(range(sum(lengths)))
    for batch in out:  # the fields of a row stay together
        assert np.array_equal(batch["X"][:, 1], -batch["X"][:, 0])
        assert np.array_equal(batch["y"], batch["X"][:, 0] % 3)


@given(
    lengths=st.lists(st.integers(1, 20), min_size=1, max_size=30),
    buffer_size=st.integers(1, 100),
)
def test_a_row_moves_at_most_about_the_window_forward(lengths, buffer_size):
    out = list(shuffle_buffer(numbered(lengths), buffer_size, random_state=0))
    # A row comes out only after it was read: by the time the output reaches position p,
    # at most p + (window + chunk + two batches) rows have been read.
    reach = buffer_size + max(1, buffer_size // 4) + 2 * max(lengths)
    for position, row in enumerate(rows_of(out)):
        assert row < position + reach


def test_a_window_larger_than_the_stream_shuffles_it_all():
    out = list(shuffle_buffer(numbered([10] * 10), 1000, random_state=0))
    rows = rows_of(out)
    assert sorted(rows) == list(range(100))
    assert rows[:10].max() > 50  # the first batch draws from the whole stream


def test_an_int_random_state_repeats_and_others_differ():
    def run(seed):
        return rows_of(list(shuffle_buffer(numbered([8] * 10), 30, random_state=seed)))

    assert np.array_equal(run(1), run(1))
    assert not np.array_equal(run(1), run(2))
    assert not np.array_equal(run(None), rows_of(list(numbered([8] * 10))))


@pytest.mark.parametrize(
    "make",
    [
        lambda rows: sp.csr_matrix(np.c_[rows, -rows]),
        lambda rows: sp.coo_matrix(np.c_[rows, -rows]),
        lambda rows: pd.DataFrame({"a": rows, "b": -rows}, index=rows + 100),
        lambda rows: pd.Series(rows, name="a"),
        lambda rows: rows.tolist(),
        lambda rows: tuple(rows.tolist()),
    ],
    ids=["csr", "coo", "DataFrame", "Series", "list", "tuple"],
)
def test_other_kinds_of_values_keep_their_kind(make):
    batches = [{"X": make(np.arange(i, i + 5)), "y": np.arange(i, i + 5)} for i in (0, 5, 10)]
    out = list(shuffle_buffer(batches, 4, random_state=0))
    for batch in out:
        value = batch["X"]
        assert type(value) is type(batches[0]["X"])
        if sp.issparse(value):
            assert value.format == batches[0]["X"].format
            first = value.toarray()[:, 0]
        elif isinstance(value, pd.DataFrame):
            assert list(value.index) == list(range(len(value)))
            first = value["a"].to_numpy()
        else:
            first = np.asarray(value).ravel() if not isinstance(value, pd.Series) else value
        assert np.array_equal(np.asarray(first), batch["y"])  # rows kept together
    assert sorted(np.concatenate([b["y"] for b in out])) == list(range(15))


def test_a_data_source_starts_a_fresh_stream_and_is_closed():
    closed = []

    def rows(n):
        try:
            yield from numbered([5] * n)
        finally:
            closed.append(True)

    source = Streamer(rows, 10)
    stream = shuffle_buffer(source, 12, random_state=0)
    next(stream)
    stream.close()  # an early stop closes the source's stream
    assert closed == [True]
    assert len(list(shuffle_buffer(source, 12, random_state=0))) == 10


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((0,), ValueError, "buffer_size must be an int >= 1"),
        ((2.5,), TypeError, "buffer_size must be an int >= 1"),
        ((True,), TypeError, "buffer_size must be an int >= 1"),
        ((4, "seed"), TypeError, "random_state must be"),
        ((4, -1), ValueError, "random_state"),
    ],
)
def test_bad_arguments_are_refused_at_the_call(args, error, match):
    with pytest.raises(error, match=match):
        shuffle_buffer(numbered([3]), *args)


@pytest.mark.parametrize("stream", [3, {"X": np.arange(3)}, None])
def test_a_stream_must_be_an_iterable_of_batches(stream):
    with pytest.raises(TypeError, match="stream must be an iterable of batches"):
        shuffle_buffer(stream, 4)


@pytest.mark.parametrize(
    ("batches", "error", "match"),
    [
        ([{"X": np.arange(3)}, [1, 2]], BatchError, "item 1 of the stream is a list"),
        ([{"X": np.arange(3)}, {"Z": np.arange(3)}], BatchError, "keys"),
        ([{"X": np.arange(3), "y": np.arange(2)}], BatchLengthError, "batch 0"),
    ],
)
def test_bad_batches_are_named(batches, error, match):
    with pytest.raises(error, match=match):
        list(shuffle_buffer(batches, 4))


@pytest.mark.parametrize("stream", ["data.csv", np.zeros((4, 2)), pd.DataFrame({"a": [1, 2]})])
def test_rows_given_instead_of_batches_are_refused_at_the_call(stream):
    with pytest.raises(TypeError, match="stream must be an iterable of batches"):
        shuffle_buffer(stream, 4)


def test_a_field_whose_rows_cannot_be_taken_is_named():
    with pytest.raises(BatchError, match="field 'id'.*str"):
        list(shuffle_buffer([{"X": np.arange(3), "id": "abc"}], 2))


def test_a_generator_draws_a_new_shuffle_at_each_call():
    rng = np.random.default_rng(0)
    first, second = (
        rows_of(list(shuffle_buffer(numbered([8] * 10), 40, random_state=rng))) for _ in range(2)
    )
    assert sorted(first) == sorted(second) == list(range(80))
    assert not np.array_equal(first, second)


@pytest.mark.parametrize(("rows", "size"), [(256, 2048), (1, 1024), (4096, 512)])
def test_memory_is_bounded_by_the_window_and_a_few_batches(rows, size):
    import tracemalloc

    def stream():
        for i in range(max(40, 40_000 // rows)):
            yield {"X": np.full((rows, 128), i, dtype=np.float64)}  # 1 KiB rows

    tracemalloc.start()
    try:
        for _ in shuffle_buffer(stream(), size, random_state=0):
            pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < (4 * size + 8 * rows) * 1024  # three windows and a few batches, with room
