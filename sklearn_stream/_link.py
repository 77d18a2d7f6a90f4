"""A ``zmq_stream`` worker's ends of its connection: control messages in, batches out.

The consumer hands out credits through a private pipe; a worker sends only while it holds
some, so at most its window of batches (and bytes) is in flight.

Small batches that the source makes in quick succession are held back for a moment and sent
together, as one group message (see ``_wire``): for batches of a few KiB, the cost of a
message in pyzmq and libzmq is larger than the cost of the batch itself. A held batch is
sent once the group is full (:data:`GROUP_COUNT` batches or :data:`GROUP_BYTES` bytes), once
the first held batch has waited :data:`GROUP_WAIT` seconds, or as soon as the source takes
longer than :data:`GROUP_GAP` seconds to make a batch. While the source is busy making its
next batch, a thread (:class:`Flusher`) sends what has waited :data:`GROUP_WAIT`. That
thread needs the GIL: behind a source running Python code it gets it within the
interpreter's switch interval (5 ms), but a source that keeps the GIL inside C code keeps
the held batches too. So a group that had to wait longer than :data:`GROUP_LATE` turns
grouping off for the rest of the worker's stream: each batch then goes on its own, at once.
Everything that touches the socket or the pipe holds :attr:`Link.lock`.
"""

import os
import threading
import time
from typing import Any

from . import _wire

__all__ = [
    "CHECK_MS",
    "GROUP_BYTES",
    "GROUP_COUNT",
    "GROUP_GAP",
    "GROUP_LATE",
    "GROUP_WAIT",
    "ZERO_COPY_BYTES",
    "Flusher",
    "Link",
    "Stopped",
    "alive",
]

CHECK_MS = 200  # how often a waiting worker checks that its consumer still exists
ZERO_COPY_BYTES = 1 << 16  # larger buffers are sent without a copy, and tracked
GROUP_COUNT = 64  # most batches in one group message
GROUP_BYTES = 1 << 16  # a group is sent once its batches hold this many bytes
GROUP_WAIT = 1e-3  # longest time the first batch of a group waits for others
GROUP_GAP = 1e-4  # a source slower than this per batch gets its batches sent one by one
GROUP_LATE = 0.05  # a group that waited this long: the source keeps the GIL, stop grouping


def alive(pid: int) -> bool:
    """Whether process ``pid`` still exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Stopped(Exception):
    """The consumer asked this worker to stop, or is gone."""


class Link:
    """The worker's ends of the connection: control messages in (pipe), batches out (zmq)."""

    def __init__(
        self, zmq: Any, sock: Any, conn: Any, window: tuple, consumer_pid: int, token: bytes
    ) -> None:
        self.zmq = zmq
        self.sock = sock
        # pyzmq's Socket.send only adds DRAFT options (routing_id, group) to the compiled
        # send of its base class, at about 0.2 us per call: messages skip it.
        self.send = super(zmq.Socket, sock).send
        self.conn = conn
        self.token = token
        self.credits, self.window_bytes = window  # batches, and bytes (or None)
        self.byte_credits = float("inf") if self.window_bytes is None else self.window_bytes
        self.consumer_pid = consumer_pid
        self.trackers: list = []
        self.held: list = []  # small batches (packed messages) waiting to go as a group
        self.held_since = 0.0  # when the first of them was made
        self.grouping = True  # False once a group had to wait GROUP_LATE
        self.lock = threading.Lock()
        self.failure: BaseException | None = None  # what stopped the flusher thread
        self.next_check = time.monotonic() + CHECK_MS / 1000

    def drain(self) -> None:
        """Read every control message already waiting, without blocking."""
        conn = self.conn
        try:
            while conn.poll(0):
                message = conn.recv_bytes()
                if message[:1] == _wire.CREDIT:
                    batches, nbytes = message[1:].split(b",")
                    self.credits += int(batches)
                    self.byte_credits += int(nbytes)
                else:
                    raise Stopped
        except (EOFError, OSError):
            raise Stopped from None

    def check(self) -> None:
        """Look for a stop request now and then, even while credits remain."""
        self.next_check = time.monotonic() + CHECK_MS / 1000
        if self.failure is not None:
            raise self.failure
        self.drain()

    def wait_control(self) -> None:
        """Block until a control message arrives (or the consumer is gone)."""
        if self.conn.poll(CHECK_MS / 1000):
            self.drain()
        elif not alive(self.consumer_pid):
            raise Stopped

    def wait_sent(self) -> None:
        """Wait until libzmq no longer needs the buffers of the last batch.

        Large arrays are sent without a copy; the source may reuse their memory for its next
        batch, so the next batch is not requested before they have left.
        """
        for tracker in self.trackers:
            while not tracker.done:
                try:
                    tracker.wait(CHECK_MS / 1000)
                except self.zmq.NotDone:
                    self.drain()
                    if not alive(self.consumer_pid):
                        raise Stopped from None
        self.trackers.clear()

    def _may_send(self, size: int) -> bool:
        if self.credits <= 0:
            return False
        # A batch larger than the whole byte window may go when nothing else is in flight.
        return size <= self.byte_credits or self.byte_credits == self.window_bytes

    def flush(self) -> None:
        """Send the held small batches: as groups, as many at a time as the credits allow."""
        held = self.held
        if self.failure is not None:
            raise self.failure
        if held and time.monotonic() - self.held_since > GROUP_LATE:
            self.grouping = False
        while held:
            first = len(held[0])
            while not self._may_send(first):
                self.wait_control()
            credits, budget, take = self.credits - 1, self.byte_credits - first, 1
            while take < len(held) and credits > 0 and len(held[take]) <= budget:
                credits -= 1
                budget -= len(held[take])
                take += 1
            if take == 1:
                self.send(held[0])
            else:
                self.send(_wire.pack_group(self.token, held[:take]))
            del held[:take]
            self.credits, self.byte_credits = credits, budget

    def send_batch(self, frames: list, owned: bool = False) -> None:
        """Send a large batch after the held small ones: ``frames`` is its first frame (bytes),
        its buffers, and its header frame (bytes), as ``_wire`` makes them."""
        self.flush()
        buffers = frames[1:-1]
        size = len(frames[0]) + len(frames[-1])
        for buffer in buffers:
            size += buffer.nbytes
        while not self._may_send(size):
            self.wait_control()
        self.byte_credits -= size
        sock, more = self.sock, self.zmq.SNDMORE
        sock.send(frames[0], more)
        for buffer in buffers:
            if buffer.nbytes < ZERO_COPY_BYTES:
                sock.send(buffer, more)  # a copy costs less than waiting for it to go
            elif owned:  # nothing else can change it: no need to know when it has left
                sock.send(buffer, more, copy=False)
            else:
                self.trackers.append(sock.send(buffer, more, copy=False, track=True))
        sock.send(frames[-1])
        self.credits -= 1


class Flusher(threading.Thread):
    """Sends the held batches of a :class:`Link` once the first has waited ``GROUP_WAIT``.

    It starts with the first group (a stream of large batches, or of a slow source, never
    needs it), and sleeps on an event while nothing is held; the worker's loop wakes it
    when it starts a group (:meth:`wake`, with the link's lock held). An exception in it is
    kept in ``link.failure`` and raised by the worker's loop.
    """

    def __init__(self, link: Link) -> None:
        super().__init__(name="zmq_stream-flusher", daemon=True)
        self.link = link
        self.idle = True
        self.closing = False
        self.event = threading.Event()

    def wake(self) -> None:
        """Tell the thread a group has started (call with ``link.lock`` held)."""
        if self.idle:
            self.idle = False
            if self.ident is None:
                self.start()
            self.event.set()

    def run(self) -> None:
        link, event = self.link, self.event
        while True:
            event.wait()
            event.clear()
            if self.closing or link.failure is not None:
                return
            while not (self.closing or link.failure is not None):
                # Unlocked reads: while the worker's loop keeps sending groups itself, this
                # thread only sleeps until the newest group would be due.
                delay = link.held_since + GROUP_WAIT - time.monotonic()
                if link.held and delay > 0:
                    time.sleep(delay)
                    continue
                with link.lock:
                    if link.held and link.held_since + GROUP_WAIT > time.monotonic():
                        continue  # a newer group started meanwhile
                    try:
                        link.flush()
                    except BaseException as exc:  # the worker's loop raises it
                        link.failure = exc
                        return
                    self.idle = True
                break

    def close(self) -> None:
        """Stop the thread and wait for it."""
        self.closing = True
        self.event.set()
        if self.ident is not None:
            self.join()
