"""zmq_stream leaves nothing behind: workers stop and are joined within a second however the
stream ends, dead workers are noticed, and every start method works."""

import gc
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

from sklearn_stream import Streamer
from sklearn_stream.zmq_stream import WorkerError, ZMQStreamer, zmq_stream

START_METHODS = multiprocessing.get_all_start_methods()


def endless(width=4):
    i = 0
    while True:
        yield {"X": np.full(width, i)}
        i += 1


def running(pid):
    """Whether ``pid`` is a live process (a zombie waiting to be reaped is not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def open_fds():
    return len(os.listdir("/proc/self/fd"))


def assert_all_stopped(started, limit=1.0):
    """Every worker joined, within ``limit`` seconds of ``started``."""
    elapsed = time.monotonic() - started
    assert multiprocessing.active_children() == []
    assert elapsed < limit, f"stopping took {elapsed:.2f} s"


@pytest.mark.timeout(60)
def test_early_break_stops_and_joins_every_worker():
    for batch in zmq_stream(Streamer(endless), n_workers=2):
        if batch["X"][0] == 5:
            started = time.monotonic()
            break
    gc.collect()
    assert_all_stopped(started)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("how", ["close", "gc", "exception", "keyboard"])
def test_every_way_of_ending_stops_the_workers(how):
    stream = zmq_stream(Streamer(endless), n_workers=2)
    next(stream)
    started = time.monotonic()
    if how == "close":
        stream.close()
    elif how == "gc":
        del stream
        gc.collect()
    else:
        error = ValueError if how == "exception" else KeyboardInterrupt
        with pytest.raises(error):
            for _ in stream:
                raise error("consumer failed")
        started = time.monotonic()
        del stream
    assert_all_stopped(started)


def stuck():
    yield {"X": np.array([0])}
    time.sleep(30)  # a worker busy in its source cannot hear a request to stop
    yield {"X": np.array([1])}


@pytest.mark.timeout(60)
def test_keyboard_interrupt_while_waiting_for_a_batch():
    def interrupt():
        os.kill(os.getpid(), signal.SIGINT)

    stream = zmq_stream(Streamer(stuck))
    next(stream)  # the worker is started (forked) before any other thread exists
    timer = threading.Timer(0.5, interrupt)
    started = None
    with pytest.raises(KeyboardInterrupt):
        timer.start()
        try:
            for _ in stream:  # waits for a batch that takes 30 s to come
                pass
        finally:
            started = time.monotonic()
    timer.join()
    del stream
    assert_all_stopped(started)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("timeout", [None, 0.2])
def test_a_worker_busy_in_its_source_is_terminated(timeout):
    stream = zmq_stream(Streamer(stuck), timeout=timeout)
    next(stream)
    started = time.monotonic()
    stream.close()
    assert_all_stopped(started)


def suicide(how, after, death_time):
    for i in range(after):
        yield {"X": np.array([i])}
    time.sleep(0.2)  # let the batches above leave: a killed process loses what it holds
    death_time.value = time.time()
    if how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(3)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("how", "said"), [("kill", "SIGKILL"), ("exit", "code 3")])
@pytest.mark.parametrize("timeout", [None, 30.0])
def test_a_dead_worker_is_noticed_within_a_second(how, said, timeout):
    death_time = multiprocessing.get_context("fork").Value("d", 0.0)
    received = []
    source = Streamer(suicide, how, 3, death_time)
    stream = zmq_stream(source, timeout=timeout, start_method="fork")
    with pytest.raises(WorkerError, match=said):
        for batch in stream:
            received.append(int(batch["X"][0]))
    assert time.time() - death_time.value < 1.0
    assert received == [0, 1, 2]
    assert multiprocessing.active_children() == []


@pytest.mark.timeout(60)
def test_a_worker_killed_from_outside_while_others_stream():
    stream = zmq_stream(Streamer(endless), n_workers=2)
    next(stream)
    victim = multiprocessing.active_children()[0]
    os.kill(victim.pid, signal.SIGKILL)
    started = time.monotonic()
    with pytest.raises(WorkerError, match="SIGKILL"):
        for _ in stream:
            pass
    assert time.monotonic() - started < 1.0
    assert multiprocessing.active_children() == []


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_200_start_stop_cycles_leave_no_process_or_descriptor():
    def cycle():
        stream = zmq_stream(Streamer(endless), start_method="fork")
        next(stream)
        stream.close()

    cycle()  # warm-up: imports and lazily opened files
    before = open_fds()
    for _ in range(200):
        cycle()
    assert multiprocessing.active_children() == []
    assert open_fds() == before


def lambda_source():
    return Streamer(lambda n: ({"X": np.array([i * 10])} for i in range(n)), 4)


def nested_source():
    def tens(n):
        for i in range(n):
            yield {"X": np.array([i * 10])}

    return Streamer(tens, 4)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("method", START_METHODS)
@pytest.mark.parametrize("make", [lambda_source, nested_source], ids=["lambda", "nested"])
def test_start_methods_with_lambdas_and_nested_functions(method, make):
    got = [int(batch["X"][0]) for batch in zmq_stream(make(), start_method=method)]
    assert got == [0, 10, 20, 30]
    assert multiprocessing.active_children() == []


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_functions_defined_in_main_work_under_spawn(tmp_path, method):
    script = tmp_path / "main_source.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import numpy as np
            from sklearn_stream import Streamer
            from sklearn_stream.zmq_stream import zmq_stream

            def squares(n):
                for i in range(n):
                    yield {{"X": np.array([i * i])}}

            if __name__ == "__main__":
                stream = zmq_stream(Streamer(squares, 5), start_method={method!r})
                print([int(b["X"][0]) for b in stream])
            """
        )
    )
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=100
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[0, 1, 4, 9, 16]"


@pytest.mark.timeout(120)
def test_consumer_killed_leaves_no_orphan_worker(tmp_path):
    pid_file = tmp_path / "worker.pid"
    script = textwrap.dedent(
        f"""
        import os, time
        import numpy as np
        from sklearn_stream import Streamer
        from sklearn_stream.zmq_stream import zmq_stream

        def source():
            with open({str(pid_file)!r}, "w") as f:
                f.write(str(os.getpid()))
            while True:
                yield {{"X": np.zeros(3)}}

        stream = zmq_stream(Streamer(source), start_method="fork")
        next(stream)
        print("ready", flush=True)
        time.sleep(60)
        """
    )
    consumer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert consumer.stdout.readline().strip() == "ready"
    worker_pid = int(pid_file.read_text())
    consumer.kill()
    consumer.wait(10)
    consumer.stdout.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and running(worker_pid):
        time.sleep(0.05)
    if running(worker_pid):
        pytest.fail("the worker outlived its consumer by 10 s")


@pytest.mark.timeout(60)
def test_a_zmq_streamer_inside_another_says_it_cannot_start_workers():
    inner = ZMQStreamer(Streamer(numbered_for_nesting, 3))
    with pytest.raises(RuntimeError, match="cannot run inside another one"):
        list(ZMQStreamer(inner).generate())
    assert multiprocessing.active_children() == []


def numbered_for_nesting(n):
    for i in range(n):
        yield {"X": np.full(2, i)}
