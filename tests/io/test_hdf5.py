"""read_hdf5: every row once per epoch, in blocks that follow the chunks, in process and
through (forked) workers; shuffles; bad input; files opened only while read; bounded
memory. Every file is written by the test."""

import multiprocessing
import pickle
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_validate

from sklearn_stream import Streamer, StreamLearner
from sklearn_stream.io import Hdf5Reader, _arrays, _hdf5, read_hdf5
from sklearn_stream.zmq_stream import ZMQStreamer
from tests.io.epochs import check_epochs, row_ids

h5py = pytest.importorskip("h5py")


def write_files(folder, lengths, chunk_rows=7, width=3):
    """HDF5 files whose rows are numbered 0, 1, ... across the files, in order: datasets
    ``data/X`` (each column = the row's number; chunks of ``chunk_rows`` rows, None:
    contiguous) and ``data/y`` (= number % 2)."""
    paths, start = [], 0
    for i, n in enumerate(lengths):
        rows = np.arange(start, start + n)
        paths.append(str(folder / f"part{i:03d}.h5"))
        chunks = None if chunk_rows is None else (min(chunk_rows, n), width)
        with h5py.File(paths[-1], "w") as file:
            X = np.repeat(rows[:, None], width, axis=1).astype(np.float64)
            file.create_dataset("data/X", data=X, chunks=chunks)
            file.create_dataset("data/y", data=rows % 2)
        start += n
    return paths


def open_files():
    """How many HDF5 files this process has open."""
    return h5py.h5f.get_obj_count(h5py.h5f.OBJ_ALL, h5py.h5f.OBJ_FILE)


@settings(max_examples=20, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 40), min_size=1, max_size=5),
    chunk_rows=st.none() | st.integers(1, 15),
    batch_size=st.integers(1, 20),
    shuffle=st.booleans(),
)
def test_every_row_once_per_epoch(tmp_path_factory, lengths, chunk_rows, batch_size, shuffle):
    paths = write_files(tmp_path_factory.mktemp("h5"), lengths, chunk_rows)
    reader = read_hdf5(
        paths, "data/X", "data/y", batch_size=batch_size, shuffle=shuffle, random_state=0
    )
    check_epochs(reader, range(sum(lengths)), batch_size, not shuffle)
    assert open_files() == 0


def blocks(reader):
    return reader._blocks(reader._check(reader.get_params(deep=False)))


def test_blocks_are_whole_chunks_or_batch_size_rows(tmp_path, monkeypatch):
    (tmp_path / "c").mkdir()
    chunked = write_files(tmp_path / "c", [30, 12], chunk_rows=4)
    assert blocks(read_hdf5(chunked, "data/X", batch_size=10)) == [
        (0, 0, 12), (0, 12, 24), (0, 24, 30), (1, 0, 12),
    ]  # fmt: skip
    assert blocks(read_hdf5(chunked, "data/X", batch_size=3))[:2] == [(0, 0, 4), (0, 4, 8)]
    (tmp_path / "flat").mkdir()
    flat = write_files(tmp_path / "flat", [7], chunk_rows=None)
    assert blocks(read_hdf5(flat, "data/X", batch_size=3)) == [(0, 0, 3), (0, 3, 6), (0, 6, 7)]
    # under the block bytes, the most whole chunks; a larger chunk in equal parts inside it
    monkeypatch.setattr(_arrays, "BLOCK_BYTES", 5 * 3 * 8)  # 5 rows of 3 float64
    assert blocks(read_hdf5(chunked, "data/X", batch_size=3))[:2] == [(0, 0, 4), (0, 4, 8)]
    assert blocks(read_hdf5(chunked, "data/X", batch_size=6))[:2] == [(0, 0, 4), (0, 4, 8)]
    monkeypatch.setattr(_arrays, "BLOCK_BYTES", 11 * 3 * 8)
    assert blocks(read_hdf5(chunked, "data/X", batch_size=10))[:2] == [(0, 0, 8), (0, 8, 16)]
    monkeypatch.setattr(_arrays, "BLOCK_BYTES", 5 * 3 * 8)
    (tmp_path / "big").mkdir()
    big = write_files(tmp_path / "big", [30], chunk_rows=12)
    assert blocks(read_hdf5(big, "data/X", batch_size=2)) == [
        (0, 0, 4), (0, 4, 8), (0, 8, 12), (0, 12, 16), (0, 16, 20), (0, 20, 24),
        (0, 24, 27), (0, 27, 30),
    ]  # fmt: skip
    assert blocks(read_hdf5(big, "data/X", batch_size=8)) == [
        (0, 0, 6), (0, 6, 12), (0, 12, 18), (0, 18, 24), (0, 24, 30),
    ]  # fmt: skip
    assert row_ids(read_hdf5(big, "data/X", batch_size=2).generate()) == list(range(30))


def test_a_directory_is_read_in_name_order_and_groups_may_be_named(tmp_path):
    write_files(tmp_path, [3, 4])
    (tmp_path / "notes.txt").write_text("not data")
    (tmp_path / "._part000.h5").write_bytes(b"macOS metadata")
    with h5py.File(tmp_path / "later.HDF5", "w") as file:
        file.create_dataset("data/X", data=np.full((2, 3), 7.0))
        file.create_dataset("data/y", data=np.array([1, 1]))
    (batch,) = list(read_hdf5(tmp_path, "/data/X", y="data/y/", batch_size=10).generate())
    assert batch["X"][:, 0].tolist() == [7, 7, 0, 1, 2, 3, 4, 5, 6]  # "later" < "part"
    assert batch["X"].dtype == np.float64 and batch["y"].dtype == np.int64
    assert "y" not in next(iter(read_hdf5(tmp_path, "data/X").generate()))


def test_shuffled_epochs_repeat_for_an_int_and_differ(tmp_path):
    paths = write_files(tmp_path, [40, 40, 40], chunk_rows=5)

    def epochs(reader, n=2):
        return [row_ids(reader.generate()) for _ in range(n)]

    first = epochs(read_hdf5(paths, "data/X", batch_size=8, shuffle=True, random_state=3))
    assert first == epochs(read_hdf5(paths, "data/X", batch_size=8, shuffle=True, random_state=3))
    assert first[0] != first[1]
    assert first[0] != list(range(120))
    other = epochs(read_hdf5(paths, "data/X", batch_size=8, shuffle=True, random_state=4), 1)
    assert other[0] != first[0]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("n_workers", [1, 3])
@pytest.mark.parametrize("shuffle", [False, True])
def test_workers_share_the_blocks_each_row_once(tmp_path, n_workers, shuffle):
    paths = write_files(tmp_path, [25, 30, 17, 40], chunk_rows=6)
    reader = read_hdf5(paths, "data/X", "data/y", batch_size=8, shuffle=shuffle, random_state=0)
    for source in (
        ZMQStreamer(reader, n_workers=n_workers, random_state=1),
        ZMQStreamer(
            Streamer(read_hdf5, paths, "data/X", "data/y", batch_size=8), n_workers=n_workers
        ),
    ):
        for _ in range(2):
            batches = list(source.generate())
            assert sorted(row_ids(batches)) == list(range(112))
            assert all(np.array_equal(b["y"], b["X"][:, 0].astype(int) % 2) for b in batches)
    assert multiprocessing.active_children() == []
    assert open_files() == 0


@pytest.mark.timeout(60)
def test_forked_workers_open_the_files_the_parent_has_open(tmp_path):
    """The parent reads the files first, and still has one open (an epoch under way) when
    the workers are forked: each worker opens the files itself."""
    assert multiprocessing.get_start_method() == "fork"  # the default on Linux
    paths = write_files(tmp_path, [50, 60, 70], chunk_rows=9)
    reader = read_hdf5(paths, "data/X", "data/y", batch_size=10)
    assert row_ids(reader.generate()) == list(range(180))
    under_way = reader.generate()
    first = next(under_way)
    assert open_files() == 1
    source = ZMQStreamer(reader, n_workers=3, random_state=0)
    for _ in range(2):
        assert sorted(row_ids(source.generate())) == list(range(180))
    assert row_ids([first, *under_way]) == list(range(180))  # the parent's epoch goes on
    assert open_files() == 0
    assert multiprocessing.active_children() == []


def test_files_are_open_only_during_an_epoch(tmp_path, monkeypatch):
    paths = write_files(tmp_path, [10] * 5, chunk_rows=2)
    reader = read_hdf5(paths, "data/X", batch_size=2, shuffle=True, random_state=0)
    assert open_files() == 0  # checking opened each file and closed it
    monkeypatch.setattr(_arrays, "OPEN_FILES", 2)
    stream, counts = reader.generate(), []
    for _ in stream:
        counts.append(open_files())
        if len(counts) == 10:
            break
    assert 1 <= max(counts) <= 2
    stream.close()  # an epoch stopped early
    assert open_files() == 0
    assert sorted(row_ids(reader.generate())) == list(range(50))
    assert open_files() == 0


def test_a_reader_is_an_estimator_parameter(tmp_path):
    paths = write_files(tmp_path, [5, 5])
    reader = read_hdf5(paths, "data/X", "data/y", batch_size=4)
    assert isinstance(reader, Hdf5Reader)
    assert reader.get_params()["X"] == "data/X" and reader.get_params()["batch_size"] == 4
    twin = clone(reader).set_params(batch_size=3)
    assert [len(b["X"]) for b in twin.generate()] == [3, 3, 3, 1]
    assert reader.batch_size == 4
    restored = pickle.loads(pickle.dumps(reader))
    assert row_ids(restored.generate()) == row_ids(reader.generate()) == list(range(10))
    assert "batch_size=4" in repr(reader)
    with pytest.raises(ValueError, match="has no dataset 'nope'"):
        reader.set_params(y="nope")
    assert reader.y == "data/y"  # nothing changed
    assert [len(b["X"]) for b in reader.generate(max_batches=2)] == [4, 4]


def test_a_search_splits_by_file(tmp_path):
    paths = write_files(tmp_path, [30] * 6, chunk_rows=8, width=2)
    learner = StreamLearner(
        SGDClassifier(random_state=0),
        stream=Streamer(read_hdf5, X="data/X", y="data/y", batch_size=10),
        eval_stream=Streamer(read_hdf5, X="data/X", y="data/y", batch_size=10),
        random_state=0,
    )
    files = np.array(paths)
    search = GridSearchCV(learner, {"stream__batch_size": [5, 15]}, cv=GroupKFold(3))
    search.fit(files, groups=np.arange(6), classes=[0, 1])
    assert set(search.cv_results_["param_stream__batch_size"]) == {5, 15}
    assert search.best_estimator_.n_samples_seen_ == 180  # refit on all 6 files
    folds = cross_validate(
        learner, files, cv=GroupKFold(3), groups=np.arange(6), return_estimator=True,
        params={"classes": [0, 1]},
    )  # fmt: skip
    assert [fold.n_samples_seen_ for fold in folds["estimator"]] == [120] * 3  # 4 files each
    assert all(0.0 <= score <= 1.0 for score in folds["test_score"])


@pytest.mark.timeout(60)
def test_a_learner_trains_through_workers_from_its_files(tmp_path):
    paths = write_files(tmp_path, [25, 30, 17, 40])
    learner = StreamLearner(
        SGDClassifier(random_state=0),
        stream=ZMQStreamer(Streamer(read_hdf5, X="data/X", y="data/y", batch_size=8), n_workers=2),
        eval_stream=Streamer(read_hdf5, X="data/X", y="data/y", batch_size=8),
        random_state=0,
    )
    learner.fit(np.array(paths), classes=[0, 1])
    assert learner.n_samples_seen_ == 112  # each row once, not once per worker
    assert multiprocessing.active_children() == []


def write(path, **datasets):
    with h5py.File(path, "w") as file:
        for name, data in datasets.items():
            file.create_dataset(name.replace("__", "/"), data=data)
    return str(path)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda p, d: read_hdf5(str(d / "none.h5"), "data/X"), FileNotFoundError, "none.h5"),
        (lambda p, d: read_hdf5(d / "empty", "data/X"), FileNotFoundError, "holds no .h5/.hdf5"),
        (
            lambda p, d: read_hdf5(p, "data/features"),
            ValueError,
            r"part000.h5' has no dataset 'data/features' \(given as X\); the datasets it "
            r"holds are \['data/X', 'data/y'\]",
        ),
        (lambda p, d: read_hdf5(p, "data"), ValueError, r"'data' \(given as X\) is a group, not"),
        (lambda p, d: read_hdf5(p, "data/X", "label"), ValueError, r"'label' \(given as y\)"),
        (lambda p, d: read_hdf5(p, "data/y"), ValueError, "X dataset 'data/y' .* is a 1-D"),
        (
            lambda p, d: read_hdf5(write(d / "s.h5", X=np.array([[b"a"]])), "X"),
            ValueError,
            "dtype |S1; X must name a 2-D numeric",
        ),
        (
            lambda p, d: read_hdf5(write(d / "r.h5", X=np.zeros((3, 2)), y=np.zeros(4)), "X", "y"),
            ValueError,
            "y dataset 'y' of .*r.h5' has 4 rows, but X has 3 rows",
        ),
        (
            lambda p, d: read_hdf5([*p, write(d / "w.h5", data__X=np.zeros((3, 4)))], "data/X"),
            ValueError,
            r"the X rows of .*w.h5' have shape \(4,\) and dtype float64, but those of the first",
        ),
        (
            lambda p, d: read_hdf5(
                [*p, write(d / "t.h5", data__X=np.zeros((3, 3), np.float32))], "data/X"
            ),
            ValueError,
            "dtype float32",
        ),
        (lambda p, d: read_hdf5(str(d / "bad.h5"), "X"), ValueError, "bad.h5' cannot be opened"),
        (lambda p, d: read_hdf5(p, "data/X", "data/X"), ValueError, "the same dataset"),
        (lambda p, d: read_hdf5(p, 0), TypeError, "X must be a str, the path of the dataset"),
        (lambda p, d: read_hdf5(p, "/"), ValueError, "X must name the dataset"),
        (lambda p, d: read_hdf5(3, "data/X"), TypeError, "paths must be a path"),
        (lambda p, d: read_hdf5([p[0], p[0]], "data/X"), ValueError, "more than once"),
        (lambda p, d: read_hdf5(p, "data/X", batch_size=0), ValueError, "batch_size"),
        (lambda p, d: read_hdf5(p, "data/X", shuffle="yes"), TypeError, "shuffle"),
        (lambda p, d: read_hdf5(p, "data/X", buffer_size=-2), ValueError, "buffer_size"),
        (lambda p, d: read_hdf5(p, "data/X", random_state="a"), TypeError, "random_state"),
    ],
    ids=[
        "missing-file",
        "empty-dir",
        "missing-dataset",
        "a-group",
        "missing-y",
        "1-D-X",
        "strings",
        "row-counts",
        "columns",
        "dtype",
        "not-hdf5",
        "same-dataset",
        "name-type",
        "root",
        "not-a-path",
        "twice",
        "batch-size",
        "shuffle",
        "buffer-size",
        "random-state",
    ],
)
def test_bad_input_is_refused_when_the_reader_is_made(tmp_path, make, error, match):
    paths = write_files(tmp_path, [3, 4])
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad.h5").write_text("not HDF5")
    with pytest.raises(error, match=match):
        make(paths, tmp_path)
    assert open_files() == 0


def test_a_missing_h5py_is_named_with_the_extra(tmp_path, monkeypatch):
    paths = write_files(tmp_path, [3])
    monkeypatch.setitem(sys.modules, "h5py", None)  # import h5py now raises ImportError
    with pytest.raises(ImportError, match=r"pip install -e '\.\[hdf5\]'"):
        read_hdf5(paths, "data/X")


def test_a_file_changed_between_or_during_epochs_is_named(tmp_path):
    paths = write_files(tmp_path, [20, 20], chunk_rows=4)
    reader = read_hdf5(paths, "data/X", "data/y", batch_size=8)
    stream = reader.generate()
    next(stream)
    write(paths[1], data__X=np.zeros((20, 3)), data__y=np.zeros((20, 2)))
    with pytest.raises(
        ValueError,
        match=r"part001.h5' changed since the reader checked it: its dataset 'data/y' now has "
        r"shape \(20, 2\) and dtype float64, not \(20,\) and int64",
    ):
        list(stream)
    write_files(tmp_path, [20, 20], chunk_rows=4)  # as checked again
    stream = reader.generate()
    next(stream)
    write(paths[1], data__X=np.zeros((5, 3)), data__y=np.zeros(5, int))
    with pytest.raises(ValueError, match=r"dataset 'data/X' now has shape \(5, 3\)"):
        list(stream)
    (tmp_path / "part001.h5").unlink()
    with pytest.raises(FileNotFoundError, match="part001.h5"):
        reader.generate()
    assert open_files() == 0


@pytest.mark.parametrize("shuffle", [False, True])
def test_memory_stays_bounded_by_blocks(tmp_path, shuffle):
    rng = np.random.default_rng(0)
    paths = []
    for i in range(6):  # 6 files of 8 MiB of float32, in chunks of 256 KiB
        paths.append(str(tmp_path / f"big{i}.h5"))
        with h5py.File(paths[-1], "w") as file:
            X = rng.random((1 << 15, 64), dtype=np.float32)
            file.create_dataset("X", data=X, chunks=(1 << 10, 64))
    reader = read_hdf5(paths, "X", batch_size=1000, shuffle=shuffle, random_state=0)
    tracemalloc.start()
    try:
        rows = sum(len(batch["X"]) for batch in reader.generate())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows == 6 << 15
    # a block (256 KiB) and its batches, plus the shuffle window (16 batches) and its copies
    assert peak < (16 << 20 if shuffle else 3 << 20)  # never a file (8 MiB)


def count_reads(monkeypatch):
    """The ``(dataset name, start, stop)`` of every read of a dataset from now on."""
    reads = []
    original = Hdf5Reader._get

    def counting(self, array, start, stop):
        reads.append((array.name.rsplit("/", 1)[-1], start, stop))
        return original(self, array, start, stop)

    monkeypatch.setattr(Hdf5Reader, "_get", counting)
    return reads


@pytest.mark.parametrize(("y_chunks", "y_reads"), [((40,), [(0, 40)]), ((6,), None), (None, None)])
def test_each_chunk_of_y_is_read_once_per_epoch(tmp_path, monkeypatch, y_chunks, y_reads):
    """y's chunks need not be X's: a chunk of y a block covers in part is read whole once,
    kept (one at a time) and sliced; a whole one is read directly."""
    paths = []
    for i, n in enumerate([40, 30]):
        paths.append(str(tmp_path / f"part{i}.h5"))
        rows = np.arange(40 * i, 40 * i + n)
        with h5py.File(paths[-1], "w") as file:
            file.create_dataset("X", data=np.c_[rows, rows], chunks=(4, 2))
            chunks = y_chunks and (min(y_chunks[0], n),)
            file.create_dataset("y", data=rows % 2, chunks=chunks, compression=chunks and "gzip")
    reader = read_hdf5(paths, "X", "y", batch_size=4)
    reads = count_reads(monkeypatch)
    check_epochs(reader, list(range(40)) + list(range(40, 70)), 4, ordered=True, epochs=1)
    y_rows = [(start, stop) for name, start, stop in reads if name == "y"]
    assert sum(stop - start for start, stop in y_rows) == 70  # each row of y read once
    if y_reads is not None:
        assert y_rows[: len(y_reads)] == y_reads
    reads.clear()
    check_epochs(reader.set_params(shuffle=True, random_state=0), range(70), 4, False, 1)
    assert open_files() == 0


def test_variable_length_text_targets_are_read_as_fixed_width_text(tmp_path):
    labels = np.array(["cat", "horse", "", "émeu", "ox"] * 4)
    with h5py.File(tmp_path / "text.h5", "w") as file:
        file["X"] = np.arange(20.0).reshape(20, 1)
        file["y"] = labels.tolist()  # h5py's default for str: variable-length UTF-8
        file.create_dataset("b", data=[b"a", b"bcd"] * 10, dtype=h5py.string_dtype("ascii"))
        file.create_dataset("y2", data=np.c_[labels, labels[::-1]].tolist(), chunks=(3, 2))
    for y, expected in (("y", labels), ("b", np.array([b"a", b"bcd"] * 10))):
        batches = list(read_hdf5(tmp_path / "text.h5", "X", y, batch_size=3).generate())
        assert all(batch["y"].dtype.kind == expected.dtype.kind for batch in batches)
        assert np.array_equal(np.concatenate([batch["y"] for batch in batches]), expected)
    (batch,) = read_hdf5(tmp_path / "text.h5", "X", "y2", batch_size=20).generate()
    assert batch["y"].dtype == np.dtype("<U5")  # blocks of other widths, joined
    assert np.array_equal(batch["y"], np.c_[labels, labels[::-1]])
    with h5py.File(tmp_path / "other.h5", "w") as file:
        file["X"] = np.ones((2, 1))
        y = file.create_dataset("y", shape=(2,), dtype=h5py.vlen_dtype(np.int64))
        y[0], y[1] = np.array([1, 2]), np.array([3])
    with pytest.raises(ValueError, match="has dtype object, which is not read: y must hold"):
        read_hdf5(tmp_path / "other.h5", "X", "y")


@pytest.mark.timeout(120)
def test_text_labels_go_through_workers(tmp_path):
    paths = write_files(tmp_path, [25, 30, 17])
    for path in paths:
        with h5py.File(path, "a") as file:
            ids = file["data/X"][:, 0].astype(int)
            file["data/text"] = [f"label{i % 2}" * (1 + i % 3) for i in ids]  # variable
            file["data/bytes"] = np.array([b"b%d" % (i % 2) for i in ids])  # fixed, S2
    for name, kind in (("data/text", "U"), ("data/bytes", "S")):
        reader = read_hdf5(paths, "data/X", name, batch_size=8, shuffle=True, random_state=0)
        batches = list(ZMQStreamer(reader, n_workers=2, random_state=1).generate())
        assert sorted(row_ids(batches)) == list(range(72))
        for batch in batches:
            assert batch["y"].dtype.kind == kind
            ids = batch["X"][:, 0].astype(int)
            if kind == "U":
                assert batch["y"].tolist() == [f"label{i % 2}" * (1 + i % 3) for i in ids]
            else:
                assert batch["y"].tolist() == [b"b%d" % (i % 2) for i in ids]
    assert multiprocessing.active_children() == []


def test_linked_datasets_are_listed_and_broken_links_named(tmp_path):
    with h5py.File(tmp_path / "target.h5", "w") as file:
        file["features"] = np.ones((10, 2))
    with h5py.File(tmp_path / "main.h5", "w") as file:
        file["features"] = h5py.ExternalLink("target.h5", "/features")
        file["labels"] = h5py.SoftLink("/_labels")
        file["_labels"] = np.arange(10)
        file["moved"] = h5py.ExternalLink("gone.h5", "/features")
        file["lost"] = h5py.SoftLink("/nowhere")
    main = tmp_path / "main.h5"
    assert len(next(iter(read_hdf5(main, "features", "labels").generate()))["y"]) == 10
    listed = r"the datasets it holds are \['_labels', 'features', 'labels'\]"
    with pytest.raises(ValueError, match=r"has no dataset 'feature' \(given as X\); " + listed):
        read_hdf5(main, "feature")
    with pytest.raises(
        ValueError,
        match=r"main.h5': 'moved' \(given as X\) is a broken link: an external link to "
        r"'/features' in the file 'gone.h5'",
    ):
        read_hdf5(main, "moved")
    with pytest.raises(ValueError, match=r"'lost' \(given as y\) is a broken link: a soft link"):
        read_hdf5(main, "features", "lost")
    assert open_files() == 0


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda d: read_hdf5(write(d / "e.h5", X=np.zeros((4, 0))), "X"), r"\(4, 0\): no colum"),
        (
            lambda d: read_hdf5(
                write(d / "e.h5", X=np.zeros((4, 1)), y=np.zeros((4, 0))), "X", "y"
            ),
            r"shape \(4, 0\); y must name a 1-D array, or a 2-D one with at least one column",
        ),
        (lambda d: read_hdf5(d / "e.h5", "a/b/../b/X"), r"X must be .* no '\.' or '\.\.' parts"),
        (lambda d: read_hdf5(d / "e.h5", "X", "a//y"), r"y must be the path .*got 'a//y'"),
    ],
    ids=["no-columns", "y-no-columns", "dot-dot", "empty-part"],
)
def test_names_and_shapes_a_file_cannot_hold_are_refused(tmp_path, make, match):
    write(tmp_path / "e.h5", X=np.zeros((4, 1)))
    with pytest.raises(ValueError, match=match):
        make(tmp_path)
    assert open_files() == 0


@pytest.mark.timeout(60)
def test_a_file_locked_by_a_writer_is_named_as_such(tmp_path):
    path = write(tmp_path / "locked.h5", X=np.zeros((4, 1)))
    writer = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert writer.stdout.readline().strip() == b"open"
        with pytest.raises(
            ValueError,
            match=r"locked.h5' cannot be opened for reading: it is locked by another process "
            r"that has it open for writing \(an h5py.File opened with mode 'w', 'a' or 'r\+'",
        ) as error:
            read_hdf5(path, "X")
        assert "HDF5_USE_FILE_LOCKING" not in str(error.value)
    finally:
        writer.communicate(b"\n", timeout=30)
    assert writer.returncode == 0
    assert len(list(read_hdf5(path, "X").generate())) == 1  # closed: it reads
    unsupported = OSError("Unable to synchronously open file (unable to lock file, errno = 38)")
    assert "HDF5_USE_FILE_LOCKING=FALSE" in _hdf5._cannot_open("f.h5", unsupported)


HOLD_OPEN = """
import sys, h5py
with h5py.File(sys.argv[1], "a"):
    print("open", flush=True)
    sys.stdin.readline()
"""
