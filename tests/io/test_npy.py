"""read_npy: every row once per epoch, in process and through workers; shuffles; bad input;
bounded memory. Every file is written by the test."""

import multiprocessing
import os
import pickle
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GridSearchCV, KFold, cross_validate

from sklearn_stream import Streamer, StreamLearner
from sklearn_stream.io import NpyReader, read_npy
from sklearn_stream.zmq_stream import ZMQStreamer
from tests.io.epochs import check_epochs, row_ids


def write_files(folder, lengths, width=3):
    """X and y files whose rows are numbered 0, 1, ... across the files, in order."""
    x_paths, y_paths, start = [], [], 0
    for i, n in enumerate(lengths):
        rows = np.arange(start, start + n)
        x_paths.append(str(folder / f"X{i:03d}.npy"))
        y_paths.append(str(folder / f"y{i:03d}.npy"))
        np.save(x_paths[-1], np.repeat(rows[:, None], width, axis=1).astype(np.float64))
        np.save(y_paths[-1], rows % 2)
        start += n
    return x_paths, y_paths


@settings(max_examples=25, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 30), min_size=1, max_size=6),
    batch_size=st.integers(1, 16),
    shuffle=st.booleans(),
)
def test_every_row_once_per_epoch_in_batches_of_batch_size(
    tmp_path_factory, lengths, batch_size, shuffle
):
    x, y = write_files(tmp_path_factory.mktemp("npy"), lengths)
    reader = read_npy(x, y, batch_size=batch_size, shuffle=shuffle, random_state=0)
    check_epochs(reader, range(sum(lengths)), batch_size, not shuffle)


def test_a_directory_is_read_in_name_order(tmp_path):
    write_files(tmp_path, [3, 4])
    (tmp_path / "notes.txt").write_text("not data")
    (tmp_path / "y").mkdir()
    for name in ("y000.npy", "y001.npy"):
        (tmp_path / name).rename(tmp_path / "y" / name)
    reader = read_npy(tmp_path, tmp_path / "y", batch_size=10)
    (batch,) = list(reader.generate())
    assert batch["X"][:, 0].tolist() == list(range(7))
    assert batch["y"].tolist() == [i % 2 for i in range(7)]


def test_shuffled_epochs_repeat_for_an_int_and_differ_from_each_other(tmp_path):
    x, y = write_files(tmp_path, [40, 40, 40])

    def epochs(reader, n=2):
        return [row_ids(reader.generate()) for _ in range(n)]

    first = epochs(read_npy(x, y, batch_size=8, shuffle=True, random_state=3))
    again = epochs(read_npy(x, y, batch_size=8, shuffle=True, random_state=3))
    assert first == again
    assert first[0] != first[1]
    assert first[0] != list(range(120))


@pytest.mark.timeout(120)
@pytest.mark.parametrize("n_workers", [1, 3])
@pytest.mark.parametrize("shuffle", [False, True])
def test_workers_share_the_rows_each_read_once(tmp_path, n_workers, shuffle):
    x, y = write_files(tmp_path, [25, 30, 17, 40])
    reader = read_npy(x, y, batch_size=8, shuffle=shuffle, random_state=0)
    source = ZMQStreamer(reader, n_workers=n_workers, random_state=1)
    for _ in range(2):
        batches = list(source.generate())
        assert sorted(row_ids(batches)) == list(range(112))
        assert sorted(len(b["X"]) for b in batches) == [8] * 14  # blocks span files
    assert multiprocessing.active_children() == []


def test_a_reader_is_an_estimator_parameter(tmp_path):
    x, y = write_files(tmp_path, [5, 5])
    reader = read_npy(x, y, batch_size=4)
    assert reader.get_params()["batch_size"] == 4
    twin = clone(reader).set_params(batch_size=3)
    assert [len(b["X"]) for b in twin.generate()] == [3, 3, 3, 1]
    restored = pickle.loads(pickle.dumps(reader))
    assert row_ids(restored.generate()) == row_ids(reader.generate())
    assert isinstance(reader, NpyReader)
    assert "batch_size=4" in repr(reader)


def test_a_search_splits_by_file(tmp_path):
    x, y = write_files(tmp_path, [30] * 6, width=2)
    learner = StreamLearner(
        SGDClassifier(random_state=0),
        stream=Streamer(read_npy, batch_size=10),
        eval_stream=Streamer(read_npy, batch_size=10),
        random_state=0,
    )
    search = GridSearchCV(learner, {"stream__batch_size": [5, 15]}, cv=KFold(3))
    search.fit(np.array(x), np.array(y), classes=[0, 1])
    assert set(search.cv_results_["param_stream__batch_size"]) == {5, 15}
    assert search.best_estimator_.n_samples_seen_ == 180  # refit on all 6 files
    folds = cross_validate(
        learner, np.array(x), np.array(y), cv=KFold(3), return_estimator=True,
        params={"classes": [0, 1]},
    )  # fmt: skip
    assert [fold.n_samples_seen_ for fold in folds["estimator"]] == [120] * 3  # 4 files each
    assert all(0.0 <= score <= 1.0 for score in folds["test_score"])


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda x, y, d: read_npy(str(d / "missing.npy")), FileNotFoundError, "missing.npy"),
        (lambda x, y, d: read_npy(str(d / "empty")), FileNotFoundError, "holds no .npy"),
        (lambda x, y, d: read_npy(x, y[:1]), ValueError, "one y file per X file"),
        (lambda x, y, d: read_npy(x, y[::-1]), ValueError, "y001.npy' holds a 1-D array of 4"),
        (lambda x, y, d: read_npy(str(d / "objects.npy")), ValueError, "cannot be read"),
        (lambda x, y, d: read_npy(x, batch_size=0), ValueError, "batch_size"),
        (lambda x, y, d: read_npy(x, shuffle="yes"), TypeError, "shuffle"),
        (lambda x, y, d: read_npy(x, buffer_size=-2), ValueError, "buffer_size"),
        (lambda x, y, d: read_npy(x, random_state="a"), TypeError, "random_state"),
        (lambda x, y, d: read_npy(3), TypeError, "X must be a path"),
    ],
    ids=[
        "missing",
        "empty-dir",
        "file-counts",
        "row-counts",
        "object-array",
        "batch-size",
        "shuffle",
        "buffer-size",
        "random-state",
        "not-a-path",
    ],
)
def test_bad_input_is_refused_when_the_reader_is_made(tmp_path, make, error, match):
    x, y = write_files(tmp_path, [3, 4])
    (tmp_path / "empty").mkdir()
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(error, match=match):
        make(x, y, tmp_path)


def test_a_file_removed_later_is_named_at_the_next_epoch(tmp_path):
    x, _ = write_files(tmp_path, [3, 4])
    reader = read_npy(x)
    (tmp_path / "X001.npy").unlink()
    with pytest.raises(FileNotFoundError, match="X001.npy"):
        reader.generate()


@pytest.mark.parametrize("shuffle", [False, True])
def test_memory_stays_bounded_whatever_the_data_size(tmp_path, shuffle):
    rng = np.random.default_rng(0)
    paths = []
    for i in range(8):  # 8 files of 8 MiB: 64 MiB in all
        paths.append(str(tmp_path / f"part{i}.npy"))
        np.save(paths[-1], rng.random((1 << 15, 64), dtype=np.float32))
    reader = read_npy(paths, batch_size=1024, shuffle=shuffle, random_state=0)  # 256 KiB
    tracemalloc.start()
    try:
        for _ in range(2):
            rows = sum(len(batch["X"]) for batch in reader.generate())
            assert rows == 8 << 15
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # one batch in and out, plus the shuffle window (16 batches, 1.25x) and its copies
    assert peak < (24 << 20 if shuffle else 4 << 20)


@pytest.mark.timeout(120)
def test_workers_share_the_rows_of_a_reader_that_a_streamer_makes(tmp_path):
    x, y = write_files(tmp_path, [25, 30, 17, 40])
    source = ZMQStreamer(Streamer(read_npy, x, y, batch_size=8), n_workers=3, random_state=0)
    assert sorted(row_ids(source.generate())) == list(range(112))
    learner = StreamLearner(
        SGDClassifier(random_state=0),
        stream=ZMQStreamer(Streamer(read_npy, batch_size=8), n_workers=2),
        eval_stream=Streamer(read_npy, batch_size=8),
        random_state=0,
    )
    learner.fit(np.array(x), np.array(y), classes=[0, 1])
    assert learner.n_samples_seen_ == 112  # each row once, not once per worker
    assert multiprocessing.active_children() == []


def save_archive(path):
    """An .npz archive under a .npy name."""
    with open(path, "wb") as file:
        np.savez(file, a=np.zeros((3, 3)))


@pytest.mark.parametrize(
    ("write", "match"),
    [
        (
            lambda d: np.save(d / "X9.npy", np.zeros((3, 4))),
            r"X9.npy' holds X rows of shape \(4,\)",
        ),
        (lambda d: np.save(d / "X9.npy", np.zeros((3, 3), np.float32)), "dtype float32"),
        (lambda d: np.save(d / "X9.npy", np.zeros(3)), "X files must hold 2-D numeric"),
        (lambda d: np.save(d / "X9.npy", np.array([["a"] * 3])), "2-D numeric"),
        (lambda d: save_archive(d / "X9.npy"), "not a .npy"),
        (lambda d: (d / "X9.npy").write_text("not an array"), "cannot be read as a .npy"),
    ],
    ids=["width", "dtype", "1-D", "strings", "npz", "text"],
)
def test_files_that_disagree_or_hold_no_features_are_named(tmp_path, write, match):
    x, _ = write_files(tmp_path, [3, 4])
    write(tmp_path)
    with pytest.raises(ValueError, match=match):
        read_npy([*x, str(tmp_path / "X9.npy")])


@pytest.mark.parametrize("link", ["same", "symbolic", "hard"])
def test_a_file_named_twice_is_refused(tmp_path, link):
    """By the same path, through a symbolic link, or as a hard link in a directory."""
    (tmp_path / "data").mkdir()
    x, _ = write_files(tmp_path / "data", [3])
    other = tmp_path / "data" / "X_again.npy"
    if link == "symbolic":
        other.symlink_to(x[0])
    elif link == "hard":
        os.link(x[0], other)
    given = [x[0], x[0]] if link == "same" else tmp_path / "data"
    with pytest.raises(ValueError, match="more than once"):
        read_npy(given)


def test_a_directory_finds_upper_case_suffixes(tmp_path):
    np.save(tmp_path / "A.npy", np.zeros((2, 2)))
    (tmp_path / "A.npy").rename(tmp_path / "A.NPY")
    assert len(list(read_npy(tmp_path).generate())) == 1


def test_a_file_that_loses_rows_during_an_epoch_is_named(tmp_path):
    x, y = write_files(tmp_path, [20, 20])
    stream = read_npy(x, y, batch_size=8).generate()
    next(stream)
    np.save(x[1], np.zeros((5, 3)))
    with pytest.raises(ValueError, match="X001.npy' has only 5 rows now"):
        list(stream)
