"""read_csv: every row once per epoch, file by file, in process and through workers;
DataFrames; options; bad input, when the reader is made and while it reads; bounded memory.
Every file is written by the test."""

import gzip
import multiprocessing
import pickle
import re
import shutil
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GroupKFold, cross_validate

from sklearn_stream import Streamer, StreamLearner
from sklearn_stream.io import CsvReader, read_csv
from sklearn_stream.zmq_stream import ZMQStreamer
from tests.io.epochs import check_epochs, row_ids

pd = pytest.importorskip("pandas")


def write_csv(path, header, rows, sep=","):
    with open(path, "w") as file:
        file.write(sep.join(header) + "\n")
        file.writelines(sep.join(map(str, row)) + "\n" for row in rows)
    return str(path)


def write_files(folder, lengths):
    """CSV files whose rows are numbered 0, 1, ... across the files: columns ``id``,
    ``f`` (= -id) and ``label`` (= id % 2)."""
    paths, start = [], 0
    for i, n in enumerate(lengths):
        rows = [(r, -r, r % 2) for r in range(start, start + n)]
        paths.append(write_csv(folder / f"part{i:03d}.csv", ["id", "f", "label"], rows))
        start += n
    return paths


@settings(max_examples=20, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 40), min_size=1, max_size=5),
    batch_size=st.integers(1, 20),
    shuffle=st.booleans(),
    buffer_size=st.sampled_from([None, 1, 7]),
)
def test_every_row_once_per_epoch(tmp_path_factory, lengths, batch_size, shuffle, buffer_size):
    paths = write_files(tmp_path_factory.mktemp("csv"), lengths)
    reader = read_csv(
        paths,
        target="label",
        batch_size=batch_size,
        shuffle=shuffle,
        buffer_size=buffer_size,
        random_state=0,
    )
    for batches in check_epochs(reader, range(sum(lengths)), batch_size, not shuffle):
        for batch in batches:
            assert batch["X"].dtype == np.float64 and batch["y"].dtype == np.int64
            assert np.array_equal(batch["X"][:, 1], -batch["X"][:, 0])


def test_rows_cross_chunks_and_files_in_order(tmp_path):
    paths = write_files(tmp_path, [9000, 5, 4100])  # chunks of 4096 rows, and a short file
    batches = list(read_csv(paths, target="label", batch_size=1000).generate())
    assert row_ids(batches) == list(range(13105))
    assert [len(b["X"]) for b in batches] == [1000] * 13 + [105]


def test_columns_target_and_data_frames(tmp_path):
    paths = write_files(tmp_path, [10])
    (batch,) = list(read_csv(paths, columns="f", target="label", batch_size=20).generate())
    assert batch["X"].shape == (10, 1)
    (frame,) = list(read_csv(paths, target=["label"], as_frame=True).generate())
    assert list(frame["X"].columns) == ["id", "f"]
    assert {str(dtype) for dtype in frame["X"].dtypes} == {"float64"}
    assert isinstance(frame["y"], pd.Series) and frame["y"].name == "label"
    (both,) = list(read_csv(paths, columns=["id"], target=["f", "label"]).generate())
    assert both["y"].shape == (10, 2)
    learner = StreamLearner(SGDClassifier(random_state=0)).iter_fit(
        read_csv(paths, target="label", as_frame=True, batch_size=4), classes=[0, 1]
    )
    assert list(learner.feature_names_in_) == ["id", "f"]


def test_targets_keep_their_kind_and_missing_features_are_nan(tmp_path):
    rows = [("1.5", "", "cat"), ("NA", "2", "dog"), ("3", "true", "cat")]
    path = write_csv(tmp_path / "kinds.csv", ["a", "b", "animal"], rows)
    (batch,) = list(read_csv(path, columns=["a"], target="animal").generate())
    assert batch["y"].tolist() == ["cat", "dog", "cat"]
    assert np.isnan(batch["X"][1, 0]) and batch["X"][2, 0] == 3.0
    write_csv(tmp_path / "flags.csv", ["v", "flag"], [(1, "True"), ("", "False"), (2, "")])
    (batch,) = list(read_csv(tmp_path / "flags.csv").generate())
    assert batch["X"].dtype == np.float64
    assert np.isnan(batch["X"][1, 0]) and np.isnan(batch["X"][2, 1])
    assert batch["X"][:2, 1].tolist() == [1.0, 0.0]


def test_text_targets_stay_text_when_a_chunk_looks_numeric(tmp_path):
    rows = [(i, "a" if i < 10 else "7") for i in range(5000)]  # the second chunk: only "7"
    path = write_csv(tmp_path / "labels.csv", ["x", "y"], rows)
    batches = list(read_csv(path, target="y", batch_size=4096).generate())
    assert [b["y"].dtype for b in batches] == [np.dtype(object)] * 2
    assert batches[1]["y"][0] == "7"


def test_text_features_are_kept_in_frames(tmp_path):
    path = write_csv(tmp_path / "t.csv", ["n", "city", "y"], [(1, "Oslo", 0), (2, "Rome", 1)])
    (batch,) = list(read_csv(path, target="y", as_frame=True).generate())
    assert batch["X"]["city"].tolist() == ["Oslo", "Rome"]
    assert batch["X"]["n"].dtype == np.float64


def test_options_are_parameters_and_reach_the_parser(tmp_path):
    rows = [("1,5", "2", "0"), ("3,25", "4", "1")]
    path = write_csv(tmp_path / "euro.csv", ["a", "b", "y"], rows, sep=";")
    reader = read_csv(path, target="y", options={"sep": ";", "decimal": ","})
    (batch,) = list(reader.generate())
    assert batch["X"].tolist() == [[1.5, 2.0], [3.25, 4.0]]
    assert clone(reader).get_params()["options"] == {"sep": ";", "decimal": ","}
    with pytest.raises(ValueError, match="feature column 'a' .* holds text"):  # "1,5"
        reader.set_params(options={"sep": ";", "decimal": "."})
    assert reader.options["decimal"] == ","
    assert reader.set_params(options={"sep": ";", "decimal": ","}).options == {
        "sep": ";",
        "decimal": ",",
    }
    with pytest.raises(ValueError, match=r"option\(s\) \['chunksize', 'usecols'\]"):
        read_csv(path, options={"usecols": ["a"], "chunksize": 3})
    with pytest.raises(TypeError, match="options must be None or a dict"):
        read_csv(path, options=[("sep", ";")])


def test_compressed_files_are_read(tmp_path):
    with gzip.open(tmp_path / "z.csv.gz", "wt") as file:
        file.write("a,y\n1,0\n2,1\n")
    (batch,) = list(read_csv(tmp_path / "z.csv.gz", target="y").generate())
    assert batch["X"][:, 0].tolist() == [1.0, 2.0]


def test_shuffled_epochs_repeat_for_an_int_and_differ(tmp_path):
    paths = write_files(tmp_path, [50, 50, 50])

    def epochs(reader):
        return [row_ids(reader.generate()) for _ in range(2)]

    first = epochs(read_csv(paths, batch_size=8, shuffle=True, random_state=2))
    assert first == epochs(read_csv(paths, batch_size=8, shuffle=True, random_state=2))
    assert first[0] != first[1]
    assert sorted(first[0]) == sorted(first[1]) == list(range(150))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("n_workers", [1, 3])
def test_workers_share_the_files(tmp_path, n_workers):
    paths = write_files(tmp_path, [30, 25, 40, 7])
    for source in (
        ZMQStreamer(read_csv(paths, batch_size=8), n_workers=n_workers, random_state=0),
        ZMQStreamer(Streamer(read_csv, paths, batch_size=8), n_workers=n_workers),
        ZMQStreamer(
            read_csv(paths, batch_size=8, shuffle=True, random_state=1), n_workers=n_workers
        ),
    ):
        for _ in range(2):
            assert sorted(row_ids(source.generate())) == list(range(102))
    assert multiprocessing.active_children() == []


@pytest.mark.timeout(60)
def test_never_more_workers_than_files(tmp_path):
    paths = write_files(tmp_path, [10, 10])
    shares, _ = read_csv(paths)._worker_shares([1, 2, 3])
    assert [share._share for share in shares] == [(0, 2), (1, 2)]
    source = ZMQStreamer(read_csv(paths, batch_size=3), n_workers=3)
    assert sorted(row_ids(source.generate())) == list(range(20))
    assert multiprocessing.active_children() == []


@settings(max_examples=10, deadline=None)
@given(lengths=st.lists(st.integers(0, 30), min_size=1, max_size=4), shuffle=st.booleans())
@pytest.mark.timeout(60)
def test_every_row_once_through_three_workers(tmp_path_factory, lengths, shuffle):
    paths = write_files(tmp_path_factory.mktemp("zmq"), lengths)
    reader = read_csv(paths, batch_size=4, shuffle=shuffle, random_state=0)
    batches = list(ZMQStreamer(reader, n_workers=3, random_state=0).generate())
    assert sorted(row_ids(batches) if batches else []) == list(range(sum(lengths)))
    assert multiprocessing.active_children() == []


def test_a_reader_is_a_parameter_and_a_search_splits_by_file(tmp_path):
    paths = write_files(tmp_path, [20] * 6)
    reader = read_csv(paths, target="label", batch_size=4)
    assert clone(reader).get_params()["target"] == "label"
    assert row_ids(pickle.loads(pickle.dumps(reader)).generate()) == list(range(120))
    assert isinstance(reader, CsvReader)
    assert reader.set_params(batch_size=7).batch_size == 7
    learner = StreamLearner(
        SGDClassifier(random_state=0),
        stream=Streamer(read_csv, target="label", batch_size=5),
        eval_stream=Streamer(read_csv, target="label", batch_size=5),
        random_state=0,
    )
    assert "stream__batch_size" in learner.get_params()
    folds = cross_validate(
        learner, np.array(paths), cv=GroupKFold(3), groups=np.arange(6),
        return_estimator=True, params={"classes": [0, 1]},
    )  # fmt: skip
    assert [fold.n_samples_seen_ for fold in folds["estimator"]] == [80] * 3


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda p, d: read_csv(p, target="nope"), ValueError, r"no column \['nope'\]"),
        (lambda p, d: read_csv(p, columns=["id"], target="id"), ValueError, "both"),
        (lambda p, d: read_csv(str(d / "none.csv")), FileNotFoundError, "none.csv"),
        (
            lambda p, d: read_csv([*p, write_csv(d / "z.csv", ["id", "g", "label"], [(1, 2, 0)])]),
            ValueError,
            r"z.csv' has no column \['f'\]",
        ),
        (
            lambda p, d: read_csv(
                [*p, write_csv(d / "w.csv", ["id", "f", "label", "w"], [(1, 2, 0, 3)])]
            ),
            ValueError,
            "w.csv' has the column 'w', which the first file",
        ),
        (
            lambda p, d: read_csv(
                [*p, write_csv(d / "s.csv", ["id", "f", "label"], [(1, "a", 0)])]
            ),
            ValueError,
            "feature column 'f' of .*s.csv' holds text",
        ),
        (lambda p, d: read_csv(p, columns=3), TypeError, "columns must be a column name"),
        (lambda p, d: read_csv(p, as_frame="yes"), TypeError, "as_frame"),
        (lambda p, d: read_csv(p, batch_size=0), ValueError, "batch_size"),
        (lambda p, d: read_csv(p, options={"delim": ";"}), ValueError, r"\['delim'\]"),
        (lambda p, d: read_csv(p, shuffle=1), TypeError, "shuffle"),
    ],
    ids=[
        "missing-column",
        "target-feature",
        "missing-file",
        "other-header",
        "extra-column",
        "text",
        "columns",
        "as-frame",
        "batch-size",
        "option",
        "shuffle",
    ],
)
def test_bad_input_is_refused_when_the_reader_is_made(tmp_path, make, error, match):
    paths = write_files(tmp_path, [3, 4])
    with pytest.raises(error, match=match):
        make(paths, tmp_path)


def test_set_params_refuses_a_bad_change_and_keeps_the_old(tmp_path):
    reader = read_csv(write_files(tmp_path, [3]), target="label")
    with pytest.raises(ValueError, match="no column"):
        reader.set_params(target="nope")
    assert reader.target == "label"


def test_only_the_columns_used_must_match(tmp_path):
    paths = write_files(tmp_path, [3])
    other = write_csv(tmp_path / "o.csv", ["label", "id", "f", "extra"], [(1, 3, -3, "x")])
    (batch,) = list(read_csv([*paths, other], columns=["id", "f"], target="label").generate())
    assert batch["X"].tolist() == [[0, 0], [1, -1], [2, -2], [3, -3]]


@pytest.mark.parametrize(
    "content", [b"", b"\xff\xfe\x00\x81garbage\x00\n\x9c", b"a,b\n1,2\n3,4,5,6\n"]
)
def test_a_file_that_cannot_be_parsed_is_named(tmp_path, content):
    (tmp_path / "bad.csv").write_bytes(content)
    with pytest.raises(ValueError, match="bad.csv"):
        read_csv(tmp_path)


def test_text_after_the_first_rows_is_named_while_reading(tmp_path):
    rows = [(i, -i, i % 2) for i in range(6000)]
    rows[5000] = (5000, "oops", 0)
    path = write_csv(tmp_path / "late.csv", ["id", "f", "label"], rows)
    for as_frame in (False, True):
        stream = read_csv(path, target="label", as_frame=as_frame, batch_size=1000).generate()
        assert len(next(stream)["X"]) == 1000  # the reader was made, and reads
        with pytest.raises(ValueError, match="column 'f' of .*late.csv' holds the text 'oops'"):
            list(stream)


def test_a_missing_integer_target_later_on_is_named(tmp_path):
    rows = [(i, i % 2) for i in range(5000)]
    rows[4500] = (4500, "")
    path = write_csv(tmp_path / "y.csv", ["x", "y"], rows)
    with pytest.raises(ValueError, match="target 'y' of .*y.csv' holds float64 values"):
        list(read_csv(path, target="y").generate())
    batches = list(read_csv(path, target="y", options={"dtype": {"y": "float64"}}).generate())
    y = np.concatenate([b["y"] for b in batches])
    assert y.dtype == np.float64 and np.isnan(y[4500]) and y[4501] == 1.0
    with pytest.raises(TypeError, match=r"options\['dtype'\] must be a dict"):
        read_csv(path, options={"dtype": float})


def test_a_file_broken_during_an_epoch_is_named(tmp_path):
    paths = write_files(tmp_path, [10, 10])
    reader = read_csv(paths, batch_size=5)
    stream, later = reader.generate(), reader.generate()  # both checked now
    next(stream)
    (tmp_path / "part001.csv").write_text("id,f,label\n1,2,3\n3,4,5,6,7\n")
    with pytest.raises(ValueError, match="part001.csv' cannot be read.*Expected 3 fields"):
        list(stream)
    (tmp_path / "part001.csv").unlink()
    with pytest.raises(ValueError, match="part001.csv' cannot be read as a CSV file now"):
        list(later)


def test_missing_pandas_names_what_to_install(monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        read_csv(write_files(tmp_path, [2]))


def test_a_directory_reads_its_csv_files_only(tmp_path):
    paths = write_files(tmp_path, [4, 4])
    (tmp_path / "notes.txt").write_text("no data")
    (tmp_path / "._part000.csv").write_bytes(b"macOS metadata")
    assert row_ids(read_csv(tmp_path).generate()) == list(range(8))
    assert row_ids(read_csv(paths[::-1]).generate()) == [*range(4, 8), *range(4)]


@pytest.mark.parametrize(("shuffle", "bound"), [(False, 6), (True, 8)])
def test_memory_stays_bounded_by_chunks(tmp_path, shuffle, bound):
    X = np.random.default_rng(0).random((60_000, 32))  # 15 MiB as float64
    header = ",".join(f"c{j}" for j in range(32))
    np.savetxt(tmp_path / "big0.csv", X, fmt="%.6f", delimiter=",", header=header, comments="")
    paths = [str(tmp_path / "big0.csv")]
    for i in range(1, 4):  # 4 files: 60 MiB of features
        paths.append(str(shutil.copy(paths[0], tmp_path / f"big{i}.csv")))
    reader = read_csv(paths, batch_size=1024, shuffle=shuffle, buffer_size=2048, random_state=0)
    tracemalloc.start()
    try:
        rows = sum(len(batch["X"]) for batch in reader.generate())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows == 240_000
    assert peak < bound << 20  # a chunk (1 MiB), its copies and the window, not a file


def read_all(reader):
    """Every batch of an epoch of ``reader``, its features and targets concatenated."""
    batches = list(reader.generate())
    return np.concatenate([b["X"] for b in batches]), np.concatenate([b["y"] for b in batches])


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("a,b,y\n10,1,2,0\n11,3,4,1\n", "made"),  # pandas would make the first field an index
        ("a,b,y\n10,1,2,0\n3,4,1\n", "made"),  # only the first row is long
        ("a,b,y\n1,2,0\n3,4,1,9\n", "made"),
        ("a,b,y\n" + "1,2,0\n" * 5000 + "3,4,1,9\n", "read"),  # after the first rows
    ],
    ids=["every-row", "first-row", "second-row", "late-row"],
)
def test_rows_longer_than_the_header_are_refused(tmp_path, text, when):
    (tmp_path / "long.csv").write_text(text)
    match = r"long.csv' cannot be read as a CSV file: .*Expected 3 fields in line \d+, saw 4"
    with pytest.raises(ValueError, match=match):
        list(read_csv(tmp_path / "long.csv", target="y").generate())
    if when == "read":
        read_csv(tmp_path / "long.csv", target="y")  # the first rows are fine


def test_a_first_row_made_long_after_the_check_is_refused_while_reading(tmp_path):
    paths = write_files(tmp_path, [10, 10])
    stream = read_csv(paths, target="label", batch_size=5).generate()  # checked now
    next(stream)
    (tmp_path / "part001.csv").write_text("id,f,label\n10,1,2,0\n11,3,4,1\n")
    with pytest.raises(ValueError, match="part001.csv' cannot be read.*Length of header"):
        list(stream)


def write_targets(path, values, first=None):
    """A file of 5,000 rows ``x, y`` with y = x % 3, then a row for each of ``values``;
    ``first`` (if given) is the first row's target."""
    rows = [(i, i % 3) for i in range(5000)]
    if first is not None:
        rows[0] = (0, first)
    return write_csv(path, ["x", "y"], rows + [(5000 + i, v) for i, v in enumerate(values)])


@pytest.mark.parametrize(
    ("first", "late", "value"),
    [(None, 2**63 + 5, 2**63 + 5), (2**63 + 5, -1, -1), (None, 2**64, None)],
    ids=["above-int64", "negative-in-uint64", "above-uint64"],
)
def test_a_late_int_target_that_does_not_fit_is_refused(tmp_path, first, late, value):
    path = write_targets(tmp_path / "big.csv", [late], first)
    reader = read_csv(path, target="y", batch_size=4096)
    match = f"target 'y' of .*big.csv' holds the value {value}" if value else "big.csv'"
    with pytest.raises(ValueError, match=match):
        list(reader.generate())


def test_a_declared_uint64_target_keeps_large_ints(tmp_path):
    path = write_targets(tmp_path / "big.csv", [2**63 + 5, 2**64 - 1])
    _, y = read_all(read_csv(path, target="y", options={"dtype": {"y": "uint64"}}))
    assert y.dtype == np.uint64 and y[-2:].tolist() == [2**63 + 5, 2**64 - 1]
    other = write_csv(tmp_path / "small.csv", ["x", "y"], [(1, -1)])
    with pytest.raises(ValueError, match="small.csv' cannot be read.*uint64.*the column 'y'"):
        read_csv([path, other], target="y", options={"dtype": {"y": "uint64"}})
    write_targets(tmp_path / "first.csv", [], first=2**63 + 5)
    with pytest.raises(ValueError, match="above 2\\*\\*63-1"):  # int64 and uint64 files
        read_csv([tmp_path / "first.csv", other], target="y")


def test_declared_text_columns_stay_text(tmp_path):
    rows = [("01234", 1.5, 0), ("90210", 2.5, 1)]
    path = write_csv(tmp_path / "zip.csv", ["zip", "amount", "y"], rows)
    frames = read_csv(path, target="y", as_frame=True, options={"dtype": {"zip": str}})
    (batch,) = list(frames.generate())
    assert batch["X"]["zip"].tolist() == ["01234", "90210"]
    assert batch["X"]["amount"].dtype == np.float64 and batch["y"].tolist() == [0, 1]
    with pytest.raises(ValueError, match="feature column 'zip' is declared text"):
        read_csv(path, target="y", options={"dtype": {"zip": str}})
    for declared, as_frame in [(str, False), (object, False), ("str", True)]:
        reader = read_csv(path, target="y", as_frame=as_frame, options={"dtype": {"y": declared}})
        (batch,) = list(reader.generate())
        assert list(batch["y"]) == ["0", "1"]
        assert as_frame or batch["y"].dtype == object
    reader = read_csv(path, columns=["amount"], target="zip", options={"dtype": {"zip": str}})
    assert next(iter(reader.generate()))["y"].tolist() == ["01234", "90210"]


@pytest.mark.parametrize(
    "dtype", ["Int64", "boolean", "string", "category", "datetime64[ns]", "complex128"]
)
@pytest.mark.parametrize("column", ["x", "y"])
def test_other_declared_dtypes_are_refused(tmp_path, dtype, column):
    path = write_csv(tmp_path / "d.csv", ["x", "y"], [(1, 0), (2, 1)])
    match = re.escape(f"options['dtype'] gives the column '{column}' the dtype '{dtype}'")
    with pytest.raises(TypeError, match=match):
        read_csv(path, target="y", options={"dtype": {column: dtype}})


def test_declared_dtypes_name_columns_of_the_files(tmp_path):
    path = write_csv(tmp_path / "d.csv", ["x", "y"], [(1, 0), (2, "")])
    with pytest.raises(ValueError, match=r"column 'z', which .*d.csv' lacks; .*\['x', 'y'\]"):
        read_csv(path, target="y", options={"dtype": {"z": str}})
    with pytest.raises(TypeError, match=r"options\['dtype'\] must be a dict"):
        read_csv(path, options={"dtype": {1: str}})
    with pytest.raises(ValueError, match="d.csv' cannot be read.*NA values.*the column 'y'"):
        read_csv(path, target="y", options={"dtype": {"y": "int64"}})
    (batch,) = list(read_csv(path, target="y", options={"dtype": {"y": "float64"}}).generate())
    assert batch["y"].dtype == np.float64 and np.isnan(batch["y"][1])
    with pytest.raises(ValueError, match=r"column 'x'\)"):  # pandas gives its number
        read_csv(path, target="y", options={"dtype": {"x": "bool"}})
    text = write_csv(tmp_path / "t.csv", ["x", "y"], [(1, 0), ("a", 1)])
    with pytest.raises(ValueError, match=r"t.csv' cannot be read.*declares for \['x'\]"):
        read_csv(text, target="y", options={"dtype": {"x": "float64"}})


@pytest.mark.parametrize(
    ("header", "options", "twice"),
    [
        ("x,x,y", None, "x"),
        ("x,y,y", None, "y"),  # the second 'y' would be a feature: target leakage
        ("x;x;y", {"sep": ";"}, "x"),
        ("'a,b','a,b',y", {"quotechar": "'"}, "a,b"),
    ],
)
def test_a_header_naming_a_column_twice_is_refused(tmp_path, header, options, twice):
    sep = (options or {}).get("sep", ",")
    (tmp_path / "dup.csv").write_text(f"{header}\n1{sep}2{sep}0\n")
    with pytest.raises(ValueError, match=f"dup.csv' names the column '{twice}' more than once"):
        read_csv(tmp_path / "dup.csv", target="y", options=options)
    (tmp_path / "dup.csv").write_text(f"{header.replace(twice, 'q', 1)}\n1{sep}2{sep}0\n")
    read_csv(tmp_path / "dup.csv", columns=["q"], target="y", options=options)
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('"x,1","x,2",y\n1,2,0\n')  # commas inside quotes: other names
    assert read_csv(quoted, target="y").generate().__next__()["X"].shape == (1, 2)


def test_short_rows_read_as_missing_values(tmp_path):
    path = write_csv(tmp_path / "short.csv", ["a", "b", "y"], [(1, 2, 0), (3,), (5, 6, 1)])
    (batch,) = list(read_csv(path, target="y").generate())  # documented: pandas pads them
    assert np.isnan(batch["X"][1, 1]) and np.isnan(batch["y"][1])
    rows = [(i, i % 2) for i in range(5000)]
    rows[4500] = (4500,)  # a short row in an int target's later chunk
    late = write_csv(tmp_path / "late.csv", ["x", "y"], rows)
    with pytest.raises(ValueError, match="late.csv' holds float64.*fewer fields than the header"):
        list(read_csv(late, target="y").generate())


def test_missing_value_markers_can_be_read_as_labels(tmp_path):
    labels = ["NA", "None", "null", "n/a", "EU"]
    rows = [(i, "" if i == 1 else "-" if i == 2 else i, label) for i, label in enumerate(labels)]
    path = write_csv(tmp_path / "na.csv", ["id", "a", "y"], rows)
    _, y = read_all(read_csv(path, columns=["id"], target="y"))
    assert [label for label in y if label == label] == ["EU"]  # the others are NaN
    options = {"keep_default_na": False, "na_values": ["", "-"]}
    X, y = read_all(read_csv(path, target="y", options=options))
    assert y.tolist() == labels
    assert np.isnan(X[1:3, 1]).all() and X[[0, 3, 4], 1].tolist() == [0.0, 3.0, 4.0]


def test_a_nameless_header_field_is_not_a_feature(tmp_path):
    frame = pd.DataFrame({"a": [1.0, 2.0], "y": [0, 1]}, index=[10, 11])
    frame.to_csv(tmp_path / "index.csv")  # with its index, under a nameless header field
    match = r"field 1 of the header of .*index.csv' has no name .*'Unnamed: 0'.*columns="
    with pytest.raises(ValueError, match=match):
        read_csv(tmp_path / "index.csv", target="y")
    (batch,) = list(read_csv(tmp_path / "index.csv", columns=["a"], target="y").generate())
    assert batch["X"].tolist() == [[1.0], [2.0]]
    frame.to_csv(tmp_path / "plain.csv", index=False)
    (batch,) = list(read_csv(tmp_path / "plain.csv", target="y", as_frame=True).generate())
    assert list(batch["X"].columns) == ["a"]
