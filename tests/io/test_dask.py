"""from_dask: every row once per epoch by row chunks or partitions, in process, through
zmq_stream workers and on a distributed cluster; DataFrames; unknown chunk sizes;
alignment of X and y; bad input; bounded memory; the scheduler of a stream worker and of
any other (forked) process; persisted collections. Every collection is made by the
test."""

import multiprocessing
import pickle
import sys
import textwrap
import threading
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier

from sklearn_stream import Streamer, StreamLearner, _process
from sklearn_stream.io import DaskReader, from_dask
from sklearn_stream.zmq_stream import ZMQStreamer
from tests.clusters import loopback_cluster
from tests.io.epochs import check_epochs, row_ids
from tests.scripts import run_script

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")


def numbered(row_chunks, width=2, column_chunk=None):
    """Rows numbered 0, 1, ... as a dask array: column 0 is the number, the others its
    negative; y is the number modulo 2."""
    ids = np.arange(sum(row_chunks))
    data = np.column_stack([ids] + [-ids] * (width - 1)).astype(float)
    X = da.from_array(data, chunks=(tuple(row_chunks), column_chunk or width))
    return X, da.from_array(ids % 2, chunks=(tuple(row_chunks),))


def numbered_frame(n_rows, npartitions):
    ids = np.arange(n_rows, dtype=float)
    frame = pd.DataFrame({"id": ids, "neg": -ids, "label": ids.astype(int) % 2})
    df = dd.from_pandas(frame, npartitions=npartitions)
    return df[["id", "neg"]], df["label"]


def assert_rows_keep_their_targets(batches):
    for batch in batches:
        X = np.asarray(batch["X"])
        assert np.array_equal(X[:, 1], -X[:, 0])
        assert np.array_equal(np.asarray(batch["y"]), X[:, 0].astype(int) % 2)


def make_collection(kind, row_chunks):
    """X, y and the row numbers they hold: an array, the same filtered by a boolean mask
    (chunk sizes unknown), or a DataFrame of as many partitions as row chunks."""
    n = sum(row_chunks)
    if kind == "frame":
        X, y = numbered_frame(n, len(row_chunks))
        return X, y, list(range(n))
    X, y = numbered(row_chunks, width=3, column_chunk=2)
    if kind == "array":
        return X, y, list(range(n))
    keep = X[:, 0] % 3 != 1
    return X[keep], y[keep], [i for i in range(n) if i % 3 != 1]


@settings(max_examples=15, deadline=None)
@given(
    kind=st.sampled_from(["array", "filtered", "frame"]),
    row_chunks=st.lists(st.integers(1, 12), min_size=1, max_size=6),
    batch_size=st.integers(1, 16),
    shuffle=st.booleans(),
)
def test_every_row_once_per_epoch(kind, row_chunks, batch_size, shuffle):
    X, y, ids = make_collection(kind, row_chunks)
    reader = from_dask(X, y, batch_size=batch_size, shuffle=shuffle, random_state=0)
    for batches in check_epochs(reader, ids, batch_size, not shuffle):
        assert_rows_keep_their_targets(batches)


def test_shuffled_epochs_repeat_for_an_int_and_differ():
    X, y = numbered([10] * 10)

    def epochs(reader):
        return [row_ids(reader.generate()) for _ in range(2)]

    first = epochs(from_dask(X, y, batch_size=8, shuffle=True, random_state=2))
    assert first == epochs(from_dask(X, y, batch_size=8, shuffle=True, random_state=2))
    assert first[0] != first[1]
    assert sorted(first[0]) == sorted(first[1]) == list(range(100))


def test_data_frames_give_pandas_batches_and_feature_names():
    X, y = numbered_frame(30, 4)
    batches = list(from_dask(X, y, batch_size=7).generate())
    assert isinstance(batches[0]["X"], pd.DataFrame) and isinstance(batches[0]["y"], pd.Series)
    assert list(batches[0]["X"].columns) == ["id", "neg"]
    assert row_ids(batches) == list(range(30))
    learner = StreamLearner(SGDClassifier(random_state=0)).iter_fit(
        from_dask(X, y, batch_size=8), classes=[0, 1]
    )
    assert list(learner.feature_names_in_) == ["id", "neg"]
    assert learner.n_samples_seen_ == 30
    # several outputs as a DataFrame; no y at all; a target array made from the frame
    (both,) = from_dask(X, X, batch_size=30).generate()
    assert both["y"].shape == (30, 2)
    assert set(next(iter(from_dask(X).generate()))) == {"X"}
    mixed = list(from_dask(X, y.to_dask_array(), batch_size=30).generate())
    assert isinstance(mixed[0]["y"], np.ndarray)
    assert_rows_keep_their_targets(mixed)


def test_text_columns_of_a_frame_are_kept_for_a_pipeline():
    frame = pd.DataFrame({"city": ["a", "b", "c", "d"], "x": [1.0, 2.0, 3.0, 4.0]})
    (batch,) = from_dask(dd.from_pandas(frame, npartitions=2), batch_size=4).generate()
    assert batch["X"]["city"].tolist() == ["a", "b", "c", "d"]


def test_x_and_y_of_a_block_are_computed_together_once():
    calls = []

    def record(block):
        calls.append(len(block))
        return block

    base = da.arange(40, chunks=10).map_blocks(record, meta=np.array((), dtype=int))
    X, y = da.stack([base, -base], axis=1), base % 2
    assert_rows_keep_their_targets(list(from_dask(X, y, batch_size=40).generate()))
    assert calls == [10, 10, 10, 10]  # one run of the shared task per block, not two


def test_a_y_in_other_known_chunks_is_rechunked_to_those_of_x():
    X, _ = numbered([7, 7, 6])
    y = da.arange(20, chunks=5) % 2
    reader = from_dask(X, y, batch_size=3)
    assert_rows_keep_their_targets(list(reader.generate()))
    assert row_ids(reader.generate()) == list(range(20))


def test_blocks_of_unknown_size_that_disagree_are_named():
    X, y = numbered([5, 5, 5])
    keep_x, keep_y = X[:, 0] % 2 == 0, da.from_array(np.arange(15) % 3 == 0, chunks=5)
    reader = from_dask(X[keep_x], y[keep_y])  # same number of blocks: checked on compute
    with pytest.raises(ValueError, match=r"block 0 of X has 3 rows but the same block of y"):
        list(reader.generate())


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda X, y: from_dask(np.zeros((4, 2))), TypeError, r"X must be a dask.*ndarray"),
        (lambda X, y: from_dask(pd.DataFrame({"a": [1]})), TypeError, "from_pandas"),
        (lambda X, y: from_dask(X[:, 0]), ValueError, r"2-D dask array.*X\[:, None\]"),
        (
            lambda X, y: from_dask(da.from_array(np.array([["a"]], dtype=object), chunks=1)),
            ValueError,
            "dtype object; it must be numeric",
        ),
        (lambda X, y: from_dask(numbered_frame(4, 2)[1]), ValueError, "X.to_frame()"),
        (lambda X, y: from_dask(X, np.zeros(20)), TypeError, "y must be a dask array"),
        (lambda X, y: from_dask(X, da.zeros((20, 1, 1))), ValueError, "y must be a 1-D or 2-D"),
        (
            lambda X, y: from_dask(X, y[:19]),
            ValueError,
            r"not aligned: X is a 2-D dask array of 2 row chunks .* y a 1-D dask array",
        ),
        (
            lambda X, y: from_dask(X[X[:, 0] > 3], y.rechunk(((7, 7, 6),))),
            ValueError,
            r"2 row chunks \(unknown sizes\) and y a 1-D dask array of 3 row chunks.*"
            r"\(X\.compute_chunk_sizes\(\);",
        ),
        (
            lambda X, y: from_dask(numbered_frame(8, 2)[0], numbered_frame(8, 4)[1]),
            ValueError,
            "DataFrame of 2 partitions and y a dask Series of 4 partitions",
        ),
        (lambda X, y: from_dask(X, y, batch_size=0), ValueError, "batch_size"),
        (lambda X, y: from_dask(X, y, shuffle="yes"), TypeError, "shuffle"),
    ],
    ids=[
        "numpy",
        "pandas",
        "1-D",
        "object",
        "series",
        "y-numpy",
        "y-3-D",
        "y-rows",
        "unknown-vs-known",
        "partitions",
        "batch-size",
        "shuffle",
    ],
)
def test_bad_input_is_refused_when_the_reader_is_made(make, error, match):
    X, y = numbered([10, 10])
    with pytest.raises(error, match=match):
        make(X, y)


def test_the_misalignment_error_suggests_what_works_for_unknown_chunk_sizes():
    X, y = numbered([10, 10])
    keep = X[:, 0] >= 0  # every row, in chunks of unknown sizes
    with pytest.raises(ValueError, match="not aligned") as error:
        from_dask(X[keep], y.rechunk(((7, 7, 6),)))
    assert "rechunk(" not in str(error.value)  # it cannot work with unknown chunks
    assert "X.compute_chunk_sizes()" in str(error.value)
    reader = from_dask(X[keep].compute_chunk_sizes(), y.rechunk(((7, 7, 6),)))  # as told
    assert_rows_keep_their_targets(list(reader.generate()))
    with pytest.raises(ValueError, match=r"X has 20 rows and y 19\.$"):
        from_dask(X, y[:19])  # known chunks: nothing but one collection would do


def test_without_dask_the_error_says_how_to_install_it(monkeypatch):
    X, y = numbered([4])
    monkeypatch.setitem(sys.modules, "dask", None)
    with pytest.raises(ImportError, match=r"pip install -e '\.\[dask\]'"):
        from_dask(X, y)


def test_a_reader_is_a_parameter_that_clones_and_pickles():
    X, y = numbered([6, 6, 6])
    reader = from_dask(X, y, batch_size=4)
    assert isinstance(reader, DaskReader)
    twin = clone(reader)
    assert twin.get_params()["batch_size"] == 4 and twin is not reader
    assert twin.X is reader.X and twin.y is reader.y  # shared: dask collections never change
    assert row_ids(pickle.loads(pickle.dumps(reader)).generate()) == list(range(18))
    assert [len(b["X"]) for b in reader.set_params(batch_size=5).generate()] == [5, 5, 5, 3]
    learner = StreamLearner(SGDClassifier(random_state=0), stream=reader, random_state=0)
    learner.set_params(stream__batch_size=9)
    assert learner.get_params()["stream__batch_size"] == 9
    with pytest.raises(ValueError, match="batch_size"):
        learner.set_params(stream__batch_size=0)
    assert reader.batch_size == 9  # an invalid change leaves the reader as it was


@pytest.mark.timeout(60)
def test_workers_share_the_blocks_even_after_dask_ran_here():
    X, y = numbered([9, 8, 7, 6, 5])
    X.sum().compute()  # dask's thread pool now exists here; a forked worker cannot use it
    for source in (
        ZMQStreamer(from_dask(X, y, batch_size=4), n_workers=2, random_state=0),
        ZMQStreamer(Streamer(from_dask, X, y, batch_size=4), n_workers=2),
        ZMQStreamer(from_dask(X, y, batch_size=4, shuffle=True, random_state=1), n_workers=2),
    ):
        for _ in range(2):
            batches = list(source.generate())
            assert sorted(row_ids(batches)) == list(range(35))
            assert_rows_keep_their_targets(batches)
    assert multiprocessing.active_children() == []


def in_calling_thread(block):
    """1.0 for each row computed in the thread that called dask.compute, else 0.0."""
    return np.full((len(block), 1), float(threading.current_thread() is threading.main_thread()))


def test_a_stream_worker_computes_synchronously_any_other_process_as_configured(monkeypatch):
    X = da.zeros((40, 1), chunks=10).map_blocks(in_calling_thread, dtype=float)

    def share_in_calling_thread():
        return float(np.mean([b["X"].mean() for b in from_dask(X, batch_size=10).generate()]))

    with dask.config.set(scheduler="threads"):
        assert share_in_calling_thread() == 0.0  # dask's setting: the thread pool
        monkeypatch.setattr(_process, "_in_worker", True)  # as run_worker marks a worker
        assert share_in_calling_thread() == 1.0  # the synchronous scheduler


# Run in an interpreter of its own: a process whose distributed event loop already runs (an
# earlier test's cluster) cannot start a cluster in a forked child, whatever sklearn_stream
# does, so the test must not depend on what ran before it in the test process.
FORKED_CLIENT_SCRIPT = textwrap.dedent(
    """
    import json
    import multiprocessing

    import dask.array as da
    import distributed
    import numpy as np

    from sklearn_stream.io import from_dask


    def on_its_own_cluster(queue):
        # In a forked process that is no zmq_stream worker: start a cluster, stream
        # from_dask there and report the rows and the tasks the cluster ran.
        try:
            with (
                distributed.LocalCluster(
                    n_workers=1,
                    threads_per_worker=1,
                    processes=False,
                    protocol="tcp",
                    host="127.0.0.1",
                    dashboard_address=None,
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                ) as local,
                distributed.Client(local) as client,
            ):
                ids = np.arange(40)
                X = da.from_array(np.column_stack([ids, -ids]).astype(float), chunks=(10, 2))
                y = da.from_array(ids % 2, chunks=10)
                X, y = X + 0, y + 0  # tasks of their own for the cluster to run
                with distributed.get_task_stream(client) as tasks:
                    batches = list(from_dask(X, y, batch_size=8).generate())
                rows = np.concatenate([b["X"][:, 0] for b in batches]).astype(int).tolist()
                workers = {task["worker"] for task in tasks.data}
                on_it = workers <= set(local.scheduler_info["workers"])
                queue.put([rows, len(tasks.data), on_it])
        except BaseException as exc:  # reported, not lost in the child
            queue.put(repr(exc))


    if __name__ == "__main__":
        da.ones(10, chunks=5).sum().compute()  # dask ran here before the fork
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        child = context.Process(target=on_its_own_cluster, args=(queue,))
        child.start()
        try:
            report = queue.get(timeout=90)
        finally:
            child.join(30)
            if child.is_alive():
                child.kill()
                child.join()
        print(json.dumps({"report": report, "exitcode": child.exitcode}))
    """
)


@pytest.mark.timeout(200)
def test_a_forked_process_that_is_no_stream_worker_computes_on_its_own_client(tmp_path):
    pytest.importorskip("distributed")
    done = run_script(FORKED_CLIENT_SCRIPT, tmp_path)
    report = done["report"]
    assert not isinstance(report, str), report
    rows, n_tasks, on_the_cluster = report
    assert rows == list(range(40))
    assert n_tasks > 0 and on_the_cluster  # the child's Client, not dask's sync scheduler
    assert done["exitcode"] == 0
    assert multiprocessing.active_children() == []


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_spawned_workers_get_the_reader_pickled():
    X, y = numbered([6, 6, 6])
    source = ZMQStreamer(from_dask(X, y, batch_size=4), n_workers=2, start_method="spawn")
    assert sorted(row_ids(source.generate())) == list(range(18))
    assert multiprocessing.active_children() == []


@pytest.mark.timeout(60)
def test_a_worker_stopped_early_leaves_nothing_behind():
    X, y = numbered([10] * 20)
    stream = ZMQStreamer(from_dask(X, y, batch_size=5), n_workers=2).generate()
    assert len(next(iter(stream))["X"]) == 5
    stream.close()
    assert multiprocessing.active_children() == []


def test_memory_stays_bounded_by_a_few_blocks():
    rows, width, chunk = 1 << 16, 64, 1 << 13  # 32 MiB of float64 in 8 blocks of 4 MiB
    X = da.random.default_rng(0).random((rows, width), chunks=(chunk, width))
    y = (X[:, 0] > 0.5).astype(int)
    reader = from_dask(X, y, batch_size=1024)
    tracemalloc.start()
    try:
        seen = sum(len(batch["X"]) for batch in reader.generate())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seen == rows
    assert peak < 14 << 20  # a block (4 MiB) and its copies, not the collection (32 MiB)


# -- on a distributed cluster ---------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster():
    with loopback_cluster() as local:
        yield local


@pytest.mark.timeout(120)
def test_with_a_client_blocks_are_computed_on_the_cluster_and_train(cluster):
    distributed = pytest.importorskip("distributed")
    X, y = numbered([25] * 8)
    X, y = X + 0, y + 0  # tasks of their own for the cluster to run
    with distributed.Client(cluster) as client:
        with distributed.get_task_stream(client) as tasks:
            batches = list(from_dask(X, y, batch_size=16).generate())
        assert row_ids(batches) == list(range(200))
        assert_rows_keep_their_targets(batches)
        workers = {task["worker"] for task in tasks.data}
        assert workers and workers <= set(cluster.scheduler_info["workers"])
        learner = StreamLearner(SGDClassifier(random_state=0)).iter_fit(
            from_dask(X, y, batch_size=16, shuffle=True, random_state=0), classes=[0, 1]
        )
        assert learner.n_samples_seen_ == 200
        # forked zmq workers cannot use the client's connection: they compute locally
        source = ZMQStreamer(from_dask(X, y, batch_size=16), n_workers=2, random_state=0)
        assert sorted(row_ids(source.generate())) == list(range(200))
        assert not [p for p in multiprocessing.active_children() if "zmq" in p.name]
        assert int(X[:, 0].sum().compute()) == sum(range(200))  # the client still works


def test_workers_shares_look_for_futures_once_per_collection(monkeypatch):
    from sklearn_stream.io import _dask

    looked = []
    monkeypatch.setattr(_dask, "_persisted", lambda X, y: looked.append((X, y)) or [])
    X, y = numbered([5] * 4)
    reader = from_dask(X, y)
    for _ in range(3):  # epochs
        shares, _ints = reader._worker_shares([1, 2])
        assert sorted(row_ids(b for share in shares for b in share.generate())) == list(range(20))
    assert len(looked) == 1  # a graph may have many tasks to walk
    reader.set_params(y=y + 0)._worker_shares([1, 2])
    assert len(looked) == 2 and looked[1][1] is reader.y


PERSISTED = r"^X holds distributed Futures \(persisted on a cluster.*Stream it in this process"


@pytest.mark.timeout(120)
def test_a_persisted_collection_is_refused_clearly_by_workers(cluster, monkeypatch, tmp_path):
    distributed = pytest.importorskip("distributed")
    X, y = numbered([10] * 6)
    with distributed.Client(cluster) as client:
        persisted = client.persist(X)
        in_process = list(from_dask(persisted, y, batch_size=16).generate())
        assert row_ids(in_process) == list(range(60))  # in this process: on the cluster
        with pytest.raises(ValueError, match=PERSISTED):  # in the main process, before
            from_dask(persisted, y)._worker_shares([1, 2])  # any worker starts
        with pytest.raises(ValueError, match=r"^y holds distributed Futures"):
            from_dask(X, client.persist(y))._worker_shares([1, 2])
        with pytest.raises(ValueError, match=PERSISTED):
            list(ZMQStreamer(from_dask(persisted, y), n_workers=2).generate())
        pd.DataFrame({"id": np.arange(30.0)}).to_parquet(tmp_path / "a.parquet")
        frame = dd.read_parquet(tmp_path / "a.parquet").repartition(npartitions=3)
        with pytest.raises(ValueError, match=PERSISTED):
            from_dask(client.persist(frame))._worker_shares([1, 2])

        # one worker and no random_state: the reader goes as it is, without shares; the
        # worker finds the Futures missing and says the same
        def no_shares(self, random_ints):
            raise AssertionError("no shares are made for one worker without random_state")

        monkeypatch.setattr(DaskReader, "_worker_shares", no_shares)
        with pytest.raises(ValueError, match=PERSISTED):
            list(ZMQStreamer(from_dask(persisted, y), n_workers=1).generate())
    assert not [p for p in multiprocessing.active_children() if "zmq" in p.name]
