"""Small batches travel in groups: the group format round-trips and refuses malformed input,
a worker really groups a fast source, and grouping never costs a batch, its order, or a wait
for a source that has stalled."""

import contextlib
import multiprocessing
import os
import struct
import time

import numpy as np
import pytest
import zmq
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sklearn_stream import Streamer
from sklearn_stream._decode import BatchDecoder, split_group
from sklearn_stream._link import GROUP_COUNT, Flusher, Link
from sklearn_stream._wire import GROUP, BatchEncoder, WireError, pack_group
from sklearn_stream._workers import _send_all
from sklearn_stream.zmq_stream import zmq_stream

TOKEN = bytes(range(16))


def decode_group(message, copy=False):
    decoder = BatchDecoder(copy)
    return [decoder.decode(message[start : start + size]) for start, size in split_group(message)]


def assert_same_batches(got, expected):
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert a.keys() == b.keys()
        for key in a:
            assert a[key].dtype == b[key].dtype
            np.testing.assert_array_equal(a[key], b[key])


# -- the format ----------------------------------------------------------------------------
small_arrays = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.int64, np.bool_, np.uint8, np.complex128]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=5),
)


@given(st.lists(st.dictionaries(st.sampled_from("abc"), small_arrays, min_size=1), min_size=1))
def test_a_group_gives_back_its_batches_in_order(batches):
    encoder = BatchEncoder(TOKEN)
    messages = [encoder.message(batch) for batch in batches]
    assert all(len(message) % 16 == 0 for message in messages)
    group = pack_group(TOKEN, messages)
    positions = split_group(group)
    assert all(start % 16 == 0 for start, _ in positions)  # every array stays aligned
    assert_same_batches(decode_group(group), batches)


def group_of(sizes, count=None, body=None):
    count = len(sizes) if count is None else count
    head = GROUP + TOKEN + struct.pack(f"<{len(sizes) + 1}I", count, *sizes)
    head += bytes(-len(head) % 16)
    return head + (bytes(sum(sizes)) if body is None else body)


@pytest.mark.parametrize(
    ("message", "match"),
    [
        (GROUP + TOKEN, "too short"),
        (group_of([]), "cannot hold 0"),
        (group_of([64], count=1000), "cannot hold 1000"),
        (group_of([24]), "malformed"),  # not a multiple of 16
        (group_of([16]), "malformed"),  # no room for more than the tag and token
        (group_of([64, 64], body=bytes(100)), "add up"),
        (group_of([64], body=bytes(80)), "add up"),
    ],
)
def test_a_malformed_group_raises_wire_error(message, match):
    with pytest.raises(WireError, match=match):
        split_group(message)


@given(st.binary(max_size=300))
def test_random_bytes_after_a_group_tag_never_raise_anything_but_wire_error(data):
    with contextlib.suppress(WireError):
        for start, size in split_group(GROUP + TOKEN + data):
            BatchDecoder(False).decode((GROUP + TOKEN + data)[start : start + size])


# -- the worker's side, in one process with real sockets --------------------------------------
@contextlib.contextmanager
def connected_link(window=(10**6, None)):
    context = zmq.Context()
    pull = context.socket(zmq.PULL)
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    push = context.socket(zmq.PUSH)
    push.connect(f"tcp://127.0.0.1:{port}")
    reader, writer = multiprocessing.Pipe(duplex=False)
    link = Link(zmq, push, reader, window, os.getpid(), TOKEN)
    try:
        yield link, pull
    finally:
        push.close(0)
        pull.close(0)
        context.term()
        reader.close()
        writer.close()


def received(pull, timeout_ms=2000):
    messages = []
    while pull.poll(timeout_ms):
        messages.append(pull.recv())
        timeout_ms = 200
    return messages


def small_batches(n):
    return [{"X": np.full(8, i, dtype=np.float32), "y": np.array([i])} for i in range(n)]


@pytest.mark.timeout(60)
def test_a_fast_source_is_sent_in_groups_that_lose_nothing():
    batches = small_batches(1000)
    with connected_link() as (link, pull):
        flusher = Flusher(link)
        try:
            _send_all(link, iter(batches), flusher)
            with link.lock:
                link.flush()
        finally:
            flusher.close()
        messages = received(pull)
    groups = [message for message in messages if message[:1] == GROUP]
    assert groups, "no batch was grouped"
    assert max(len(split_group(group)) for group in groups) <= GROUP_COUNT
    got = []
    for message in messages:
        if message[:1] == GROUP:
            got.extend(decode_group(message))
        else:
            got.append(BatchDecoder(False).decode(message))
    assert_same_batches(got, batches)


@pytest.mark.timeout(60)
def test_the_flusher_sends_what_waits_while_the_source_is_busy():
    with connected_link() as (link, pull):
        flusher = Flusher(link)
        try:
            with link.lock:
                link.held.append(BatchEncoder(TOKEN).message(small_batches(1)[0]))
                link.held_since = time.monotonic()
                flusher.wake()
            messages = received(pull)  # nobody else sends: only the flusher can
        finally:
            flusher.close()
    assert len(messages) == 1
    assert not link.held


@pytest.mark.timeout(60)
def test_an_error_in_the_flusher_is_raised_by_the_worker_loop():
    with connected_link() as (link, _):
        flusher = Flusher(link)
        try:
            link.sock.close(0)  # every send now fails
            with link.lock:
                link.held.append(BatchEncoder(TOKEN).message(small_batches(1)[0]))
                link.held_since = time.monotonic()
                flusher.wake()
            flusher.join(10)
            assert isinstance(link.failure, zmq.ZMQError)
            with pytest.raises(zmq.ZMQError):
                link.check()
            with pytest.raises(zmq.ZMQError):
                link.flush()
        finally:
            flusher.close()


# -- end to end ----------------------------------------------------------------------------
def quick_then_stuck(n):
    yield from small_batches(n)
    time.sleep(30)  # the source stalls with batches made and not yet taken


@pytest.mark.timeout(60)
def test_batches_made_before_a_stall_arrive_without_waiting_for_it():
    stream = zmq_stream(Streamer(quick_then_stuck, 5), timeout=0.2)
    started = time.monotonic()
    got = [next(stream) for _ in range(5)]
    elapsed = time.monotonic() - started
    stream.close()
    assert_same_batches(got, small_batches(5))
    assert elapsed < 10, f"the batches waited {elapsed:.1f} s for the stalled source"


def quick_then_failing(n):
    yield from small_batches(n)
    raise ValueError("the source broke")


@pytest.mark.timeout(60)
def test_batches_made_before_an_error_arrive_before_it():
    got = []
    with pytest.raises(ValueError, match="the source broke"):
        for batch in zmq_stream(Streamer(quick_then_failing, 50)):
            got.append(batch)
    assert_same_batches(got, small_batches(50))


def mixed_sizes(n):
    for i in range(n):
        width = 1 << 16 if i % 7 == 3 else 4  # some batches of 256 KiB among tiny ones
        yield {"X": np.full(width, i, dtype=np.float32)}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("prefetch", [None, 1, 5])
def test_small_and_large_batches_keep_their_order(prefetch):
    source = Streamer(mixed_sizes, 60)
    got = [int(batch["X"][0]) for batch in zmq_stream(source, prefetch=prefetch)]
    assert got == list(range(60))


def bursts_then_gil_stalls(n_bursts, burst, stall_terms):
    for b in range(n_bursts):
        for i in range(burst):
            yield {"X": np.full(4, b * burst + i, dtype=np.float32), "made": time.monotonic()}
        sum(range(stall_terms))  # C code that keeps the GIL: the flusher thread cannot run


def gil_stall_terms(seconds):
    terms = 1_000_000
    started = time.monotonic()
    sum(range(terms))
    return int(terms * seconds / max(time.monotonic() - started, 1e-6))


@pytest.mark.timeout(120)
def test_a_source_that_keeps_the_gil_stops_grouping_after_one_late_group():
    stall, bursts, burst = 0.3, 4, 5
    source = Streamer(bursts_then_gil_stalls, bursts, burst, gil_stall_terms(stall))
    waits, order = [], []
    for batch in zmq_stream(source):  # the clock is the machine's: same in both processes
        waits.append(time.monotonic() - batch["made"])
        order.append(int(batch["X"][0]))
    assert order == list(range(bursts * burst))
    # A group held when the source took the GIL waits for the whole stall; after one such
    # late group the worker sends every batch at once. Which burst that is depends on
    # timing (a slow start may send a whole burst one by one), but there is one at most.
    late = {i // burst for i, wait in enumerate(waits) if wait >= stall / 2}
    assert len(late) <= 1, [round(wait, 3) for wait in waits]
