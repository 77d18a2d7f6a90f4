"""zmq_stream never loses a batch, never hangs, and always stops cleanly (issue 11).

Each test runs under a timeout, binds only to loopback, and checks (fixture ``no_leftovers``)
that no child process and no file descriptor is left behind.
"""

import contextlib
import mmap
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
import zmq
from sklearn.linear_model import SGDClassifier
from sklearn.neural_network import MLPClassifier

from sklearn_stream import Mux, Streamer, StreamLearner, ZMQStreamer
from sklearn_stream._zmq.wire import BatchEncoder
from sklearn_stream.exceptions import WorkerError
from sklearn_stream.zmq_stream import zmq_stream


def open_fds():
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
def no_leftovers():
    """Fail a test that leaves a worker process or a file descriptor open."""
    before = open_fds()
    yield
    deadline = time.monotonic() + 2
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []
    assert open_fds() <= before


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def numbered(n, items=4, dtype=np.float32):
    """``n`` batches whose every value is the batch's number."""
    for i in range(n):
        yield {"X": np.full(items, i, dtype=dtype)}


def numbers(stream):
    return [int(batch["X"].flat[0]) for batch in stream]


# -- 1. a slow consumer of a finite stream gets every batch, and no error -----------------
@pytest.mark.timeout(120)
@pytest.mark.parametrize("n_workers", [1, 2])
@pytest.mark.parametrize("items", [4, 1 << 18], ids=["16 B", "1 MiB"])
def test_a_slow_consumer_gets_every_batch_of_a_finite_stream(no_leftovers, n_workers, items):
    got = []
    for batch in ZMQStreamer(Streamer(numbered, 60, items), n_workers=n_workers).generate():
        time.sleep(0.01)  # slower than the workers: they finish long before the consumer
        got.append(int(batch["X"][0]))
    assert sorted(got) == sorted(list(range(60)) * n_workers)


def labelled_batches(n, random_state=0):
    rng = np.random.default_rng(random_state)
    for _ in range(n):
        X = rng.normal(size=(32, 8))
        yield {"X": X, "Y": (X[:, 0] > 0).astype(int)}


@pytest.mark.timeout(180)
def test_a_model_slower_than_its_workers_trains_on_every_batch(no_leftovers):
    stream = ZMQStreamer(Streamer(labelled_batches, 150))
    learner = StreamLearner(MLPClassifier(hidden_layer_sizes=(64,), random_state=0))
    learner.iter_fit(stream, classes=[0, 1])
    assert learner.n_batches_seen_ == 150


# -- 2. batches larger than the remaining byte credit never deadlock ----------------------
def growing(sizes):
    for i, items in enumerate(sizes):
        yield {"X": np.full(items, i, dtype=np.float32)}


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("n_workers", "sizes"),
    [(1, [1 << 18, 1 << 26]), (4, [2 << 20, 15 << 20])],
    ids=["1 MiB then 256 MiB", "4 workers, 8 MiB then 60 MiB"],
)
def test_a_batch_larger_than_the_remaining_window_still_goes(no_leftovers, n_workers, sizes):
    source = ZMQStreamer(Streamer(growing, sizes), n_workers=n_workers)
    got = [(int(batch["X"][0]), batch["X"].size) for batch in source.generate()]
    assert sorted(got) == sorted(list(enumerate(sizes)) * n_workers)


def counted(made, n):
    """``n`` small batches; ``made[0]`` counts those the source has started to make."""
    for i in range(n):
        made[0] += 1
        yield {"X": np.full(4, i)}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("prefetch", [1, 4, 16])
def test_prefetch_bounds_how_far_the_source_runs_ahead(no_leftovers, prefetch):
    # Small batches travel in groups; a group counts as in flight until its last batch
    # was yielded, not from when it arrived.
    made = np.frombuffer(mmap.mmap(-1, 8), dtype=np.int64)  # shared with a forked worker
    ahead = []
    source = Streamer(counted, made, 100)
    for taken, _ in enumerate(zmq_stream(source, prefetch=prefetch, start_method="fork"), 1):
        time.sleep(0.005)
        ahead.append(int(made[0]) - taken)
    assert max(ahead) <= prefetch  # made but not yet taken: in flight, or being made


@pytest.mark.timeout(120)
@pytest.mark.parametrize("prefetch", [None, 1, 3])
def test_small_and_large_batches_keep_their_order(no_leftovers, prefetch):
    sizes = [1 << 16 if i % 7 == 3 else 4 for i in range(60)]
    got = numbers(zmq_stream(Streamer(growing, sizes), prefetch=prefetch))
    assert got == list(range(60))


# -- 3. close() ends a worker that filled its window, and its source's finally: runs ------
def marking_source(path, items):
    try:
        yield from numbered(10**9, items)
    finally:
        with open(path, "w") as f:
            f.write("closed")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("prefetch", [None, 8])
@pytest.mark.parametrize("timeout", [None, 5.0])
@pytest.mark.parametrize("items", [4, 1 << 18], ids=["16 B", "1 MiB"])
def test_close_ends_a_worker_waiting_for_credits_quickly(
    no_leftovers, tmp_path, timeout, items, prefetch
):
    path = tmp_path / "closed"
    source = Streamer(marking_source, str(path), items)
    stream = zmq_stream(source, timeout=timeout, prefetch=prefetch)
    [next(stream) for _ in range(3)]
    time.sleep(0.5)  # the worker fills its window and waits for credits
    started = time.monotonic()
    stream.close()
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"close took {elapsed:.2f} s"
    assert path.read_text() == "closed"  # the source generator was closed in the worker


@pytest.mark.timeout(120)
def test_an_early_break_closes_every_source_generator(no_leftovers, tmp_path):
    paths = [tmp_path / f"closed{i}" for i in range(2)]
    pool = [Streamer(marking_source, str(path), 4) for path in paths]
    source = ZMQStreamer(Mux(pool, 2, lam=None, with_replacement=False), n_workers=2)
    for i, _ in enumerate(source.generate()):
        if i == 50:
            break
    deadline = time.monotonic() + 2
    while not all(path.exists() for path in paths) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [path.read_text() for path in paths] == ["closed", "closed"]


# -- 4. a stranger's flood does not hide a dead worker ------------------------------------
def flood(port, stop):
    context = zmq.Context()
    sock = context.socket(zmq.PUSH)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.SNDHWM, 100)
    sock.connect(f"tcp://127.0.0.1:{port}")
    junk = [b"D" + bytes(16) + b"\x04\x00\x00\x00junk", b"X" * 64]
    while not stop.is_set():
        try:
            sock.send_multipart(junk, zmq.NOBLOCK)
        except zmq.Again:
            time.sleep(0.0001)
    sock.close()
    context.term()


@pytest.mark.timeout(120)
def test_a_killed_worker_is_noticed_while_a_stranger_floods_the_socket(no_leftovers):
    port = free_port()
    stream = zmq_stream(Streamer(numbered, 10**9), min_port=port, max_port=port, prefetch=4)
    next(stream)
    stop = threading.Event()
    stranger = threading.Thread(target=flood, args=(port, stop), daemon=True)
    stranger.start()
    try:
        time.sleep(0.3)
        (victim,) = multiprocessing.active_children()
        os.kill(victim.pid, signal.SIGKILL)
        started = time.monotonic()
        with pytest.raises(WorkerError, match="SIGKILL"):
            for _ in stream:
                pass
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        stranger.join()
        stream.close()
    assert elapsed < 3.0, f"the dead worker was noticed after {elapsed:.1f} s"


def flood_from_many_connections(port, connections, stop):
    """Send junk to ``port`` from ``connections`` sockets at once, until ``stop`` is set."""
    context = zmq.Context()
    socks = []
    for _ in range(connections):
        sock = context.socket(zmq.PUSH)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.SNDHWM, 100)
        sock.connect(f"tcp://127.0.0.1:{port}")
        socks.append(sock)
    while not stop.is_set():
        for sock in socks:
            with contextlib.suppress(zmq.Again):
                sock.send(b"D" + bytes(40), zmq.NOBLOCK)
        time.sleep(0.0001)
    for sock in socks:
        sock.close()
    context.term()


def numbered_then_killed(n):
    """``n`` batches, one per message, then the worker kills itself."""
    for i in range(n):
        yield {"X": np.full(4, i)}
        time.sleep(0.001)  # slower than grouping: one message a batch
    time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.timeout(120)
def test_a_flood_from_many_connections_does_not_hide_a_dead_worker_s_batches(no_leftovers):
    # A stranger that connects many times must not pass for the dead worker's empty queue.
    port = free_port()
    stream = zmq_stream(Streamer(numbered_then_killed, 300), min_port=port, max_port=port)
    got = [int(next(stream)["X"][0])]
    stop = threading.Event()
    stranger = threading.Thread(
        target=flood_from_many_connections, args=(port, 200, stop), daemon=True
    )
    stranger.start()
    try:
        time.sleep(1.5)  # the worker has sent its batches and killed itself
        with pytest.raises(WorkerError, match="SIGKILL"):
            for batch in stream:
                got.append(int(batch["X"][0]))
    finally:
        stop.set()
        stranger.join()
        stream.close()
    assert got == list(range(300))


HANDSHAKE_FAILURES = {
    zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL,
    zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL,
    zmq.EVENT_HANDSHAKE_FAILED_AUTH,
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("login", [None, b"0123456789abcdef"], ids=["no login", "wrong login"])
def test_a_stranger_cannot_log_in(no_leftovers, login):
    from zmq.utils.monitor import recv_monitor_message

    port = free_port()
    stream = zmq_stream(Streamer(numbered, 10**9), min_port=port, max_port=port, prefetch=4)
    next(stream)
    context = zmq.Context()
    stranger = context.socket(zmq.PUSH)
    stranger.setsockopt(zmq.LINGER, 0)
    if login is not None:
        stranger.setsockopt(zmq.PLAIN_USERNAME, login)
        stranger.setsockopt(zmq.PLAIN_PASSWORD, login)
    monitor = stranger.get_monitor_socket()
    monitor.setsockopt(zmq.RCVTIMEO, 10_000)
    stranger.connect(f"tcp://127.0.0.1:{port}")
    outcome = None
    try:
        while outcome is None:
            event = recv_monitor_message(monitor)["event"]
            if event == zmq.EVENT_HANDSHAKE_SUCCEEDED or event in HANDSHAKE_FAILURES:
                outcome = event
    finally:
        stranger.disable_monitor()
        monitor.close()
        stranger.close()
        context.term()
        stream.close()
    assert outcome in HANDSHAKE_FAILURES


@pytest.mark.timeout(120)
def test_a_killed_worker_s_queued_batches_are_all_yielded_first(no_leftovers):
    stream = zmq_stream(Streamer(numbered, 10**9), prefetch=200)
    got = [int(next(stream)["X"][0])]
    time.sleep(0.5)  # the worker has sent its window of 200 batches and waits for credits
    (victim,) = multiprocessing.active_children()
    os.kill(victim.pid, signal.SIGKILL)
    victim.join()
    with pytest.raises(WorkerError, match="SIGKILL"):
        for batch in stream:
            time.sleep(0.005)  # slow: the consumer's own time between batches does not count
            got.append(int(batch["X"][0]))
    assert got == list(range(200))  # every batch it sent, and only then the error


# -- 5. a stranger's huge message is refused before it is allocated ------------------------
CONSUMER = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from sklearn_stream import Streamer
    from sklearn_stream.zmq_stream import zmq_stream

    def paced(n):
        for i in range(n):
            time.sleep(0.02)
            yield {"X": np.full(4, i)}

    port, pause = int(sys.argv[1]), float(sys.argv[2])
    stream = zmq_stream(Streamer(paced, 150), min_port=port, max_port=port,
                        max_batch_bytes=1 << 20)
    got = [int(next(stream)["X"][0])]
    print("ready", flush=True)
    for batch in stream:
        got.append(int(batch["X"][0]))
        time.sleep(pause)  # a consumer this slow leaves what arrives queued
    assert got == list(range(150)), got
    with open("/proc/self/status") as f:  # VmHWM: the peak resident size of this process
        peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) // 1024
    print("peak_mib", peak, flush=True)
    """
)


# A stranger's sends may block for good once its login is refused (its socket then has no
# peer): each gives up after SNDTIMEO.
def send_one_huge_frame(sock):
    sock.send(bytes(256 << 20))  # 256 MiB in one frame


def send_many_frames(sock):
    frame = bytes(1 << 20)  # each frame under the limit, 300 MiB in one message
    for _ in range(299):
        sock.send(frame, zmq.SNDMORE)
    sock.send(frame)


def send_many_messages(sock):
    frame = bytes(1 << 20)  # 300 messages of 1 MiB, to a consumer that is slow
    for _ in range(300):
        sock.send(frame)


@pytest.mark.slow
@pytest.mark.timeout(180)
@pytest.mark.parametrize(
    ("send", "pause"),
    [(send_one_huge_frame, 0.0), (send_many_frames, 0.0), (send_many_messages, 0.02)],
    ids=["one huge frame", "many frames", "many messages"],
)
def test_a_stranger_s_huge_message_is_never_allocated(no_leftovers, send, pause):
    port = free_port()
    consumer = subprocess.Popen(
        [sys.executable, "-c", CONSUMER, str(port), str(pause)],
        stdout=subprocess.PIPE,
        text=True,
    )
    context = zmq.Context()
    stranger = context.socket(zmq.PUSH)
    stranger.setsockopt(zmq.LINGER, 0)
    stranger.setsockopt(zmq.SNDTIMEO, 5000)
    try:
        assert consumer.stdout.readline().strip() == "ready"
        stranger.connect(f"tcp://127.0.0.1:{port}")
        with contextlib.suppress(zmq.Again):
            send(stranger)
        out, _ = consumer.communicate(timeout=120)
    finally:
        stranger.close()
        context.term()
        consumer.kill()
        consumer.wait()
        consumer.stdout.close()
    assert consumer.returncode == 0
    peak = int(out.split()[-1])
    assert peak < 300, f"the consumer's memory peaked at {peak} MiB"  # about 150 without


def test_a_batch_larger_than_max_batch_bytes_raises_a_clear_error(no_leftovers):
    with pytest.raises(ValueError, match=r"max_batch_bytes \(1000\)"):
        list(zmq_stream(Streamer(numbered, 3, 1000), max_batch_bytes=1000))


@pytest.mark.parametrize("value", [0, -1, 1.5, "big"])
def test_max_batch_bytes_is_validated(value):
    with pytest.raises((TypeError, ValueError), match="max_batch_bytes"):
        ZMQStreamer(Streamer(numbered, 3), max_batch_bytes=value)


# -- 6. epochs through one worker differ as they do in-process ----------------------------
def pool():
    return [Streamer(numbered, 1000, 1, np.int64) for _ in range(4)]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("random_state", [0, 7])
def test_epochs_through_one_worker_equal_the_in_process_epochs(no_leftovers, random_state):
    def mux():
        return Mux(pool(), 2, lam=4, random_state=random_state)

    in_process = mux()
    expected = [numbers(in_process.generate(40)) for _ in range(3)]
    through = ZMQStreamer(mux())
    got = [numbers(through.generate(40)) for _ in range(3)]
    assert got == expected
    assert expected[0] != expected[1] != expected[2]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("seed", [np.random.RandomState(0), np.random.default_rng(0)])
def test_epochs_differ_for_a_source_seeded_by_a_generator_object(no_leftovers, seed):
    through = ZMQStreamer(Mux(pool(), 2, lam=4, random_state=seed))
    first, second = (numbers(through.generate(40)) for _ in range(2))
    assert first != second


# -- 7. workers share the consumer's data instead of copying it ---------------------------
MEMORY = textwrap.dedent(
    """
    import sys
    import numpy as np
    from sklearn_stream import Streamer, ZMQStreamer

    def rss_mib():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS"):
                    return int(line.split()[1]) // 1024

    def noisy(X, random_state=None):
        rng = np.random.default_rng(random_state)
        while True:
            rows = rng.integers(len(X), size=16)
            yield {"X": X[rows]}

    X = np.ones((1 << 17, 256))  # 256 MiB
    before = rss_mib()
    source = ZMQStreamer(Streamer(noisy, X, random_state=0), n_workers=int(sys.argv[1]),
                         start_method="fork")
    stream = source.generate()
    next(stream)
    print(rss_mib() - before)
    stream.close()
    """
)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_the_consumer_does_not_copy_the_data_for_each_worker():
    growth = {}
    for n_workers in (1, 4):
        result = subprocess.run(
            [sys.executable, "-c", MEMORY, str(n_workers)],
            capture_output=True,
            text=True,
            timeout=100,
            check=True,
        )
        growth[n_workers] = int(result.stdout.split()[-1])
    assert growth[4] < 64, f"the consumer grew by {growth} MiB (workers: growth)"


# -- 8. memory maps and pandas objects travel like any array -------------------------------
@pytest.mark.timeout(60)
def test_a_memmap_is_sent_like_any_array(no_leftovers, tmp_path):
    path = tmp_path / "X.npy"
    data = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(50, 3))
    data[:] = np.arange(150).reshape(50, 3)
    data.flush()

    def rows(path):
        X = np.load(path, mmap_mode="r")
        for start in range(0, len(X), 20):
            yield {"X": X[start : start + 20], "whole": X}

    got = list(zmq_stream(Streamer(rows, str(path))))
    np.testing.assert_array_equal(np.concatenate([b["X"] for b in got]), data)
    np.testing.assert_array_equal(got[0]["whole"], data)


@pytest.mark.timeout(60)
def test_pandas_batches_keep_columns_dtypes_and_row_order(no_leftovers):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {"a": np.arange(6, dtype=np.float32), 3: np.arange(6) * 2, "flag": np.arange(6) > 2},
        index=[9, 3, 4, 1, 0, 7],
    )
    target = pd.Series(np.arange(6) % 2, name="y", index=frame.index)

    def batches():
        yield {"X": frame, "y": target}
        yield {"X": frame.iloc[:2], "y": target.iloc[:2]}
        yield {"X": frame.iloc[:, :0], "y": target}  # rows without columns

    got = list(zmq_stream(Streamer(batches)))
    pd.testing.assert_frame_equal(got[0]["X"], frame.reset_index(drop=True))
    pd.testing.assert_series_equal(got[0]["y"], target.reset_index(drop=True))
    pd.testing.assert_frame_equal(got[1]["X"], frame.iloc[:2].reset_index(drop=True))
    assert got[2]["X"].shape == (6, 0)
    pd.testing.assert_index_equal(got[2]["X"].index, pd.RangeIndex(6))


@pytest.mark.timeout(60)
def test_a_learner_trains_from_pandas_batches_through_workers(no_leftovers):
    pd = pytest.importorskip("pandas")

    def frames(n):
        rng = np.random.default_rng(0)
        for _ in range(n):
            X = pd.DataFrame(rng.normal(size=(16, 3)), columns=["u", "v", "w"])
            yield {"X": X, "y": pd.Series((X["u"] > 0).astype(int), name="y")}

    learner = StreamLearner(SGDClassifier(random_state=0))
    learner.iter_fit(ZMQStreamer(Streamer(frames, 5)), classes=[0, 1])
    assert list(learner.estimator_.feature_names_in_) == ["u", "v", "w"]
    assert learner.n_batches_seen_ == 5


@pytest.mark.timeout(60)
def test_a_dataframe_with_object_columns_raises_naming_the_column(no_leftovers):
    pd = pytest.importorskip("pandas")

    def batches():
        yield {"X": pd.DataFrame({"a": [1.0], "name": ["x"]})}

    with pytest.raises(TypeError, match="'X'.*column 'name'"):
        list(zmq_stream(Streamer(batches)))


# -- found by review: more ways a worker could fail unnoticed ----------------------------
def tagged_endless():
    while True:
        yield {"pid": os.getpid(), "X": np.zeros(4)}
        time.sleep(0.001)


@pytest.mark.timeout(120)
def test_a_killed_worker_is_noticed_while_the_others_keep_streaming(no_leftovers):
    stream = ZMQStreamer(Streamer(tagged_endless), n_workers=2).generate()
    killed_at = None
    with pytest.raises(WorkerError, match="SIGKILL"):
        for i, batch in enumerate(stream):
            if i == 20:
                os.kill(batch["pid"], signal.SIGKILL)
                killed_at = time.monotonic()
            assert killed_at is None or time.monotonic() - killed_at < 10, "never noticed"
            time.sleep(0.01)  # a consumer slower than the workers
    stream.close()


def failing_with_a_long_message(length):
    yield {"X": np.zeros(2)}
    raise ValueError("x" * length)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("max_batch_bytes", [1000, 1 << 20])
def test_an_error_report_larger_than_max_batch_bytes_still_arrives(no_leftovers, max_batch_bytes):
    stream = zmq_stream(
        Streamer(failing_with_a_long_message, 600_000), max_batch_bytes=max_batch_bytes
    )
    with pytest.raises(ValueError, match="(?s)^xxx.*characters left out.*xxx$") as info:
        list(stream)
    assert "characters left out" in info.value.worker_traceback


ORPHANS = textwrap.dedent(
    """
    import os, sys, time
    import numpy as np
    from sklearn_stream import Streamer
    from sklearn_stream.zmq_stream import ZMQStreamer

    def slow():
        while True:
            time.sleep(0.05)
            yield {"pid": os.getpid(), "X": np.zeros(3)}

    stream = ZMQStreamer(Streamer(slow), n_workers=2, start_method=sys.argv[1]).generate()
    pids = set()
    while len(pids) < 2:  # a spawned worker may start well after the other one
        pids.add(int(next(stream)["pid"]))
    print(*pids, flush=True)
    time.sleep(60)
    """
)


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_workers_of_a_killed_consumer_exit_even_before_it_is_reaped(start_method):
    consumer = subprocess.Popen(
        [sys.executable, "-c", ORPHANS, start_method], stdout=subprocess.PIPE, text=True
    )
    try:
        pids = [int(pid) for pid in consumer.stdout.readline().split()]
        assert len(pids) == 2
        os.kill(consumer.pid, signal.SIGKILL)  # not reaped yet: a zombie until wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(os.path.exists(f"/proc/{p}") for p in pids):
            time.sleep(0.05)
        alive = [p for p in pids if os.path.exists(f"/proc/{p}")]
    finally:
        consumer.kill()
        consumer.wait()
        consumer.stdout.close()
    assert alive == [], "workers outlived their killed consumer by 10 s"


def count_batches_in_workers(n):
    return len(list(ZMQStreamer(Streamer(numbered, n), n_workers=2).generate()))


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_zmq_streams_work_inside_joblib_workers():
    # no fd check: joblib keeps its own resource tracker open for the rest of the session
    from joblib import Parallel, delayed
    from joblib.externals.loky import get_reusable_executor

    try:
        counts = Parallel(n_jobs=2, backend="loky")(
            delayed(count_batches_in_workers)(n) for n in (5, 7)
        )
    finally:
        get_reusable_executor().shutdown(wait=True)  # joblib keeps its workers otherwise
    assert counts == [10, 14]
    assert multiprocessing.active_children() == []


def global_draws(n):
    for _ in range(n):
        yield {"X": np.random.random(3)}  # noqa: NPY002 (the global generator on purpose)


@pytest.mark.timeout(60)
def test_a_source_using_numpy_global_generator_differs_between_epochs(no_leftovers):
    source = ZMQStreamer(Streamer(global_draws, 3), start_method="fork")
    first, second = ([b["X"].tolist() for b in source.generate()] for _ in range(2))
    assert first != second


def raising(exc):
    yield {"X": np.zeros(2)}
    raise exc


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "exc", [KeyError("missing"), ValueError("a", 2), OSError(2, "gone")], ids=repr
)
def test_a_built_in_exception_keeps_its_arguments(no_leftovers, exc):
    expected = KeyError if isinstance(exc, KeyError) else type(exc)
    with pytest.raises((expected, WorkerError)) as info:
        list(zmq_stream(Streamer(raising, exc)))
    if not isinstance(exc, OSError):  # OSError subclasses come back as WorkerError
        assert info.value.args == exc.args


@pytest.mark.timeout(60)
def test_a_value_that_cannot_be_sent_raises_batch_error(no_leftovers):
    from sklearn_stream.exceptions import BatchError

    def batches():
        yield {"X": np.array(["a", "b"], dtype=object)}

    with pytest.raises(BatchError, match="'X'.*numpy.ndarray of dtype object"):
        list(zmq_stream(Streamer(batches)))


# -- small batches travel in groups, and never wait long for one --------------------------
def quick_then_stuck(n, seconds):
    yield from numbered(n)
    time.sleep(seconds)  # the source stalls with batches made and not yet sent


@pytest.mark.timeout(120)
def test_held_batches_go_while_the_source_is_busy(no_leftovers):
    stream = zmq_stream(Streamer(quick_then_stuck, 5, 30), timeout=0.2)
    started = time.monotonic()
    got = numbers(next(stream) for _ in range(5))
    elapsed = time.monotonic() - started
    stream.close()
    assert got == list(range(5))
    assert elapsed < 5, f"the batches waited {elapsed:.1f} s for the stalled source"


def quick_then_failing(n):
    yield from numbered(n)
    raise ValueError("the source broke")


@pytest.mark.timeout(60)
def test_batches_made_before_an_error_arrive_before_it(no_leftovers):
    got = []
    with pytest.raises(ValueError, match="the source broke"):
        for batch in zmq_stream(Streamer(quick_then_failing, 500)):
            got.append(int(batch["X"][0]))
    assert got == list(range(500))


@pytest.mark.timeout(120)
@pytest.mark.parametrize("n_workers", [1, 2])
def test_many_small_batches_arrive_exactly_once_in_order_per_worker(no_leftovers, n_workers):
    got = [
        (int(b["X"][0]), int(b["w"]))
        for b in ZMQStreamer(
            Streamer(worker_numbered, 5000), n_workers=n_workers, random_state=0
        ).generate()
    ]
    by_worker = {}
    for i, w in got:
        by_worker.setdefault(w, []).append(i)
    assert sorted(by_worker.values()) == [list(range(5000))] * n_workers


def worker_numbered(n, random_state=None):
    tag = np.random.default_rng(random_state).integers(2**31)
    for i in range(n):
        yield {"X": np.full(4, i), "w": tag}


def bursts_of_exact_size(rounds, items):
    X = np.zeros(items, np.uint8)
    for _ in range(rounds):
        time.sleep(0.005)
        for _ in range(18):
            yield {"x": X}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("items", [4304, 1024, 16])
def test_a_group_never_exceeds_what_the_consumer_accepts(no_leftovers, items):
    # with these sizes a group of packed messages filled right up to GROUP_BYTES used to
    # exceed max_batch_bytes + HEADER_ROOM by its head: the socket dropped it unread
    size = len(b"".join(BatchEncoder(bytes(16)).pieces({"x": np.zeros(items, np.uint8)})[1]))
    stream = zmq_stream(Streamer(bursts_of_exact_size, 3, items), max_batch_bytes=size)
    assert sum(1 for _ in stream) == 54
