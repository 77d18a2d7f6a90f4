"""read_zarr: every row once per epoch, in blocks that follow the chunks, in process and
through workers; what a store is (a directory, a .zip, a directory of stores); shuffles;
bad input; bounded memory. Every store is written by the test."""

import multiprocessing
import pickle
import subprocess
import sys
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GroupKFold, cross_validate

from sklearn_stream import Streamer, StreamLearner
from sklearn_stream.io import ZarrReader, read_zarr
from sklearn_stream.zmq_stream import ZMQStreamer
from tests.io.epochs import check_epochs, row_ids

zarr = pytest.importorskip("zarr")


def write_store(path, start, n, chunk_rows=7, width=3, zarr_format=3):
    """A store of rows numbered from ``start``: arrays ``data/X`` (each column = the row's
    number, chunks of ``chunk_rows`` rows) and ``data/y`` (= number % 2)."""
    rows = np.arange(start, start + n)
    store = path if isinstance(path, zarr.storage.ZipStore) else str(path)
    group = zarr.open_group(store, mode="w", zarr_format=zarr_format)
    X = np.repeat(rows[:, None], width, axis=1).astype(np.float64)
    group.create_array("data/X", data=X, chunks=(min(chunk_rows, n), width))
    group.create_array("data/y", data=rows % 2, chunks=(min(5, n),))
    return str(path)


def write_stores(folder, lengths, chunk_rows=7, width=3):
    """One store per length, whose rows are numbered 0, 1, ... across the stores."""
    stores, start = [], 0
    for i, n in enumerate(lengths):
        stores.append(write_store(folder / f"part{i:03d}.zarr", start, n, chunk_rows, width))
        start += n
    return stores


def write_zip(path, start, n, chunk_rows=7):
    store = zarr.storage.ZipStore(str(path), mode="w")
    try:
        write_store(store, start, n, chunk_rows)
    finally:
        store.close()
    return str(path)


@settings(max_examples=20, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 40), min_size=1, max_size=4),
    chunk_rows=st.integers(1, 15),
    batch_size=st.integers(1, 20),
    shuffle=st.booleans(),
)
def test_every_row_once_per_epoch(tmp_path_factory, lengths, chunk_rows, batch_size, shuffle):
    stores = write_stores(tmp_path_factory.mktemp("zarr"), lengths, chunk_rows)
    reader = read_zarr(
        stores, "data/X", "data/y", batch_size=batch_size, shuffle=shuffle, random_state=0
    )
    check_epochs(reader, range(sum(lengths)), batch_size, not shuffle)


def test_blocks_are_whole_chunks(tmp_path):
    stores = write_stores(tmp_path, [30, 12], chunk_rows=4)
    reader = read_zarr(stores, "data/X", batch_size=10)
    state = reader._check(reader.get_params(deep=False))
    assert reader._blocks(state) == [(0, 0, 12), (0, 12, 24), (0, 24, 30), (1, 0, 12)]


def test_what_a_store_is(tmp_path):
    """A store's directory is one store (never a folder of files); a plain directory is a
    folder of stores (directories and .zip files, in name order); lists and arrays of
    stores; format 2 stores."""
    (tmp_path / "many").mkdir()
    write_store(tmp_path / "many" / "b.zarr", 10, 5)
    write_zip(tmp_path / "many" / "c.zip", 15, 4)
    write_store(tmp_path / "many" / "a_v2", 0, 10, zarr_format=2)  # any name, format 2
    (tmp_path / "many" / "notes.txt").write_text("not a store")
    (tmp_path / "many" / "_scratch").mkdir()
    (tmp_path / "many" / "plain").mkdir()  # no metadata: not a store
    assert row_ids(read_zarr(tmp_path / "many", "data/X", batch_size=7).generate()) == list(
        range(19)
    )
    one = tmp_path / "many" / "b.zarr"
    assert row_ids(read_zarr(one, "data/X").generate()) == list(range(10, 15))
    assert row_ids(read_zarr(str(tmp_path / "many" / "c.zip"), "/data/X/").generate()) == [
        15, 16, 17, 18,
    ]  # fmt: skip
    listed = np.array([str(tmp_path / "many" / "c.zip"), str(one)])
    assert row_ids(read_zarr(listed, "data/X").generate()) == [15, 16, 17, 18, 10, 11, 12, 13, 14]


def test_shuffled_epochs_repeat_for_an_int_and_differ(tmp_path):
    stores = write_stores(tmp_path, [40, 40, 40], chunk_rows=5)

    def epochs(reader):
        return [row_ids(reader.generate()) for _ in range(2)]

    first = epochs(read_zarr(stores, "data/X", batch_size=8, shuffle=True, random_state=3))
    assert first == epochs(read_zarr(stores, "data/X", batch_size=8, shuffle=True, random_state=3))
    assert first[0] != first[1]
    assert first[0] != list(range(120))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("n_workers", [1, 3])
@pytest.mark.parametrize("shuffle", [False, True])
def test_workers_share_the_blocks_each_row_once(tmp_path, n_workers, shuffle):
    stores = write_stores(tmp_path, [25, 30, 17], chunk_rows=6)
    stores.append(write_zip(tmp_path / "last.zip", 72, 40, chunk_rows=6))
    reader = read_zarr(stores, "data/X", "data/y", batch_size=8, shuffle=shuffle, random_state=0)
    assert row_ids(reader.generate(max_batches=1))  # the parent read first
    for source in (
        ZMQStreamer(reader, n_workers=n_workers, random_state=1),
        ZMQStreamer(Streamer(read_zarr, stores, "data/X", "data/y"), n_workers=n_workers),
    ):
        for _ in range(2):
            batches = list(source.generate())
            assert sorted(row_ids(batches)) == list(range(112))
            assert all(np.array_equal(b["y"], b["X"][:, 0].astype(int) % 2) for b in batches)
    assert multiprocessing.active_children() == []


def test_a_reader_is_a_parameter_and_a_search_splits_by_store(tmp_path):
    stores = write_stores(tmp_path, [20] * 6, width=2)
    reader = read_zarr(stores, "data/X", "data/y", batch_size=4)
    assert isinstance(reader, ZarrReader)
    assert clone(reader).set_params(batch_size=3).get_params()["batch_size"] == 3
    assert row_ids(pickle.loads(pickle.dumps(reader)).generate()) == list(range(120))
    assert "batch_size=4" in repr(reader)
    learner = StreamLearner(
        SGDClassifier(random_state=0),
        stream=Streamer(read_zarr, X="data/X", y="data/y", batch_size=5),
        eval_stream=Streamer(read_zarr, X="data/X", y="data/y", batch_size=5),
        random_state=0,
    )
    folds = cross_validate(
        learner, np.array(stores), cv=GroupKFold(3), groups=np.arange(6), return_estimator=True,
        params={"classes": [0, 1]},
    )  # fmt: skip
    assert [fold.n_samples_seen_ for fold in folds["estimator"]] == [80] * 3


def write_other(path, **arrays):
    group = zarr.open_group(str(path), mode="w")
    for name, data in arrays.items():
        group.create_array(name.replace("__", "/"), data=data)
    return str(path)


def write_root_array(path):
    zarr.create_array(str(path), data=np.zeros((3, 3)))
    return str(path)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda s, d: read_zarr(str(d / "none.zarr"), "X"), FileNotFoundError, "none.zarr"),
        (lambda s, d: read_zarr(d / "plain", "X"), FileNotFoundError, "is no zarr store"),
        (lambda s, d: read_zarr(d / "notes.txt", "X"), ValueError, "notes.txt' is not a zarr"),
        (lambda s, d: read_zarr(d / "bad.zip", "X"), ValueError, "bad.zip' is not a zip file"),
        (
            lambda s, d: read_zarr(write_root_array(d / "a.zarr"), "X"),
            ValueError,
            "a.zarr' is a zarr array, not a store whose root is a group: read_zarr reads a "
            "store whose root is a group holding the arrays X and y",
        ),
        (
            lambda s, d: read_zarr(s, "data/features"),
            ValueError,
            r"part000.zarr' has no array 'data/features' \(given as X\); the arrays it holds "
            r"are \['data/X', 'data/y'\]",
        ),
        (lambda s, d: read_zarr(s, "data/X", "y"), ValueError, r"no array 'y' \(given as y\)"),
        (lambda s, d: read_zarr(s, "data/y"), ValueError, "X array 'data/y' .* is a 1-D"),
        (
            lambda s, d: read_zarr(
                write_other(d / "r.zarr", X=np.zeros((3, 2)), y=np.zeros(4)), "X", "y"
            ),
            ValueError,
            "y array 'y' of .*r.zarr' has 4 rows, but X has 3 rows",
        ),
        (
            lambda s, d: read_zarr(
                [*s, write_other(d / "w.zarr", data__X=np.zeros((3, 4)))], "data/X"
            ),
            ValueError,
            r"the X rows of .*w.zarr' have shape \(4,\)",
        ),
        (lambda s, d: read_zarr([s[0], s[0]], "data/X"), ValueError, "more than once"),
        (lambda s, d: read_zarr([], "data/X"), TypeError, "non-empty list"),
        (lambda s, d: read_zarr(s, ["data/X"]), TypeError, "X must be a str, the path"),
        (lambda s, d: read_zarr(s, "data/X", batch_size=0), ValueError, "batch_size"),
    ],
    ids=[
        "missing",
        "no-store",
        "a-file",
        "bad-zip",
        "root-array",
        "missing-array",
        "missing-y",
        "1-D-X",
        "row-counts",
        "columns",
        "twice",
        "empty-list",
        "name-type",
        "batch-size",
    ],
)  # fmt: skip
def test_bad_input_is_refused_when_the_reader_is_made(tmp_path, make, error, match):
    stores = write_stores(tmp_path, [3, 4])
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "notes.txt").write_text("not a store")
    (tmp_path / "notes.txt").write_text("not a store")
    (tmp_path / "bad.zip").write_text("not a zip")
    with pytest.raises(error, match=match):
        make(stores, tmp_path)


def test_a_missing_zarr_is_named_with_the_extra(tmp_path, monkeypatch):
    stores = write_stores(tmp_path, [3])
    monkeypatch.setitem(sys.modules, "zarr", None)
    with pytest.raises(ImportError, match=r"pip install -e '\.\[zarr\]'"):
        read_zarr(stores, "data/X")


def test_a_store_changed_during_an_epoch_is_named(tmp_path):
    stores = write_stores(tmp_path, [20, 20], chunk_rows=4)
    stream = read_zarr(stores, "data/X", batch_size=8).generate()
    next(stream)
    write_store(stores[1], 0, 5)
    with pytest.raises(
        ValueError,
        match=r"part001.zarr' changed since the reader checked it: its array 'data/X' now "
        r"has shape \(5, 3\) and dtype float64, not \(20, 3\)",
    ):
        list(stream)


def test_memory_stays_bounded_by_blocks(tmp_path):
    rng = np.random.default_rng(0)
    stores = []
    for i in range(4):  # 4 stores of 8 MiB of float32, in chunks of 256 KiB
        group = zarr.open_group(str(tmp_path / f"big{i}.zarr"), mode="w")
        X = rng.random((1 << 15, 64), dtype=np.float32)
        group.create_array("X", data=X, chunks=(1 << 10, 64))
        stores.append(str(tmp_path / f"big{i}.zarr"))
    reader = read_zarr(stores, "X", batch_size=1000)
    tracemalloc.start()
    try:
        rows = sum(len(batch["X"]) for batch in reader.generate())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows == 4 << 15
    assert peak < 4 << 20  # a block (256 KiB), its chunks and batches; never a store (8 MiB)


def test_a_zip_store_is_closed_after_each_epoch(tmp_path, monkeypatch):
    path = write_zip(tmp_path / "one.zip", 0, 30, chunk_rows=4)
    closed = []
    original = zipfile.ZipFile.close
    monkeypatch.setattr(zipfile.ZipFile, "close", lambda self: closed.append(1) or original(self))
    reader = read_zarr(path, "data/X", "data/y", batch_size=4)
    checks = len(closed)
    assert checks >= 1  # checking the parameters opened the store and closed it
    stream = reader.generate()
    next(stream)
    stream.close()  # an epoch stopped early
    assert len(closed) >= checks + 2  # generate's check, then the epoch's own


@pytest.mark.timeout(60)
def test_a_store_shrunk_while_it_is_read_is_named(tmp_path):
    """An open array keeps the shape it was opened with; rows another process removes
    would read as the fill value: its metadata file is watched after each block."""
    (store,) = write_stores(tmp_path, [40], chunk_rows=4)
    stream = read_zarr(store, "data/X", "data/y", batch_size=4).generate()
    assert row_ids([next(stream)]) == [0, 1, 2, 3]
    shrink = (
        "import sys, zarr; zarr.open_array(sys.argv[1], path='data/y', mode='a').resize((12,))"
    )
    subprocess.run([sys.executable, "-c", shrink, store], check=True, timeout=60)
    with pytest.raises(
        ValueError,
        match=r"the array 'data/y' of .*part000.zarr' changed while it was read: it had shape "
        r"\(40,\) when the epoch opened it, and now has shape \(12,\)",
    ):
        list(stream)
    with pytest.raises(ValueError, match=r"with 12 rows|has 12 rows, but X has 40 rows"):
        read_zarr(store, "data/X", "data/y")
    # a rewritten metadata file with the same shape (new attributes) is no change
    stream = read_zarr(store, "data/X", batch_size=4).generate()
    next(stream)
    zarr.open_array(store, path="data/X", mode="a").attrs["note"] = "rewritten"
    assert len(row_ids(stream)) == 36


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_rows_appended_after_consolidating_are_read(tmp_path, zarr_format):
    store = write_store(tmp_path / "s.zarr", 0, 20, zarr_format=zarr_format)
    with warnings.catch_warnings():  # format 3 consolidated metadata: not in the spec yet
        warnings.simplefilter("ignore", zarr.errors.ZarrUserWarning)
        zarr.consolidate_metadata(store)
    for name, data in (("data/X", np.repeat(np.arange(20, 30)[:, None], 3, 1)),
                       ("data/y", np.arange(20, 30) % 2)):  # fmt: skip
        zarr.open_array(store, path=name, mode="a").append(data)
    check_epochs(read_zarr(store, "data/X", "data/y", batch_size=6), range(30), 6, True)


def test_a_zarr_directory_without_metadata_is_refused_not_skipped(tmp_path):
    stores = write_stores(tmp_path, [5, 6, 7])
    (Path(stores[1]) / "zarr.json").unlink()  # its arrays' metadata remain
    with pytest.raises(
        ValueError,
        match=r"the directory of stores .* holds .*part001.zarr', which is not a zarr store: "
        r"it has no zarr.json, .zgroup or .zarray .*its rows would be skipped",
    ):
        read_zarr(tmp_path, "data/X")
    with pytest.raises(ValueError, match=r"part001.zarr' is not a zarr store: it has no zarr"):
        read_zarr(stores[1], "data/X")
    Path(stores[1]).rename(tmp_path / "_part001.zarr")  # set aside: the others are read
    assert row_ids(read_zarr(tmp_path, "data/X").generate()) == [*range(5), *range(11, 18)]


def test_a_zip_in_a_directory_of_stores_that_is_no_store_is_named(tmp_path):
    write_stores(tmp_path, [5])
    (tmp_path / "notes.zip").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match=r"notes.zip' is not a zip file, so not a zarr store"):
        read_zarr(tmp_path, "data/X")
    with zipfile.ZipFile(tmp_path / "notes.zip", "w") as archive:
        archive.writestr("readme.txt", "no store")
    with pytest.raises(
        ValueError, match=r"notes.zip' is a zip file but not a zarr store with a group at its"
    ):
        read_zarr(tmp_path, "data/X")


def count_reads(monkeypatch):
    reads = []
    original = ZarrReader._get

    def counting(self, array, start, stop):
        reads.append((array.path, start, stop))
        return original(self, array, start, stop)

    monkeypatch.setattr(ZarrReader, "_get", counting)
    return reads


def test_each_chunk_of_y_is_read_once_per_epoch(tmp_path, monkeypatch):
    write_stores(tmp_path, [30, 23], chunk_rows=4)  # y in chunks of 5 rows
    big = zarr.open_group(str(tmp_path / "part002.zarr"), mode="w")
    X = np.repeat(np.arange(53.0, 93.0)[:, None], 3, 1)
    big.create_array("data/X", data=X, chunks=(4, 3))
    big.create_array("data/y", data=np.arange(53, 93) % 2, chunks=(40,))
    reads = count_reads(monkeypatch)
    check_epochs(read_zarr(tmp_path, "data/X", "data/y", batch_size=8), range(93), 8, True, 1)
    y_rows = [(start, stop) for path, start, stop in reads if path == "data/y"]
    assert sum(stop - start for start, stop in y_rows) == 93
    assert y_rows[-1] == (0, 40)  # the big chunk, once


def write_text_store(path, start, n):
    group = zarr.open_group(str(path), mode="w")
    rows = np.arange(start, start + n)
    group.create_array("X", data=np.c_[rows, rows], chunks=(4, 2))
    text = group.create_array("text", shape=(n,), dtype=str, chunks=(6,))  # variable
    text[:] = np.array([f"label{i % 2}" * (1 + i % 3) for i in rows], dtype=object)
    group.create_array("fixed", data=np.array([f"u{i % 2}" for i in rows]))  # U2
    group.create_array("bytes", data=np.array([b"b%d" % (i % 2) for i in rows]))  # S2
    return str(path)


@pytest.mark.timeout(120)
@pytest.mark.filterwarnings("ignore::zarr.errors.UnstableSpecificationWarning")  # U, S arrays
def test_text_labels_are_read_and_go_through_workers(tmp_path):
    stores = [
        write_text_store(tmp_path / "a.zarr", 0, 25),
        write_text_store(tmp_path / "b.zarr", 25, 30),
    ]
    expected = {
        "text": lambda i: f"label{i % 2}" * (1 + i % 3),
        "fixed": lambda i: f"u{i % 2}",
        "bytes": lambda i: b"b%d" % (i % 2),
    }
    (whole,) = read_zarr(stores, "X", "text", batch_size=55).generate()
    assert whole["y"].dtype == np.dtype("<U18")  # blocks of other widths, joined
    for name, label in expected.items():
        reader = read_zarr(stores, "X", name, batch_size=8, shuffle=True, random_state=0)
        batches = list(ZMQStreamer(reader, n_workers=2, random_state=1).generate())
        assert sorted(row_ids(batches)) == list(range(55))
        for batch in batches:
            assert batch["y"].dtype.kind == ("S" if name == "bytes" else "U")
            assert batch["y"].tolist() == [label(i) for i in batch["X"][:, 0].astype(int)]
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda d: read_zarr(write_other(d / "e.zarr", X=np.zeros((4, 0))), "X"), "no columns"),
        (lambda d: read_zarr(d / "s.zarr", "a/b/../b/X"), r"X must be .* no '\.' or '\.\.' parts"),
        (lambda d: read_zarr(d / "s.zarr", "X", "./y"), r"y must be the path .*got '\./y'"),
    ],
    ids=["no-columns", "dot-dot", "dot"],
)
def test_names_and_shapes_a_store_cannot_hold_are_refused(tmp_path, make, match):
    write_other(tmp_path / "s.zarr", X=np.zeros((4, 1)), y=np.zeros(4))
    with pytest.raises(ValueError, match=match):
        make(tmp_path)
