"""The consumer side of ``zmq_stream``: bind a socket, start the workers, receive batches.

One PULL socket, bound to the loopback interface (or to a socket file in a private
directory), receives the messages of every worker. Each worker logs in with its secret
token when it connects (ZeroMQ's PLAIN mechanism, checked by a thread of the consumer), so
no other process can deliver a message, however many connections it opens or frames it
sends; the token also starts every message, to tell whose it is. The socket refuses any
frame larger than the largest batch allowed before allocating it. The consumer grants
each worker a window of credits and returns them through the worker's private pipe as it
takes batches; a worker out of credits says so (``A``), behind its last batch, and gets back
at once all the consumer owes it.

Worker exits are looked at on a clock, whatever arrives on the socket. A worker never exits
on its own before the consumer has read its last message (``F`` or ``E``: it waits to be
told to stop), so one that exits otherwise has died. Its error is raised once nothing more
of it can be queued: when :data:`DRAIN` seconds of this generator's own receiving time
passed without a message of it (time the user spends between batches does not count), or
when enough messages of other peers arrived since its last one (the socket takes messages
from its peers in turn, so a dead worker with messages still queued is never passed over
that often). So every batch it did send is yielded first, and a dead worker is noticed
even while the others keep the socket busy.
"""

import builtins
import errno
import math
import os
import random
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from multiprocessing.connection import wait
from typing import Any

from .. import exceptions
from ..exceptions import BindError, StreamError, WireError, WorkerError, WorkerTraceback
from . import decode, wire
from .worker import WorkerGroup, import_zmq

__all__ = ["DEFAULT_WINDOW_BYTES", "run_stream"]

DRAIN = 0.3  # receiving time after a worker died without a message of it: then it is an error
_SETTLE = 0.1  # after a death is noticed, the least time before other peers' messages count
_PASSED_OVER = 64  # ... and how many of them (plus 8 per worker) mean its queue is empty
_CHECK = 0.1  # how often worker exits are looked at
_WAIT_MS = 100  # how long one receive waits
_DEFAULT_GRACE = 0.4  # how long stopped workers may take to exit before they are ended
# prefetch=None: each worker may have this many batches in flight, and all workers together
# this many bytes (each worker at least one batch, however large).
_DEFAULT_WINDOW = 1024
DEFAULT_WINDOW_BYTES = 256 << 20
_NOT_RERAISED = (StopIteration, StopAsyncIteration, OSError)


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


def _reraised_class(module: str, name: str) -> type | None:
    """The class of a reported exception if it is raised again as itself: a built-in
    exception, or one of :mod:`sklearn_stream.exceptions` (else None)."""
    if module == "builtins":
        cls = getattr(builtins, name, None)
        usable = isinstance(cls, type) and issubclass(cls, Exception)
        return cls if usable and not issubclass(cls, _NOT_RERAISED) else None
    if module == exceptions.__name__ and name in exceptions.__all__:
        cls = getattr(exceptions, name)
        return cls if issubclass(cls, StreamError) else None
    return None


def worker_exception(report: dict, index: int) -> BaseException:
    """Rebuild the exception a worker reported: the same type if it is a built-in exception
    or one of :mod:`sklearn_stream.exceptions`, else WorkerError."""
    name, message, text = report["type"], report["message"], report["traceback"]
    cls = _reraised_class(report["module"], name)
    exc = None
    if cls is not None:
        args = report.get("args")
        try:
            exc = cls(*args) if args is not None else cls(message)
        except Exception:
            exc = None
    if exc is None:
        exc = WorkerError(f"{report['module']}.{name} in zmq_stream worker {index}: {message}")
    exc.worker_traceback = text
    exc.__cause__ = WorkerTraceback(f"traceback in zmq_stream worker {index}:\n{text}")
    return exc


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
        f"zmq_stream worker {index} {how} before its stream ended; every batch it sent was "
        "yielded, the ones it would have sent next are lost."
    )


class _Credits:
    """What the consumer owes each worker, and when to pay it back."""

    def __init__(self, group: WorkerGroup) -> None:
        self.group = group
        self.batches = [0] * len(group.windows)
        self.bytes = [0] * len(group.windows)
        self.refill = [max(1, window[0] // 4) for window in group.windows]
        self.refill_bytes = [window[1] / 4 for window in group.windows]

    def took(self, index: int, count: int, size: int) -> None:
        """Worker ``index``'s message of ``count`` batches and ``size`` bytes was taken;
        pay back once a quarter of the window is owed."""
        self.batches[index] += count
        self.bytes[index] += size
        if (
            self.batches[index] >= self.refill[index]
            or self.bytes[index] >= self.refill_bytes[index]
        ):
            self.pay(index)

    def pay(self, index: int) -> None:
        """Return everything owed to worker ``index``."""
        if self.batches[index]:
            message = b"%s%d,%d" % (wire.CREDIT, self.batches[index], self.bytes[index])
            self.group.tell(index, message)
            self.batches[index] = self.bytes[index] = 0


class _Dead:
    """A worker that died without finishing its stream, while its last messages may still
    be queued: the receiving time and the messages of others since its last message, and
    when its death was noticed."""

    __slots__ = ("noticed", "passed_over", "quiet")

    def __init__(self, noticed: float) -> None:
        self.quiet = 0.0
        self.passed_over = 0
        self.noticed = noticed


class _Receiver:
    """Receives the workers' messages and turns them into batches, credits and errors."""

    def __init__(self, zmq: Any, sock: Any, group: WorkerGroup, copy: bool) -> None:
        self.zmq = zmq
        self.sock = sock
        self.group = group
        self.decoder = decode.BatchDecoder(copy)
        # Whether a message has more frames; pyzmq's ``rcvmore`` attribute costs more.
        self.more, self.rcvmore = sock.getsockopt, int(zmq.RCVMORE)
        self.credits = _Credits(group)
        self.ids = {token: i for i, token in enumerate(group.tokens)}  # token -> worker
        self.running = set(range(len(group.tokens)))  # workers whose last message is unread
        self.sentinels = {p.sentinel: i for i, p in enumerate(group.processes)}
        self.dead: dict = {}  # workers that died without finishing -> their _Dead record
        self.most_passed_over = _PASSED_OVER + 8 * len(group.tokens)
        self.next_check = time.monotonic() + _CHECK
        self.mark = time.monotonic()

    def batches(self, max_batches: int | None) -> Iterator:
        limit = math.inf if max_batches is None else max_batches
        count = 0
        while self.running and count < limit:
            index, batches, sizes = self.receive()
            if not batches:
                continue
            for batch in batches:
                count += 1
                if self.dead:
                    self.tick()
                yield batch
                self.mark = time.monotonic()  # the user's time between batches does not count
                if count >= limit:
                    return
            # Taken: only now, so that a group's batches count as in flight until the last
            # of them was yielded, and prefetch bounds what the source makes ahead.
            self.credits.took(index, len(batches), sum(sizes))

    def receive(self) -> tuple:
        """One message: ``(worker, batches, their sizes)``; no batch for anything else."""
        self.watch()
        try:
            first = self.sock.recv()
        except self.zmq.Again:
            return None, (), ()
        index = self.ids.get(first[1 : wire.DATA_START])
        self.heard(index)
        if index is None or index not in self.running:
            self.discard()  # not one of our workers (or one that already finished): unread
            return None, (), ()
        kind = first[:1]
        try:
            if kind == wire.DATA:
                return index, [self.decoder.decode(first)], [len(first)]
            if kind == wire.MULTIPART:
                return index, *self.read_multipart(first)
            if kind == wire.GROUP:
                return index, *self.decoder.decode_group(first)
        except WireError as exc:
            raise WorkerError(f"zmq_stream worker {index} sent an invalid batch.") from exc
        self.control(kind, first, index)
        return None, (), ()

    def read_multipart(self, first: bytes) -> tuple:
        """The batch of a multipart message whose first frame is ``first``, and its size."""
        frames = self.rest()
        size = len(first) + sum(len(frame) for frame in frames)
        header, frames = decode.split_multipart(first, frames)
        return [self.decoder.decode(header, frames)], [size]

    def control(self, kind: bytes, message: bytes, index: int) -> None:
        """Act on a message of one of our workers that carries no batch."""
        if kind == wire.ASK:
            self.credits.pay(index)
        elif kind == wire.FINISHED:
            self.running.discard(index)
            self.group.tell(index, wire.STOP)  # it read nothing more: let it exit now
        elif kind == wire.ERROR:
            try:
                report = decode.decode_error(message)
            except WireError as exc:
                raise WorkerError(f"zmq_stream worker {index} sent an invalid report.") from exc
            raise worker_exception(report, index)
        else:
            raise WorkerError(f"zmq_stream worker {index} sent a message of unknown kind.")

    def tick(self) -> float:
        """Count the receiving time since the last tick; raise for a dead worker that has
        nothing more queued."""
        now = time.monotonic()
        spent = now - self.mark
        for index, dead in self.dead.items():
            dead.quiet += spent
            passed_over = dead.passed_over >= self.most_passed_over
            if dead.quiet >= DRAIN or (passed_over and now - dead.noticed >= _SETTLE):
                raise _death(self.group.processes[index], index)
        self.mark = now
        return now

    def watch(self) -> None:
        """Look at worker exits on a clock, whatever arrives on the socket."""
        now = self.tick()
        if now < self.next_check:
            return
        self.next_check = now + _CHECK
        for sentinel in wait(list(self.sentinels), 0):
            index = self.sentinels.pop(sentinel)
            if index in self.running:
                self.dead[index] = _Dead(now)

    def heard(self, index: int | None) -> None:
        """A message of worker ``index`` (None: of a stranger) arrived."""
        for dead_index, dead in self.dead.items():
            if dead_index == index:  # it may still have more queued
                dead.quiet, dead.passed_over = 0.0, 0
            else:
                dead.passed_over += 1

    def rest(self) -> list:
        """The remaining frames of the message being received."""
        recv, frames = self.sock.recv, []
        while self.more(self.rcvmore):
            frames.append(recv(copy=False))
        return frames

    def discard(self) -> None:
        recv = self.sock.recv
        while self.more(self.rcvmore):
            recv(copy=False)


def _windows(prefetch: int | None, n_workers: int, max_bytes: int) -> list:
    """Each worker's window: batches, bytes, the largest batch, and this process's id."""
    pid = os.getpid()
    if prefetch is None:
        share = DEFAULT_WINDOW_BYTES // n_workers
        return [(_DEFAULT_WINDOW, share, max_bytes, pid)] * n_workers
    counts = [prefetch // n_workers + (i < prefetch % n_workers) for i in range(n_workers)]
    return [(count, math.inf, max_bytes, pid) for count in counts]


def _start_authenticator(context: Any, tokens: list, started: list) -> None:
    """Start the thread that checks the user name and password of every peer that connects
    (ZeroMQ's ZAP): each worker's is its own secret token, so no other process can deliver
    a message, however many connections it opens or frames it sends. The authenticator
    goes in ``started`` before it starts, so that it is stopped whatever happens."""
    from zmq.auth.thread import ThreadAuthenticator

    authenticator = ThreadAuthenticator(context)
    started.append(authenticator)
    authenticator.start()
    logins = [wire.credentials(token) for token in tokens]
    authenticator.configure_plain(domain="*", passwords=dict(zip(logins, logins)))


def _open_socket(zmq: Any, context: Any, max_bytes: int) -> Any:
    sock = context.socket(zmq.PULL)
    sock.setsockopt(zmq.PLAIN_SERVER, 1)  # peers must log in (see _start_authenticator)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.RCVTIMEO, _WAIT_MS)
    sock.setsockopt(zmq.RCVHWM, 0)  # the workers' credits bound what is queued
    sock.setsockopt(zmq.MAXMSGSIZE, max_bytes + wire.HEADER_ROOM)  # larger: refused unread
    return sock


def run_stream(
    sources: list,
    random_ints: list,
    *,
    max_batches: int | None,
    copy: bool,
    prefetch: int | None,
    timeout: float | None,
    start_method: str | None,
    max_batch_bytes: int,
    bind_options: dict,
) -> Iterator:
    """Run one worker per source and yield their batches, merged as they arrive.

    Nothing starts before the first ``next()``; closing the generator (or an error, or
    reaching ``max_batches``) stops every worker and closes every socket.
    """
    zmq = import_zmq()
    if max_batches == 0:
        return  # nothing to stream: no process is started
    windows = _windows(prefetch, len(sources), max_batch_bytes)
    group = WorkerGroup(sources, random_ints, windows, max_batches, start_method)
    context = sock = directory = None
    authenticators: list = []
    try:
        group.start()
        context = zmq.Context()
        _start_authenticator(context, group.tokens, authenticators)
        sock = _open_socket(zmq, context, max_batch_bytes)
        endpoint, directory = _bind(sock, zmq, bind_options)
        group.send_endpoint(endpoint)
        yield from _Receiver(zmq, sock, group, copy).batches(max_batches)
    finally:
        try:
            group.stop(_DEFAULT_GRACE if timeout is None else timeout)
        finally:
            if sock is not None:
                sock.close(0)
            for authenticator in authenticators:
                authenticator.stop()
            if context is not None:
                context.term()
            if directory is not None:
                shutil.rmtree(directory, ignore_errors=True)
