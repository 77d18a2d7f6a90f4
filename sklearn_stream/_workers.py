"""Worker processes of ``zmq_stream``: the loop each worker runs, and how they are started
and stopped.

A worker waits for the consumer's address on a pipe, connects a PUSH socket to it, and
sends the batches of its data source while it holds credits: the consumer hands out credits
as it takes batches, so at most ``window`` batches of a worker are in flight. A worker stops
when its stream ends (it then says so), when its source raises (it sends the exception's
type, message and traceback), when the consumer tells it to, or when the consumer process
is gone.
"""

import contextlib
import math
import os
import random
import signal
import sys
import time
import traceback
from typing import Any

import numpy as np

from . import _wire
from ._link import (
    CHECK_MS,
    GROUP_BYTES,
    GROUP_COUNT,
    GROUP_GAP,
    GROUP_WAIT,
    ZERO_COPY_BYTES,
    Flusher,
    Link,
    Stopped,
    alive,
)

__all__ = ["WorkerGroup"]

_FLUSH_LINGER_MS = 2000  # how long a finishing worker may take to flush its last messages
_TERMINATE_WAIT = 0.2  # after SIGTERM, how long to wait before SIGKILL


def import_zmq() -> Any:
    """Import pyzmq, or say how to install it."""
    try:
        import zmq
    except ImportError as exc:
        raise ImportError(
            "zmq_stream needs pyzmq; install it with: pip install 'sklearn-stream[zmq]'"
        ) from exc
    return zmq


def _cloudpickle() -> Any:
    try:
        import cloudpickle
    except ImportError:  # older joblib releases ship it inside joblib
        from joblib.externals import cloudpickle
    return cloudpickle


def _reference_counts(batch: dict, large: int) -> tuple[int, int]:
    """How many references reach ``batch`` and, at most, one of its arrays of ``large``
    bytes or more (sent without a copy)."""
    most = 0
    for value in batch.values():
        if type(value) is not np.ndarray or value.base is not None:
            if _carries_large_buffer(value, large):
                return sys.maxsize, sys.maxsize  # shared memory, or not an array: unknown
            continue
        if value.nbytes >= large:
            most = max(most, sys.getrefcount(value))
    return sys.getrefcount(batch), most


def _carries_large_buffer(value: Any, large: int) -> bool:
    if isinstance(value, np.ndarray):
        return value.nbytes >= large
    return not isinstance(value, (int, float, complex, str, bytes, type(None), np.generic))


def _private_counts() -> tuple[int, int]:
    """The counts :func:`_reference_counts` gives for a batch nothing else refers to."""
    batch = {"X": np.empty(1)}
    return _reference_counts(batch, 0)


def _serve(link: Link, stream: Any, token: bytes) -> None:
    flusher = Flusher(link)  # started by the first group that may have to wait
    try:
        _send_all(link, stream, flusher)
        with link.lock:
            link.flush()
            link.wait_sent()
            link.sock.send(_wire.FINISHED + token)
    except Stopped:
        raise
    except BaseException:
        with link.lock:
            link.flush()  # the batches made before an error arrive before its report
        raise
    finally:
        flusher.close()


def _send_all(link: Link, stream: Any, flusher: Flusher) -> None:
    encode = _wire.BatchEncoder(link.token).message
    private = _private_counts()
    clock, held, gap, wait = time.monotonic, link.held, GROUP_GAP, GROUP_WAIT
    lock, unlock = link.lock.acquire, link.lock.release
    next_check = link.next_check
    large = True
    last = -math.inf  # when the previous batch came (the first batch goes at once)
    held_bytes = most = most_bytes = 0
    due = math.inf  # when the held group must go
    for batch in stream:
        made = clock()
        # Arrays sent without a copy must not change until they have left. If nothing but
        # this batch refers to them (the source kept no reference, and they own their
        # memory), the source cannot change them: the next batch may be made at once.
        owned = False
        if large and type(batch) is dict:  # worth checking after a batch sent uncopied
            counts = _reference_counts(batch, ZERO_COPY_BYTES)
            owned = counts[0] <= private[0] and counts[1] <= private[1]
        message = encode(batch)
        del batch
        lock()
        try:
            if type(message) is bytes:  # a small batch: held back, to go in a group
                large = False
                if not held:  # a group starts: never more than the credits can send
                    link.held_since, due, held_bytes = made, made + wait, 0
                    most = min(GROUP_COUNT, link.credits) if link.grouping else 0
                    most_bytes = min(GROUP_BYTES, link.byte_credits)
                held.append(message)
                held_bytes += len(message)
                if (
                    made - last > gap  # a slow source: nothing to gain by waiting
                    or made >= due
                    or len(held) >= most
                    or held_bytes >= most_bytes
                ):
                    link.flush()
                elif len(held) == 1:
                    flusher.wake()  # it sends the group if the next batch is late
            else:
                large = True
                link.send_batch(message, owned)
                if link.trackers:
                    link.wait_sent()
            last = made
            if made >= next_check:
                link.check()
                next_check = link.next_check
        finally:
            unlock()


def _receive_endpoint(conn: Any, consumer_pid: int) -> str | None:
    try:
        while not conn.poll(CHECK_MS / 1000):
            if not alive(consumer_pid):
                return None
        endpoint = conn.recv_bytes()
    except (EOFError, OSError):
        return None
    return endpoint.decode() or None


def run_worker(
    payload: Any,
    pickled: bool,
    conn: Any,
    token: bytes,
    window: tuple,
    max_batches: int | None,
    seed: int | None,
    consumer_pid: int,
) -> None:
    """The body of a worker process (module level so that every start method finds it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the consumer's to handle
    endpoint = _receive_endpoint(conn, consumer_pid)
    if endpoint is None:
        return
    if seed is not None:
        random.seed(seed)
        np.random.seed(seed % 2**32)  # noqa: NPY002 (sources that use the global generator)
    zmq = import_zmq()
    context = zmq.Context()
    sock = context.socket(zmq.PUSH)
    sock.setsockopt(zmq.SNDHWM, 0)  # credits bound what is in flight
    sock.connect(endpoint)
    linger = 0
    stream = None
    try:
        source = _cloudpickle().loads(payload) if pickled else payload
        stream = iter(source.generate(max_batches))
        _serve(Link(zmq, sock, conn, window, consumer_pid, token), stream, token)
        linger = _FLUSH_LINGER_MS
    except Stopped:
        pass
    except BaseException as exc:
        sock.send(_wire.encode_error(exc, traceback.format_exc(), token))
        linger = _FLUSH_LINGER_MS
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):  # nobody listens to a report any more
                close()
        sock.close(linger)
        context.term()
        conn.close()


class WorkerGroup:
    """Starts the worker processes, tells them where to connect, and stops them."""

    def __init__(
        self,
        sources: list,
        seeds: list,
        windows: list,
        window_bytes: int | None,
        max_batches: int | None,
        start_method: str | None,
    ) -> None:
        import multiprocessing

        self.context = multiprocessing.get_context(start_method)
        self.sources = sources
        self.seeds = seeds
        self.windows = windows
        self.window_bytes = window_bytes
        self.max_batches = max_batches
        self.tokens = [os.urandom(_wire.TOKEN_BYTES) for _ in sources]  # secret, per worker
        self.processes: list = []
        self.pipes: list = []
        self.connected = False

    def start(self) -> None:
        pickled = self.context.get_start_method() != "fork"
        payloads = self.sources
        if pickled:
            dumps = _cloudpickle().dumps
            try:
                payloads = [dumps(source) for source in self.sources]
            except Exception as exc:
                raise TypeError(
                    f"zmq_stream could not pickle the data source for the "
                    f"{self.context.get_start_method()!r} start method: {exc}"
                ) from exc
        for i, payload in enumerate(payloads):
            reader, writer = self.context.Pipe(duplex=False)
            process = self.context.Process(
                target=run_worker,
                args=(
                    payload,
                    pickled,
                    reader,
                    self.tokens[i],
                    (self.windows[i], self.window_bytes),
                    self.max_batches,
                    self.seeds[i],
                    os.getpid(),
                ),
                name=f"zmq_stream-worker-{i}",
                daemon=True,
            )
            self.pipes.append(writer)
            try:
                process.start()
            finally:
                reader.close()
            self.processes.append(process)

    def send_endpoint(self, endpoint: str) -> None:
        """Tell every worker where to connect; an empty endpoint tells them to exit."""
        self.connected = bool(endpoint)
        self.broadcast(endpoint.encode())

    def broadcast(self, message: bytes) -> None:
        for writer in self.pipes:
            self.tell(writer, message)

    @staticmethod
    def tell(writer: Any, message: bytes) -> None:
        with contextlib.suppress(OSError):  # a worker already gone: its exit is noticed
            writer.send_bytes(message)

    def stop(self, grace: float) -> None:
        """Wait up to ``grace`` seconds for the workers to exit, then end them."""
        if self.connected:
            self.broadcast(_wire.STOP)
        else:
            self.send_endpoint("")  # workers still waiting for an address exit at once
        for writer in self.pipes:
            writer.close()
        deadline = time.monotonic() + grace
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for signal_method in ("terminate", "kill"):
            late = [p for p in self.processes if p.exitcode is None]
            if not late:
                break
            for process in late:
                getattr(process, signal_method)()
            deadline = time.monotonic() + _TERMINATE_WAIT
            for process in late:
                process.join(max(0.0, deadline - time.monotonic()))
        for process in self.processes:
            if process.exitcode is not None:
                process.close()
        self.pipes.clear()
