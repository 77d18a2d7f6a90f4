"""The consumer side of ``zmq_stream``: bind a socket, start the workers, receive batches.

One PULL socket, bound to the loopback interface (or to a socket file in a private
directory), receives the batches of every worker. Each worker puts its secret token in
every message, so messages from any other peer are dropped unread. The consumer grants each
worker a window of credits and returns them, through the worker's private pipe, as it
takes batches: a slow consumer makes the workers wait instead of filling memory. Worker
exits are watched through their process sentinels, so a dead worker is noticed within a
fraction of a second.
"""

import builtins
import errno
import math
import random
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import _decode, _wire
from ._workers import WorkerGroup, import_zmq
from .exceptions import StreamError

__all__ = ["BindError", "WorkerError", "run_stream"]

_DRAIN = 0.3  # after a worker exits, how long its last messages may take to arrive
_CHECK = 0.1  # how often the fast path looks at worker exits
_WAIT_MS = 100  # how long a receive waits before worker exits are looked at
_DEFAULT_GRACE = 0.4  # how long stopped workers may take to exit before they are ended
# prefetch=None: each worker may have this many batches in flight, and the workers together
# this many bytes (each at least one batch, however large). At loopback speed (2.5-3 GiB/s
# here) 256 MiB is about 0.1 s of batches: enough to hide a source's pauses of tens of ms
# (making a fresh 16 MiB numpy array sometimes took about 35 ms here). At 16 MiB, 64 MiB ran
# at 0.99-1.01x of a bare pyzmq pair, 256 MiB at 1.04-1.06x (medians of paired runs).
_DEFAULT_WINDOW = 1024
_DEFAULT_WINDOW_BYTES = 256 << 20
_NOT_RERAISED = (StopIteration, StopAsyncIteration, OSError)


class WorkerError(StreamError, RuntimeError):
    """A ``zmq_stream`` worker failed: it died, or raised an exception of a type that is not
    a built-in one (built-in exceptions are raised again as their own type).

    Attributes
    ----------
    worker_traceback : str or None
        The traceback printed in the worker, when it raised.

    Examples
    --------
    >>> from sklearn_stream.zmq_stream import WorkerError
    >>> issubclass(WorkerError, RuntimeError)
    True
    """

    worker_traceback: str | None = None


class WorkerTraceback(StreamError):
    """Carries the traceback of a worker's exception (set as ``__cause__``)."""


class BindError(StreamError, OSError):
    """``zmq_stream`` found no free port to bind in the range it was given.

    Examples
    --------
    >>> from sklearn_stream.zmq_stream import BindError
    >>> issubclass(BindError, OSError)
    True
    """


def _bind(sock: Any, zmq: Any, options: dict) -> tuple[str, str | None]:
    """Bind ``sock`` to loopback (or a private socket file); return endpoint and directory."""
    if options["transport"] == "ipc":
        directory = tempfile.mkdtemp(prefix="sklearn_stream-")  # mode 0700: only this user
        endpoint = f"ipc://{directory}/batches"
        try:
            sock.bind(endpoint)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        return endpoint, directory
    low, high, max_tries = options["min_port"], options["max_port"], options["max_tries"]
    ports = range(low, high + 1)
    tried = random.Random().sample(ports, min(max_tries, len(ports)))  # not the global RNG
    for port in tried:
        endpoint = f"tcp://127.0.0.1:{port}"
        try:
            sock.bind(endpoint)
        except zmq.ZMQError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                continue
            raise
        return endpoint, None
    raise BindError(
        f"zmq_stream could not bind a port on 127.0.0.1: tried {len(tried)} of the ports "
        f"{low}..{high} (max_tries={max_tries}) and all were in use. Widen min_port/max_port, "
        "raise max_tries, or use transport='ipc'."
    )


def worker_exception(report: dict, index: int) -> BaseException:
    """Rebuild the exception a worker reported: same type if built-in, else WorkerError."""
    name, message, text = report["type"], report["message"], report["traceback"]
    cls = getattr(builtins, name, None) if report["module"] == "builtins" else None
    exc = None
    if isinstance(cls, type) and issubclass(cls, Exception) and not issubclass(cls, _NOT_RERAISED):
        try:
            exc = cls(message)
        except Exception:
            exc = None
    if exc is None:
        exc = WorkerError(f"{report['module']}.{name} in zmq_stream worker {index}: {message}")
    exc.worker_traceback = text
    exc.__cause__ = WorkerTraceback(f"traceback in zmq_stream worker {index}:\n{text}")
    return exc


def _invalid_group(index: int) -> WorkerError:
    return WorkerError(f"zmq_stream worker {index} sent an invalid group of batches.")


def _death(process: Any, index: int) -> WorkerError:
    code = process.exitcode
    if code is not None and code < 0:
        try:
            how = f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"was killed by signal {-code}"
    else:
        how = f"exited with code {code}"
    return WorkerError(
        f"zmq_stream worker {index} {how} before its stream ended; the batches it would "
        "have sent are lost."
    )


class _Receiver:
    """Receives the workers' messages and turns them into batches, credits and errors."""

    def __init__(self, zmq: Any, sock: Any, group: WorkerGroup, copy: bool) -> None:
        self.zmq = zmq
        self.sock = sock
        self.group = group
        self.decoder = _decode.BatchDecoder(copy)
        self.ids = {token: i for i, token in enumerate(group.tokens)}  # token -> worker
        self.running = set(range(len(group.tokens)))
        self.refill = [max(1, window // 4) for window in group.windows]
        self.refill_bytes = _refill_bytes(group.window_bytes)
        self.exited: dict = {}
        self.poller = zmq.Poller()
        self.sentinels = {p.sentinel: i for i, p in enumerate(group.processes)}
        for sentinel in self.sentinels:
            self.poller.register(sentinel, zmq.POLLIN)

    def watch(self) -> None:
        """Note workers that exited; raise if one died without saying its stream ended."""
        for fd, _ in self.poller.poll(0):
            index = self.sentinels.pop(fd, None)
            if index is not None:
                self.poller.unregister(fd)
                self.exited[index] = time.monotonic()
        now = time.monotonic()
        for index, when in self.exited.items():
            if index in self.running and now - when > _DRAIN:
                raise _death(self.group.processes[index], index)

    def batches(self, max_batches: int | None) -> Iterator:
        # recv blocks at most _WAIT_MS (RCVTIMEO), then worker exits are looked at.
        zmq, recv, watch = self.zmq, self.sock.recv, self.watch
        ids, running, refill = self.ids, self.running, self.refill
        owed_batches, owed_bytes = [0] * len(ids), [0] * len(ids)
        refill_bytes = self.refill_bytes
        pipes, tell = self.group.pipes, self.group.tell
        read, shortcut = self.read, self.decoder.shortcut
        frombuffer, start, group_tag = np.frombuffer, _wire.DATA_START, _wire.GROUP
        # The last packed batch's tag, token and header, and how to read such a batch: a
        # batch that starts with the same bytes and has the same size is read at once.
        known: tuple | bytes = ()  # startswith(()) is always False
        known_index = known_size = 0
        known_fields: tuple = ()
        known_one = None
        limit = math.inf if max_batches is None else max_batches
        count = 0
        next_check = time.monotonic() + _CHECK
        while running and count < limit:
            try:
                message = recv()
            except zmq.Again:
                watch()
                continue
            if message[:1] == group_tag:  # several small batches of one worker
                group = ids.get(message[1:start])
                if group is None:
                    self.discard()  # not one of our workers: dropped unread
                    continue
                try:
                    parts = _decode.split_group(message)
                except _wire.WireError as exc:
                    raise _invalid_group(group) from exc
            else:
                group, parts = None, ((0, len(message)),)
            for position, size in parts:
                if message.startswith(known, position) and size == known_size:
                    index = known_index
                    if group is not None and group != index:
                        raise _invalid_group(group)
                    if known_one is not None:  # one array: the common case, without a loop
                        key, dtype, items, offset, shape = known_one
                        array = frombuffer(message, dtype, items, offset + position)
                        batch = {key: array if shape is None else array.reshape(shape)}
                    else:
                        batch = {}
                        for key, dtype, items, offset, shape in known_fields:
                            array = frombuffer(message, dtype, items, offset + position)
                            batch[key] = array if shape is None else array.reshape(shape)
                else:
                    data = message if group is None else message[position : position + size]
                    got = read(data, group)
                    if got is None:
                        continue
                    index, batch, size, packed = got
                    fast = shortcut(data) if packed else None
                    if fast is not None:
                        known, known_size, known_fields = fast
                        known_one = known_fields[0] if len(known_fields) == 1 else None
                        known_index = index
                owed_batches[index] += 1
                owed_bytes[index] += size
                if owed_batches[index] >= refill[index] or owed_bytes[index] >= refill_bytes:
                    tell(
                        pipes[index],
                        b"%s%d,%d" % (_wire.CREDIT, owed_batches[index], owed_bytes[index]),
                    )
                    owed_batches[index] = owed_bytes[index] = 0
                count += 1
                yield batch
                if count >= limit:
                    break
                if time.monotonic() >= next_check:
                    watch()
                    next_check = time.monotonic() + _CHECK

    def read(self, data: bytes, group: int | None) -> tuple | None:
        """Read a message, or a batch of a group (of worker ``group``), that the fast path
        did not recognise: ``(worker, batch, size, packed)``, or None if it held no batch."""
        index = self.ids.get(data[1 : _wire.DATA_START])
        tag = data[:1]
        if group is not None:
            if index != group or tag != _wire.DATA:
                raise _invalid_group(group)
        elif index is None:
            self.discard()  # not one of our workers: dropped unread
            return None
        if tag != _wire.DATA and tag != _wire.MULTIPART:
            self.control(tag, data, index)
            return None
        frames = None
        size = len(data)
        try:
            if tag == _wire.MULTIPART:
                frames = self.rest()
                for frame in frames:
                    size += len(frame)
                data, frames = _decode.split_multipart(data, frames)
            batch = self.decoder.decode(data, frames)
        except _wire.WireError as exc:
            raise WorkerError(f"zmq_stream worker {index} sent an invalid batch.") from exc
        return index, batch, size, frames is None

    def control(self, tag: bytes, message: bytes, index: int) -> None:
        """Act on a message of one of our workers that carries no batch."""
        if tag == _wire.FINISHED:
            self.running.discard(index)
        elif tag == _wire.ERROR:
            raise worker_exception(_decode.decode_error(message), index)
        else:
            raise WorkerError(f"zmq_stream worker {index} sent a message of unknown kind.")

    def rest(self) -> list:
        """The remaining frames of the message being received."""
        sock, frames = self.sock, []
        while sock.rcvmore:
            frames.append(sock.recv(copy=False))
        return frames

    def discard(self) -> None:
        sock = self.sock
        while sock.rcvmore:
            sock.recv(copy=False)


def _windows(prefetch: int | None, n_workers: int) -> tuple[list, int | None]:
    """Each worker's credit window: a number of batches, and a number of bytes (or None)."""
    if prefetch is None:
        return [_DEFAULT_WINDOW] * n_workers, _DEFAULT_WINDOW_BYTES // n_workers
    return [prefetch // n_workers + (i < prefetch % n_workers) for i in range(n_workers)], None


def _refill_bytes(window_bytes: int | None) -> float:
    return math.inf if window_bytes is None else window_bytes // 4


def run_stream(
    sources: list,
    seeds: list,
    *,
    max_batches: int | None,
    copy: bool,
    prefetch: int | None,
    timeout: float | None,
    start_method: str | None,
    bind_options: dict,
) -> Iterator:
    """Run one worker per source and yield their batches, merged as they arrive.

    Nothing starts before the first ``next()``; closing the generator (or an error, or
    reaching ``max_batches``) stops every worker and closes every socket.
    """
    zmq = import_zmq()
    if max_batches == 0:
        return  # nothing to stream: no process is started
    windows, window_bytes = _windows(prefetch, len(sources))
    group = WorkerGroup(sources, seeds, windows, window_bytes, max_batches, start_method)
    context = sock = directory = None
    try:
        group.start()
        context = zmq.Context()
        sock = context.socket(zmq.PULL)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.RCVTIMEO, _WAIT_MS)
        endpoint, directory = _bind(sock, zmq, bind_options)
        group.send_endpoint(endpoint)
        yield from _Receiver(zmq, sock, group, copy).batches(max_batches)
    finally:
        try:
            group.stop(_DEFAULT_GRACE if timeout is None else timeout)
        finally:
            if sock is not None:
                sock.close(0)
            if context is not None:
                context.term()
            if directory is not None:
                shutil.rmtree(directory, ignore_errors=True)
