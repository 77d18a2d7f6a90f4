"""The worker processes of ``zmq_stream``: the loop each runs, and how they start and stop.

A worker waits for the consumer's address on its private pipe, connects a PUSH socket to it,
and sends the batches of its data source while it holds credits. The consumer gives credits
back (through the pipe) as it takes batches, so at most a window of batches and bytes of a
worker is in flight; when a worker lacks credits it says so on the socket (``A``), behind its
last batch, and the consumer, on reading that, returns every credit it owes at once. A
worker that has sent everything (``F``) or reported an exception (``E``) then waits for the
consumer to read it and say stop: so a worker never exits before the consumer has read all
it sent, and an exit without that is a death. A worker stops, closing its source (its
``finally:`` blocks run), when the consumer says so or is gone.
"""

import contextlib
import math
import multiprocessing
import os
import random
import signal
import threading
import time
import traceback
from typing import Any

import numpy as np

from .._checks import close_if_closable
from .._process import mark_stream_worker
from . import wire

__all__ = ["Stopped", "WorkerGroup", "import_zmq", "run_worker"]

CHECK_SECONDS = 0.2  # how often a waiting worker checks that its consumer still exists
ZERO_COPY_BYTES = 1 << 16  # larger buffers are sent without a copy
GROUP_COUNT = 64  # most small batches in one group message
GROUP_BYTES = 1 << 16  # the largest group message (the consumer accepts it whatever
# max_batch_bytes is: it takes frames of max_batch_bytes + wire.HEADER_ROOM bytes)
_GROUP_ROOM = GROUP_BYTES - wire.GROUP_START  # what a group's batches may hold
GROUP_GAP = 1e-4  # a source slower than this per batch gets its batches sent one by one
GROUP_WAIT = 5e-3  # longest time a held batch waits for others while the source is busy
GROUP_LATE = 0.05  # a group that waited this long: the source keeps the GIL, stop grouping
_TERMINATE_WAIT = 0.2  # after SIGTERM, how long to wait before SIGKILL
_INSTALL_HINT = (
    "install it from the repository with: python -m pip install -e '.[zmq]' (or just "
    "python -m pip install pyzmq)"
)


def import_zmq() -> Any:
    """Import pyzmq, or say how to install it."""
    try:
        import zmq
    except ImportError as exc:
        raise ImportError(f"zmq_stream needs pyzmq; {_INSTALL_HINT}.") from exc
    return zmq


def _cloudpickle() -> Any:
    try:
        import cloudpickle
    except ImportError:  # older joblib releases ship it inside joblib
        from joblib.externals import cloudpickle
    return cloudpickle


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):  # no /proc (not Linux): the process exists
        return True


class Stopped(Exception):
    """The consumer asked this worker to stop, or is gone."""


class Link:
    """A worker's ends of the connection: control messages in (pipe), batches out (zmq)."""

    def __init__(self, zmq: Any, sock: Any, conn: Any, token: bytes, window: tuple) -> None:
        self.zmq = zmq
        self.sock = sock
        self.conn = conn
        self.token = token
        self.credits, self.window_bytes, self.max_bytes, self.consumer_pid = window
        self.byte_credits = self.window_bytes
        self.group_head = wire.group_head(token)
        self.trackers: list = []
        self.more = int(zmq.SNDMORE)
        self.next_check = time.monotonic() + CHECK_SECONDS

    # -- control messages ----------------------------------------------------------------
    def _read_control(self) -> None:
        """Take every control message already waiting in the pipe, without blocking."""
        conn = self.conn
        try:
            while conn.poll(0):
                message = conn.recv_bytes()
                if message[:1] != wire.CREDIT:
                    raise Stopped
                batches, nbytes = message[1:].split(b",")
                self.credits += int(batches)
                self.byte_credits += int(nbytes)
        except (EOFError, OSError):
            raise Stopped from None

    def _wait_control(self) -> None:
        """Block until a control message arrives; raise :class:`Stopped` if the consumer
        is gone."""
        try:
            ready = self.conn.poll(CHECK_SECONDS)
        except (EOFError, OSError):
            raise Stopped from None
        if ready:
            self._read_control()
        elif not _alive(self.consumer_pid):
            raise Stopped

    def check(self) -> None:
        """Look for a stop request now and then, even while credits remain."""
        now = time.monotonic()
        if now >= self.next_check:
            self.next_check = now + CHECK_SECONDS
            self._read_control()

    # -- sending ---------------------------------------------------------------------------
    def _may_send(self, size: int) -> bool:
        if self.credits <= 0:
            return False
        # A batch larger than the whole byte window goes when nothing else is in flight.
        return size <= self.byte_credits or self.byte_credits >= self.window_bytes

    def _acquire(self, size: int) -> None:
        """Wait for the credits to send ``size`` bytes; ask the consumer for them once."""
        if self._may_send(size):
            return
        self.sock.send(wire.ASK + self.token)
        while not self._may_send(size):
            self._wait_control()

    def send(self, frames: list, size: int) -> None:
        """Send one large batch (its frames, and their length in all, as
        :class:`~.wire.BatchEncoder` made them) once credits allow. Its big buffers go
        without a copy and are waited for before this returns, so the source may reuse
        their memory for its next batch."""
        if size > self.max_bytes:  # smaller: neither its data nor its header is too large
            self.check_size(size - len(frames[0]) - len(frames[-1]), len(frames[-1]))
        self._acquire(size)
        self._send_frames(frames)
        self._wait_sent()
        self.credits -= 1
        self.byte_credits -= size

    def send_small(self, held: list) -> None:
        """Send small batches, each the bytes of its packed message: one alone, several as
        group messages, as many at a time as the credits allow, waiting for credits as
        needed."""
        while held:
            self._acquire(len(held[0]))
            held = held[self.send_ready(held, sum(map(len, held))) :]

    def send_ready(self, held: list, held_bytes: int) -> int:
        """Send, without waiting, as many of the small batches ``held`` (``held_bytes``
        bytes in all) as the credits in hand allow; return how many went."""
        if not held or not self._may_send(len(held[0])):
            return 0
        if len(held) <= self.credits and held_bytes <= self.byte_credits:
            take = len(held)  # the common case: a group made within the credits
        else:
            take = self._affordable(held)
            held_bytes = sum(map(len, held[:take]))
        if take == 1:
            self.sock.send(held[0])
        else:
            self.sock.send(b"".join([self.group_head, *held[:take]]))
        self.credits -= take
        self.byte_credits -= held_bytes
        return take

    def _affordable(self, held: list) -> int:
        """How many of the first ``held`` batches the credits in hand pay for (at least
        the first, which :meth:`_may_send` allowed)."""
        take, budget = 1, self.byte_credits - len(held[0])
        while take < min(len(held), self.credits) and len(held[take]) <= budget:
            budget -= len(held[take])
            take += 1
        return take

    def check_size(self, data: int, header: int) -> None:
        """Refuse a batch the consumer's socket would refuse (see ``consumer``)."""
        if data > self.max_bytes:
            raise ValueError(
                f"a batch of {data} bytes is larger than zmq_stream's max_batch_bytes "
                f"({self.max_bytes}); raise ZMQStreamer(max_batch_bytes=...) or cut the "
                "batch smaller."
            )
        if header > self.max_bytes + wire.HEADER_ROOM:
            raise ValueError(
                f"a batch's header (its keys, lists, strings and shapes) takes {header} "
                f"bytes, more than zmq_stream's max_batch_bytes ({self.max_bytes}) allows; "
                "send long lists as numpy arrays."
            )

    def _send_frames(self, frames: list) -> None:
        send, more = self.sock.send, self.more
        send(frames[0], more)
        for buffer in frames[1:-1]:
            if buffer.nbytes < ZERO_COPY_BYTES:
                send(buffer, more)  # a copy costs less than zero-copy bookkeeping
            else:
                self.trackers.append(send(buffer, more, copy=False, track=True))
        send(frames[-1])

    def _wait_sent(self) -> None:
        """Wait until libzmq no longer needs the buffers of the last batch."""
        for tracker in self.trackers:
            while not tracker.done:
                try:
                    tracker.wait(CHECK_SECONDS)
                except self.zmq.NotDone:
                    self.check()
                    if not _alive(self.consumer_pid):
                        raise Stopped from None
        self.trackers.clear()

    def finish(self, message: bytes) -> None:
        """Send a last message (end of stream, or an error report), then wait until the
        consumer has read it and says stop."""
        self.sock.send(message)
        while True:
            self._wait_control()


class _Holder:
    """Holds the small batches a source makes in quick succession, to send them as one
    group message: per-message costs in pyzmq exceed the cost of a small batch.

    A held batch goes when the group is full (:data:`GROUP_COUNT` batches or
    :data:`GROUP_BYTES` bytes, or all the credits in hand: holding never lets a worker make
    more batches ahead than ``prefetch`` allows), when the source takes longer than
    :data:`GROUP_GAP` to make its next batch, makes a large one, ends or raises, and
    otherwise once it has waited :data:`GROUP_WAIT`: a thread sends it then while the
    source is busy. That thread only
    sends what the credits in hand allow, never waits for credits or reads the consumer's
    messages (the worker's loop does both), and everything that touches the socket holds
    :attr:`lock`. The thread needs the GIL: a source that keeps it in C code keeps the held
    batches too, so a group that waited longer than :data:`GROUP_LATE` turns grouping off
    for the rest of the stream.
    """

    def __init__(self, link: Link) -> None:
        self.link = link
        self.lock = threading.Lock()
        self.held: list = []  # the packed message of each held batch
        self.held_bytes = 0
        self.since = 0.0  # when the oldest held batch was made
        self.most = self.most_bytes = 0  # the bounds of the group being held
        self.last = -math.inf  # when the previous batch was dealt with
        self.grouping = True
        self.failure: BaseException | None = None  # what stopped the thread
        self.wake = threading.Event()
        self.idle = True  # the thread waits to be woken (set and read with the lock held)
        self.closing = False
        self.thread: threading.Thread | None = None

    def add(self, multipart: bool, parts: list, size: int) -> None:
        """Take one encoded batch: hold it, or send it with what is held; now and then,
        look at the consumer's messages."""
        if self.failure is not None:
            raise self.failure
        now = time.monotonic()
        if not multipart and size > self.link.max_bytes:
            self.link.check_size(size, size)  # raises before holding: held batches still go
        with self.lock:
            if now >= self.link.next_check:
                self.link.check()  # the credits it reads are the thread's too: hence the lock
            if self.grouping and not multipart and now - self.last <= GROUP_GAP:
                self._hold(parts, size)
                self.last = now
                return
            self._flush()
            if multipart:
                self.link.send(parts, size)
            else:
                self.link.send_small([b"".join(parts)])
        self.last = time.monotonic()  # the source's time for the next batch starts now

    def _hold(self, parts: list, size: int) -> None:
        if self.held_bytes + size > _GROUP_ROOM:
            self._flush()  # what is held goes first, as a group that fits
        if not self.held:
            self._start_group()
        self.held.append(b"".join(parts))  # a copy: the source may reuse its arrays
        self.held_bytes += size
        if len(self.held) >= self.most or self.held_bytes >= self.most_bytes:
            self._flush()

    def _start_group(self) -> None:
        """A group starts: note when, its bounds, and wake the thread if it sleeps."""
        self.since = time.monotonic()
        # Never more than the credits in hand allow (prefetch bounds what a worker makes
        # ahead); credits only grow while batches are held, so these bounds stay safe.
        self.most = min(GROUP_COUNT, self.link.credits)
        self.most_bytes = min(_GROUP_ROOM, self.link.byte_credits)
        if self.idle:  # the thread sleeps until woken; otherwise it watches already
            self.idle = False
            self._start_thread()
            self.wake.set()

    def flush(self) -> None:
        """Send everything held (waiting for credits as needed)."""
        if self.failure is not None:
            raise self.failure
        with self.lock:
            self._flush()

    def _flush(self) -> None:
        if self.held:
            self._note_lateness()
            held, self.held, self.held_bytes = self.held, [], 0
            self.link.send_small(held)

    def _note_lateness(self) -> None:
        """A group that waited longer than GROUP_LATE turns grouping off (the source keeps
        the GIL, so the thread cannot send in time)."""
        if time.monotonic() - self.since > GROUP_LATE:
            self.grouping = False

    def _start_thread(self) -> None:
        if self.thread is None:
            self.thread = threading.Thread(
                target=self._run, name="zmq_stream-group-sender", daemon=True
            )
            self.thread.start()

    def _run(self) -> None:
        try:
            while not self.closing:
                self.wake.wait()
                self.wake.clear()
                self._send_when_due()
        except BaseException as exc:  # raised again by the worker's loop
            self.failure = exc

    def _send_when_due(self) -> None:
        """While batches are held, sleep until the oldest is due, then send what the
        credits allow; go idle once nothing is held."""
        while not self.closing:
            with self.lock:
                if not self.held:
                    self.idle = True
                    return
                delay = self.since + GROUP_WAIT - time.monotonic()
                if delay <= 0:
                    self._note_lateness()
                    sent = self.link.send_ready(self.held, self.held_bytes)
                    self.held = self.held[sent:]
                    self.held_bytes = sum(map(len, self.held))
                    if self.held:  # no credits for them: the worker's loop sends them
                        self.idle = True
                        return
                    delay = GROUP_WAIT
            time.sleep(delay)

    def close(self) -> None:
        """Stop the thread (it never blocks for long) and wait for it."""
        self.closing = True
        self.wake.set()
        if self.thread is not None:
            self.thread.join()


def _serve(link: Link, stream: Any, encode: Any) -> None:
    holder = _Holder(link)
    try:
        for batch in stream:
            holder.add(*encode(batch))
            del batch
        holder.flush()
    except Stopped:
        raise
    except BaseException:  # the batches made before an error go before its report
        with contextlib.suppress(Stopped):
            holder.flush()
        raise
    finally:
        holder.close()


def _receive_endpoint(conn: Any, consumer_pid: int) -> str | None:
    try:
        while not conn.poll(CHECK_SECONDS):
            if not _alive(consumer_pid):
                return None
        endpoint = conn.recv_bytes()
    except (EOFError, OSError):
        return None
    return endpoint.decode() or None


def run_worker(
    source: Any,
    random_int: int | None,
    conn: Any,
    token: bytes,
    window: tuple,
    max_batches: int | None,
) -> None:
    """Run ``source`` and send its batches to the consumer whose address comes through
    ``conn``. ``window`` is ``(batches, bytes, largest batch, consumer pid)``; a
    ``random_int`` first goes to ``random.seed`` and ``numpy.random.seed`` (Python's and
    numpy's global generators)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the consumer's to handle
    mark_stream_worker()
    endpoint = _receive_endpoint(conn, window[3])
    if endpoint is None:
        return
    if random_int is not None:
        random.seed(random_int)
        np.random.seed(random_int % 2**32)  # noqa: NPY002 (sources that use the global generator)
    else:  # as Python does for random after a fork: a forked copy must not replay the parent
        np.random.seed()  # noqa: NPY002
    zmq = import_zmq()
    context = zmq.Context()
    sock = context.socket(zmq.PUSH)
    sock.setsockopt(zmq.SNDHWM, 0)  # credits bound what is in flight
    sock.setsockopt(zmq.LINGER, 0)  # nothing is closed before the consumer read it all
    login = wire.credentials(token).encode()  # the consumer accepts no peer without it
    sock.setsockopt(zmq.PLAIN_USERNAME, login)
    sock.setsockopt(zmq.PLAIN_PASSWORD, login)
    sock.connect(endpoint)
    link = Link(zmq, sock, conn, token, window)
    stream = None
    try:
        stream = iter(source.generate(max_batches))
        _serve(link, stream, wire.BatchEncoder(token).pieces)
        link.finish(wire.FINISHED + token)
    except Stopped:
        pass
    except BaseException as exc:
        with contextlib.suppress(Stopped):
            link.finish(wire.encode_error(exc, traceback.format_exc(), token))
    finally:
        with contextlib.suppress(Exception):  # nobody listens to a report any more
            close_if_closable(stream)
        sock.close(0)
        context.term()
        conn.close()


def _start_method(start_method: str | None) -> str | None:
    """The start method to use: None means multiprocessing's default, or the platform's
    when the default is none of its own (inside a joblib/loky worker it is 'loky')."""
    if start_method is not None:
        return start_method
    default = multiprocessing.get_start_method(allow_none=True)
    if default is None or default in multiprocessing.get_all_start_methods():
        return default
    return multiprocessing.get_all_start_methods()[0]


class WorkerGroup:
    """Starts the worker processes, tells them where to connect, and stops them."""

    def __init__(
        self,
        sources: list,
        random_ints: list,
        windows: list,
        max_batches: int | None,
        start_method: str | None,
    ) -> None:
        self.context = multiprocessing.get_context(_start_method(start_method))
        self.sources = sources
        self.random_ints = random_ints
        self.windows = windows
        self.max_batches = max_batches
        self.tokens = [os.urandom(wire.TOKEN_BYTES) for _ in sources]  # secret, per worker
        self.processes: list = []
        self.pipes: list = []
        self.connected = False

    def _payload(self) -> tuple[Any, bool]:
        """The sources and random ints as the workers receive them: themselves (fork), or pickled
        once for all workers, so data they share is pickled once."""
        method = self.context.get_start_method()
        if method == "fork":
            return (self.sources, self.random_ints), False
        try:
            return _cloudpickle().dumps((self.sources, self.random_ints)), True
        except Exception as exc:
            raise TypeError(
                f"zmq_stream could not pickle the data source for the {method!r} start "
                f"method: {exc}"
            ) from exc

    def start(self) -> None:
        if multiprocessing.current_process().daemon:
            raise RuntimeError(
                "zmq_stream cannot start worker processes from a daemon process (a "
                "zmq_stream worker, say): Python does not let daemon processes have "
                "children. A ZMQStreamer cannot run inside another one; give the outer one "
                "the inner one's source (and its n_workers) instead."
            )
        payload, pickled = self._payload()
        for i in range(len(self.sources)):
            reader, writer = self.context.Pipe(duplex=False)
            self.pipes.append(writer)
            # A forked worker inherits the consumer's ends of the pipes made so far: it
            # closes them, or its own pipe would never tell it that the consumer is gone.
            inherited = [] if pickled else list(self.pipes)
            process = self.context.Process(
                target=_run_indexed,
                args=(payload, pickled, i, reader, self.tokens[i], self.windows[i]),
                kwargs={"max_batches": self.max_batches, "inherited": inherited},
                name=f"zmq_stream-worker-{i}",
                daemon=True,
            )
            try:
                process.start()
            finally:
                reader.close()
            self.processes.append(process)

    def send_endpoint(self, endpoint: str) -> None:
        """Tell every worker where to connect; an empty endpoint tells them to exit."""
        self.connected = bool(endpoint)
        for index in range(len(self.pipes)):
            self.tell(index, endpoint.encode())

    def tell(self, index: int, message: bytes) -> None:
        """Send a control message to worker ``index`` (ignored if it is gone)."""
        with contextlib.suppress(OSError, ValueError):  # gone, or its pipe already closed
            self.pipes[index].send_bytes(message)

    def stop(self, grace: float) -> None:
        """Ask every worker to stop, wait up to ``grace`` seconds, then end the late ones."""
        if self.connected:
            for index in range(len(self.pipes)):
                self.tell(index, wire.STOP)
        else:
            self.send_endpoint("")  # workers still waiting for an address exit at once
        for writer in self.pipes:
            writer.close()
        _join(self.processes, grace)
        for signal_method in ("terminate", "kill"):
            late = [p for p in self.processes if p.exitcode is None]
            for process in late:
                getattr(process, signal_method)()
            _join(late, _TERMINATE_WAIT)
        for process in self.processes:
            if process.exitcode is not None and hasattr(process, "close"):
                process.close()


def _join(processes: list, seconds: float) -> None:
    """Wait for ``processes`` to exit, ``seconds`` at most in all."""
    deadline = time.monotonic() + seconds
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))


def _run_indexed(
    payload: Any,
    pickled: bool,
    index: int,
    conn: Any,
    token: bytes,
    window: tuple,
    max_batches: int | None,
    inherited: list,
) -> None:
    """The body of worker ``index``: unpack the payload (every worker's source and random int)
    and run its own. Module level, so that every start method finds it."""
    for writer in inherited:
        writer.close()
    sources, random_ints = _cloudpickle().loads(payload) if pickled else payload
    run_worker(sources[index], random_ints[index], conn, token, window, max_batches)
