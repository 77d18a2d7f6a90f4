"""read_parquet: every row once per epoch by row groups, in process and through workers;
DataFrames; schemas; bad input; bounded memory. Every file is written by the test."""

import multiprocessing
import pickle
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GroupKFold, cross_validate

from sklearn_stream import Streamer, StreamLearner
from sklearn_stream.io import ParquetReader, read_parquet
from sklearn_stream.zmq_stream import ZMQStreamer
from tests.io.epochs import check_epochs, row_ids

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def write_files(folder, lengths, row_group_size=7):
    """Parquet files whose rows are numbered 0, 1, ... across the files: columns ``id``,
    ``f`` (= -id) and ``label`` (= id % 2)."""
    paths, start = [], 0
    for i, n in enumerate(lengths):
        rows = np.arange(start, start + n)
        table = pa.table({"id": rows.astype(float), "f": -rows.astype(float), "label": rows % 2})
        paths.append(str(folder / f"part{i:03d}.parquet"))
        pq.write_table(table, paths[-1], row_group_size=row_group_size)
        start += n
    return paths


@settings(max_examples=20, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 40), min_size=1, max_size=5),
    row_group_size=st.integers(1, 15),
    batch_size=st.integers(1, 20),
    shuffle=st.booleans(),
)
def test_every_row_once_per_epoch(tmp_path_factory, lengths, row_group_size, batch_size, shuffle):
    paths = write_files(tmp_path_factory.mktemp("pq"), lengths, row_group_size)
    reader = read_parquet(
        paths, target="label", batch_size=batch_size, shuffle=shuffle, random_state=0
    )
    for batches in check_epochs(reader, range(sum(lengths)), batch_size, not shuffle):
        for batch in batches:
            assert np.array_equal(batch["X"][:, 1], -batch["X"][:, 0])


def test_columns_target_and_data_frames(tmp_path):
    paths = write_files(tmp_path, [10])
    (batch,) = list(read_parquet(paths, columns="f", target="label", batch_size=20).generate())
    assert batch["X"].shape == (10, 1)
    (frame,) = list(read_parquet(paths, target=["label"], as_frame=True).generate())
    assert list(frame["X"].columns) == ["id", "f"]
    assert isinstance(frame["y"], pd.Series)
    (both,) = list(read_parquet(paths, columns=["id"], target=["f", "label"]).generate())
    assert both["y"].shape == (10, 2)
    learner = StreamLearner(SGDClassifier(random_state=0)).iter_fit(
        read_parquet(paths, target="label", as_frame=True, batch_size=4), classes=[0, 1]
    )
    assert list(learner.feature_names_in_) == ["id", "f"]


def test_shuffled_epochs_repeat_for_an_int_and_differ(tmp_path):
    paths = write_files(tmp_path, [50, 50], row_group_size=10)

    def epochs(reader):
        return [row_ids(reader.generate()) for _ in range(2)]

    first = epochs(read_parquet(paths, batch_size=8, shuffle=True, random_state=2))
    assert first == epochs(read_parquet(paths, batch_size=8, shuffle=True, random_state=2))
    assert first[0] != first[1]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("n_workers", [1, 3])
def test_workers_share_the_row_groups(tmp_path, n_workers):
    paths = write_files(tmp_path, [30, 25, 40], row_group_size=6)
    for source in (
        ZMQStreamer(read_parquet(paths, batch_size=8), n_workers=n_workers, random_state=0),
        ZMQStreamer(Streamer(read_parquet, paths, batch_size=8), n_workers=n_workers),
    ):
        assert sorted(row_ids(source.generate())) == list(range(95))
    assert multiprocessing.active_children() == []


def test_a_reader_is_a_parameter_and_a_search_splits_by_file(tmp_path):
    paths = write_files(tmp_path, [20] * 6)
    reader = read_parquet(paths, target="label", batch_size=4)
    assert clone(reader).get_params()["target"] == "label"
    assert row_ids(pickle.loads(pickle.dumps(reader)).generate()) == list(range(120))
    assert isinstance(reader, ParquetReader)
    learner = StreamLearner(
        SGDClassifier(random_state=0),
        stream=Streamer(read_parquet, target="label", batch_size=5),
        eval_stream=Streamer(read_parquet, target="label", batch_size=5),
        random_state=0,
    )
    files = np.array(paths)
    folds = cross_validate(
        learner, files, cv=GroupKFold(3), groups=np.arange(6), return_estimator=True,
        params={"classes": [0, 1]},
    )  # fmt: skip
    assert [fold.n_samples_seen_ for fold in folds["estimator"]] == [80] * 3


def write_other(folder, file_name, **columns):
    path = folder / file_name
    pq.write_table(pa.table(columns), path)
    return str(path)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda p, d: read_parquet(p, target="nope"), ValueError, r"no column \['nope'\]"),
        (lambda p, d: read_parquet(p, columns=["id"], target="id"), ValueError, "both"),
        (lambda p, d: read_parquet(str(d / "none.parquet")), FileNotFoundError, "none.parquet"),
        (
            lambda p, d: read_parquet(
                [*p, write_other(d, "z.parquet", id=[1.0], f=["a"], label=[1])]
            ),
            ValueError,
            "column 'f' of .*z.parquet' is of type string",
        ),
        (
            lambda p, d: read_parquet(write_other(d, "s.parquet", name=["a"], label=[1])),
            ValueError,
            "feature column 'name'.*not numeric",
        ),
        (lambda p, d: read_parquet(p, columns=3), TypeError, "columns must be a column name"),
        (lambda p, d: read_parquet(p, as_frame="yes"), TypeError, "as_frame"),
        (lambda p, d: read_parquet(p, batch_size=0), ValueError, "batch_size"),
    ],
    ids=[
        "missing-column",
        "target-feature",
        "missing-file",
        "types",
        "strings",
        "columns",
        "as-frame",
        "batch-size",
    ],
)
def test_bad_input_is_refused_when_the_reader_is_made(tmp_path, make, error, match):
    paths = write_files(tmp_path, [3, 4])
    with pytest.raises(error, match=match):
        make(paths, tmp_path)


def test_a_non_parquet_file_is_named(tmp_path):
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(ValueError, match="bad.parquet' cannot be read as a Parquet file"):
        read_parquet(tmp_path)


def test_memory_stays_bounded_by_row_groups(tmp_path):
    rng = np.random.default_rng(0)
    paths = []
    for i in range(6):  # 6 files of about 8 MiB of float32
        table = pa.table({f"c{j}": rng.random(1 << 16, dtype=np.float32) for j in range(32)})
        paths.append(str(tmp_path / f"big{i}.parquet"))
        pq.write_table(table, paths[-1], row_group_size=1 << 13)
    reader = read_parquet(paths, batch_size=1024)
    tracemalloc.start()
    try:
        rows = sum(len(batch["X"]) for batch in reader.generate())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows == 6 << 16
    assert peak < 16 << 20  # a row group (1 MiB) and a few copies, not a file (8 MiB)


@pytest.mark.parametrize("as_frame", [False, True])
def test_a_stored_pandas_index_is_no_feature(tmp_path, as_frame):
    frame = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [10.0, 20, 30, 40], "y": [0, 1, 0, 1]})
    frame.iloc[[0, 2, 3]].rename_axis("row").to_parquet(tmp_path / "f.parquet")
    (batch,) = list(read_parquet(tmp_path, target="y", as_frame=as_frame).generate())
    assert np.asarray(batch["X"]).tolist() == [[1.0, 10.0], [3.0, 30.0], [4.0, 40.0]]
    if as_frame:
        assert list(batch["X"].columns) == ["a", "b"]


def test_columns_are_read_as_stored_with_as_frame(tmp_path):
    frame = pd.DataFrame({0: [1.0, 2.0], 1: [3.0, 4.0], 2: [0, 1]})
    pq.write_table(pa.Table.from_pandas(frame), tmp_path / "ints.parquet")
    (batch,) = list(read_parquet(tmp_path, target="2", as_frame=True).generate())
    assert list(batch["X"].columns) == ["0", "1"]


def test_features_keep_one_dtype_and_missing_values_are_nan(tmp_path):
    table = pa.table({"i": pa.array([1, 2, None, 4], pa.int64()), "b": [True, None, False, True]})
    pq.write_table(table, tmp_path / "n.parquet", row_group_size=2)
    batches = list(read_parquet(tmp_path, batch_size=2).generate())
    assert {b["X"].dtype for b in batches} == {np.dtype(np.float64)}
    assert np.isnan(batches[0]["X"][1, 1]) and np.isnan(batches[1]["X"][0, 0])


def test_hidden_files_are_skipped_and_columns_may_be_an_array(tmp_path):
    paths = write_files(tmp_path, [5])
    (tmp_path / "._part000.parquet").write_bytes(b"macOS metadata")
    (tmp_path / "_metadata.parquet").write_bytes(b"summary")
    (batch,) = list(read_parquet(tmp_path, columns=np.array(["f"]), target="label").generate())
    assert batch["X"].shape == (5, 1)
    with pytest.raises(ValueError, match="more than once"):
        read_parquet(paths, columns=["f", "f"])


def test_the_shuffle_window_holds_rows_not_whole_row_groups(tmp_path):
    paths = write_files(tmp_path, [4000], row_group_size=2000)
    reader = read_parquet(paths, batch_size=10, shuffle=True, buffer_size=100, random_state=0)
    first = next(iter(reader.generate()))
    ids = first["X"][:, 0]
    assert len(ids) == 10
    assert len(set(ids // 2000)) == 1  # from the first row group read ...
    assert np.ptp(ids) < 200  # ... and from its first rows: the window, not the row group
    batches = list(reader.generate())
    assert sorted(len(b["X"]) for b in batches) == [10] * 400


def test_files_may_store_numbers_and_text_in_different_widths(tmp_path):
    pq.write_table(
        pa.table({"a": pa.array([1, 2], pa.int32()), "y": ["p", "q"]}), tmp_path / "1.parquet"
    )
    pq.write_table(
        pa.table({"a": pa.array([0.5], pa.float32()), "y": pa.array(["r"], pa.large_string())}),
        tmp_path / "2.parquet",
    )
    (batch,) = list(read_parquet(tmp_path, target="y", batch_size=3).generate())
    assert batch["X"].dtype == np.float64 and batch["X"][:, 0].tolist() == [1.0, 2.0, 0.5]
    assert batch["y"].tolist() == ["p", "q", "r"]


def test_large_integers_are_read_rounded_not_refused(tmp_path):
    big = 12345678901234567
    pq.write_table(pa.table({"h": pa.array([big, 3], pa.int64()), "y": [0, 1]}), tmp_path / "h.pq")
    (batch,) = list(read_parquet(tmp_path, target="y").generate())
    assert batch["X"][:, 0].tolist() == [float(big), 3.0]


def test_frames_give_numeric_features_one_float_dtype(tmp_path):
    table = pa.table({"b": [True, None], "n": pa.array([1, None], pa.int64()), "y": [0, 1]})
    pq.write_table(table, tmp_path / "1.parquet")
    pq.write_table(pa.table({"b": [0.5], "n": [2.0], "y": [1]}), tmp_path / "2.parquet")
    batches = list(read_parquet(tmp_path, target="y", as_frame=True, batch_size=2).generate())
    assert {str(dtype) for b in batches for dtype in b["X"].dtypes} == {"float64"}
    assert np.isnan(batches[0]["X"]["b"].iloc[1]) and np.isnan(batches[0]["X"]["n"].iloc[1])


def test_a_file_broken_during_an_epoch_is_named(tmp_path):
    paths = write_files(tmp_path, [10, 10], row_group_size=5)
    stream = read_parquet(paths, batch_size=5).generate()
    next(stream)
    (tmp_path / "part001.parquet").write_bytes(b"broken")
    with pytest.raises(ValueError, match="part001.parquet' cannot be read"):
        list(stream)
