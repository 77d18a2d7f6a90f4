"""zmq_stream binds only to loopback (or a private socket file), retries busy ports, and
shrugs off strangers that connect and send garbage."""

import contextlib
import multiprocessing
import os
import socket
import stat
import time

import numpy as np
import pytest
import zmq

from sklearn_stream import Streamer
from sklearn_stream.zmq_stream import BindError, zmq_stream

pytestmark = pytest.mark.timeout(60)


def paced(n, delay):
    for i in range(n):
        time.sleep(delay)
        yield {"X": np.arange(i, i + 4, dtype=np.float32)}


@contextlib.contextmanager
def occupied_port():
    """A port of 127.0.0.1 held by a listening socket."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    try:
        yield holder.getsockname()[1]
    finally:
        holder.close()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening_addresses(port):
    """Local addresses (hex, as in /proc/net/tcp*) listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:
                    found.append(address)
    return found


def test_binds_only_to_loopback():
    port = free_port()
    stream = zmq_stream(Streamer(paced, 3, 0.0), min_port=port, max_port=port)
    try:
        next(stream)
        assert listening_addresses(port) == ["0100007F"]  # 127.0.0.1, nothing else
    finally:
        stream.close()
    assert listening_addresses(port) == []


def test_a_busy_port_gives_a_clear_error_after_max_tries():
    with occupied_port() as port:
        stream = zmq_stream(Streamer(paced, 3, 0.0), min_port=port, max_port=port, max_tries=5)
        with pytest.raises(BindError, match=rf"tried 1 of the ports {port}..{port}"):
            next(stream)
    assert multiprocessing.active_children() == []


def test_busy_ports_are_skipped():
    with occupied_port() as port:
        other = port + 1 if port < 65535 else port - 1
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", other))
            except OSError:
                pytest.skip(f"port {other} is taken by another process")
        low, high = min(port, other), max(port, other)
        for _ in range(5):  # whichever port is tried first, the free one is found
            got = list(zmq_stream(Streamer(paced, 2, 0.0), min_port=low, max_port=high))
            assert len(got) == 2


def test_ipc_transport_uses_a_private_directory_removed_afterwards():
    before = set(os.listdir("/tmp"))
    stream = zmq_stream(Streamer(paced, 3, 0.0), transport="ipc")
    assert int(next(stream)["X"][0]) == 0
    created = [name for name in set(os.listdir("/tmp")) - before if "sklearn_stream" in name]
    assert len(created) == 1
    mode = os.stat(os.path.join("/tmp", created[0])).st_mode
    assert stat.S_IMODE(mode) == 0o700
    assert [int(batch["X"][0]) for batch in stream] == [1, 2]
    assert not os.path.exists(os.path.join("/tmp", created[0]))


RNG = np.random.default_rng(0)
GARBAGE = [
    [b""],
    [b"D"],
    [RNG.bytes(64)],
    [b"D" + RNG.bytes(16) + b"\x10\x00\x00\x00" + b'[["X","a","<f4",[4],"C"]]' + bytes(16)],
    [b"M" + RNG.bytes(16) + b"\xff\xff\xff\xff", RNG.bytes(1000), RNG.bytes(10)],
    [b"E" + RNG.bytes(16) + b'{"type": "SystemExit"}'],
    [b"F" + RNG.bytes(16)],
    [b"G" + RNG.bytes(16) + b"\x02\x00\x00\x00" + RNG.bytes(200)],
    [b"G" + RNG.bytes(16)],
    [RNG.bytes(100) for _ in range(5)],
]


def test_strangers_sending_garbage_neither_crash_nor_hang_the_consumer():
    port = free_port()
    stream = zmq_stream(Streamer(paced, 40, 0.01), min_port=port, max_port=port)
    received = [int(next(stream)["X"][0])]
    context = zmq.Context()
    stranger = context.socket(zmq.PUSH)
    stranger.setsockopt(zmq.LINGER, 1000)
    stranger.connect(f"tcp://127.0.0.1:{port}")
    raw = socket.create_connection(("127.0.0.1", port))
    try:
        for frames in GARBAGE * 3:
            stranger.send_multipart(frames)
        raw.sendall(RNG.bytes(4096))  # not even the ZeroMQ handshake
        received += [int(batch["X"][0]) for batch in stream]
    finally:
        raw.close()
        stranger.close()
        context.term()
        stream.close()
    assert received == list(range(40))
    assert multiprocessing.active_children() == []
