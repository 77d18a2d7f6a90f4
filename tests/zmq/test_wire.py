"""The zmq_stream wire format, in one process: every supported value survives a round trip,
anything else is refused with a TypeError naming the key, and every malformed message is
refused with a WireError (never another exception, never a crash)."""

import contextlib
import json
import struct

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sklearn_stream._zmq.decode import BatchDecoder, decode_error, split_multipart
from sklearn_stream._zmq.wire import (
    HEADER_ROOM,
    BatchEncoder,
    WireError,
    encode_error,
    group_head,
)

TOKEN = bytes(range(16))

NUMERIC_DTYPES = [
    np.bool_,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
    np.float16,
    np.float32,
    np.float64,
    np.longdouble,
    np.complex64,
    np.complex128,
    np.clongdouble,
    ">i4",
    ">f8",
    "<c16",
]


def frames_of(batch, encoder=None):
    """The frames a worker sends for ``batch`` alone: a large batch's own frames, or the
    joined pieces of a small one."""
    multipart, parts, _ = (encoder or BatchEncoder(TOKEN)).pieces(batch)
    return parts if multipart else [b"".join(parts)]


def round_trip(batch, copy=False, encoder=None, decoder=None):
    decoder = decoder or BatchDecoder(copy)
    frames = frames_of(batch, encoder)
    if len(frames) == 1:
        return decoder.decode(frames[0])
    header, buffers = split_multipart(frames[0], received(frames[1:]))
    return decoder.decode(header, buffers)


def received(frames):
    """What the consumer receives for ``frames`` (bytes or arrays) after the first."""
    views = [memoryview(f if isinstance(f, bytes) else np.ascontiguousarray(f)) for f in frames]
    return [_Frame(view.cast("B")) for view in views]


class _Frame:
    """Stands for a received zmq frame (an object with ``buffer``) in one-process tests."""

    def __init__(self, view):
        self.buffer = view


def assert_same(received, sent):
    assert list(received) == list(sent)
    for key, value in sent.items():
        got = received[key]
        assert type(got) is type(value), key
        if isinstance(value, np.ndarray):
            assert got.dtype == value.dtype and got.shape == value.shape
            np.testing.assert_array_equal(got, value)
        elif sp.issparse(value):
            assert got.format == value.format and got.shape == value.shape
            np.testing.assert_array_equal(got.toarray(), value.toarray())
        elif isinstance(value, float) and np.isnan(value):
            assert np.isnan(got)
        else:
            assert got == value


def layouts(array):
    """The same values in C, Fortran, strided, reversed and transposed layouts."""
    yield "C", np.ascontiguousarray(array)
    yield "F", np.asfortranarray(array)
    yield "strided", np.repeat(array, 2, axis=0)[::2]
    yield "reversed", array[::-1]
    yield "transposed", array.T


@pytest.mark.parametrize("dtype", NUMERIC_DTYPES, ids=str)
@pytest.mark.parametrize("copy", [False, True])
def test_numeric_dtypes_and_layouts_round_trip(dtype, copy):
    rng = np.random.default_rng(0)
    base = (rng.normal(size=(6, 5)) * 50).astype(dtype)
    for name, array in layouts(base):
        got = round_trip({"X": array}, copy=copy)["X"]
        assert got.dtype == array.dtype, name
        np.testing.assert_array_equal(got, array, err_msg=name)
        assert got.flags.writeable is copy, name


@pytest.mark.parametrize("dtype", ["U", "S", ">U", "<U"])
@pytest.mark.parametrize("copy", [False, True])
def test_fixed_width_text_and_bytes_arrays_round_trip(dtype, copy):
    """Class labels stored as text (numpy's U and S dtypes, as HDF5 and zarr files hold
    them) travel as raw bytes, in every layout, small or large."""
    words = [["cat", "dog", ""], ["ελάφι", "b", "zebra"]]
    if "S" in dtype:
        words = [[word.encode() for word in row] for row in words]
    labels = np.array(words, dtype=dtype)
    for name, array in layouts(labels):
        batch = {"y": array, "X": np.zeros((2, 3))}
        got = round_trip(batch, copy=copy)["y"]
        assert got.dtype == array.dtype and got.shape == array.shape, name
        np.testing.assert_array_equal(got, array, err_msg=name)
    large = {"y": np.repeat(labels, 3000, axis=0)}  # over the packing limit: its own frame
    np.testing.assert_array_equal(round_trip(large, copy=copy)["y"], large["y"])


@pytest.mark.parametrize(
    "shape", [(), (0,), (0, 3), (3, 0), (1,), (2, 3, 4), (1, 1, 1, 1, 2)], ids=str
)
@pytest.mark.parametrize("packed", [True, False], ids=["small", "large"])
def test_zero_d_and_empty_arrays(shape, packed):
    value = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    batch = {"X": value}
    if not packed:
        batch["big"] = np.zeros(1 << 15)  # pushes the message over the packing limit
    assert_same(round_trip(batch), batch)


def test_large_batches_travel_as_separate_buffers():
    batch = {"X": np.arange(1 << 17, dtype=np.float32), "y": np.arange(3)}
    frames = frames_of(batch)
    assert len(frames) == 4  # kind and token, X, y, header
    assert frames[1] is batch["X"] and frames[2] is batch["y"]  # no copy in the worker
    assert_same(round_trip(batch), batch)


def test_packed_arrays_are_aligned():
    batch = {"a": np.arange(3, dtype=np.int8), "b": np.arange(5.0), "c": np.ones(2, complex)}
    got = round_trip(batch)
    assert all(value.flags.aligned for value in got.values())
    assert all(value.ctypes.data % 16 == got["a"].ctypes.data % 16 for value in got.values())


SPARSE = [
    sp.csr_matrix,
    sp.csc_matrix,
    sp.coo_matrix,
    sp.lil_matrix,
    sp.dok_matrix,
    sp.dia_matrix,
    sp.csr_array,
    sp.csc_array,
    sp.coo_array,
    sp.lil_array,
    sp.dok_array,
]


@pytest.mark.parametrize("cls", SPARSE, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("copy", [False, True])
def test_sparse_round_trip(cls, copy):
    dense = np.zeros((5, 7))
    dense[[0, 2, 4], [1, 3, 6]] = [1.5, -2.0, 3.25]
    batch = {"X": cls(dense), "empty": cls((3, 4), dtype=np.float32)}
    assert_same(round_trip(batch, copy=copy), batch)


def test_bsr_keeps_its_blocksize():
    matrix = sp.bsr_matrix(np.kron(np.eye(3), np.ones((2, 2))), blocksize=(2, 2))
    got = round_trip({"X": matrix})["X"]
    assert got.format == "bsr" and got.blocksize == (2, 2)
    np.testing.assert_array_equal(got.toarray(), matrix.toarray())


def test_python_and_numpy_scalars_round_trip():
    batch = {
        "int": 7,
        "big": 2**80,
        "float": 0.1,
        "nan": float("nan"),
        "inf": float("-inf"),
        "bool": True,
        "none": None,
        "str": "héllo ✓",
        "complex": 1.5 - 2j,
        "bytes": b"\x00\x01raw",
        "list": [1, 2.5, "a", None, False],
        "tuple": (1, "b"),
        "np_float": np.float32(1.25),
        "np_int": np.int64(-3),
        "np_bool": np.bool_(True),
        "np_complex": np.complex128(1 + 1j),
    }
    assert_same(round_trip(batch), batch)


class Opaque:
    pass


@pytest.mark.parametrize(
    ("value", "type_name"),
    [
        (np.array([object(), 1], dtype=object), "ndarray"),
        (np.array(["a", "b"], dtype=object), "ndarray"),
        (np.array(["2020-01-01"], dtype="datetime64[D]"), "ndarray"),
        (np.zeros(2, dtype=[("a", "f4")]), "ndarray"),
        (np.ma.masked_array([1, 2]), "MaskedArray"),
        (np.matrix([[1, 2]]), "matrix"),
        ({"nested": 1}, "dict"),
        ([[1, 2], [3]], "list"),
        ({1, 2}, "set"),
        (Opaque(), "Opaque"),
        (np.zeros(2, dtype="S1000000"), "ndarray"),
        (np.zeros(2, dtype="U1000000"), "ndarray"),
        (sp.coo_array(np.ones((2, 2, 2))), "coo_array"),
        (10**3000, "int"),
        ([1, 10**3000], "list"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_unsupported_values_raise_type_error_naming_key_and_type(value, type_name):
    with pytest.raises(TypeError, match=rf"'weird'.*{type_name}"):
        frames_of({"X": np.zeros(2), "weird": value})


def test_non_dict_batches_and_non_str_keys_are_refused():
    with pytest.raises(TypeError, match="yielded a list"):
        frames_of([np.zeros(2)])
    with pytest.raises(TypeError, match="batch key 3 is a int"):
        frames_of({3: np.zeros(2)})


def test_cached_header_follows_shape_and_dtype_changes():
    encoder, decoder = BatchEncoder(TOKEN), BatchDecoder(False)
    for n in [3, 3, 4, 3, 0]:
        for dtype in [np.float32, np.int64]:
            batch = {"X": np.arange(n * 2, dtype=dtype).reshape(n, 2), "y": np.arange(n)}
            assert_same(round_trip(batch, encoder=encoder, decoder=decoder), batch)


@pytest.mark.parametrize("n", [4, 1 << 13])  # packed, and one frame per buffer
@pytest.mark.parametrize("layout", ["C", "F", "strided", "mixed"])
def test_repeated_layouts_round_trip_through_the_header_cache(n, layout):
    encoder, decoder = BatchEncoder(TOKEN), BatchDecoder(False)
    for i in range(3):  # the second and third batches reuse the first one's header
        grid = np.arange(i, i + n * 6, dtype=np.float64).reshape(n, 6)
        X = {"C": grid, "F": np.asfortranarray(grid), "strided": grid[:, ::2]}.get(layout)
        batch = {"X": grid[::-1] if X is None else X, "y": np.arange(n) + i}
        assert_same(round_trip(batch, encoder=encoder, decoder=decoder), batch)


def test_writable_copy_does_not_share_memory_with_message():
    batch = {"X": np.arange(10.0)}
    frames = frames_of(batch)
    got = BatchDecoder(True).decode(frames[0])["X"]
    got[0] = 99
    assert BatchDecoder(False).decode(frames[0])["X"][0] == 0


def test_error_report_round_trip():
    message = encode_error(KeyError("k"), "Traceback: line 1", TOKEN)
    report = decode_error(message)
    assert report == {
        "type": "KeyError",
        "module": "builtins",
        "message": "'k'",
        "args": ("k",),
        "traceback": "Traceback: line 1",
    }


@pytest.mark.parametrize("size", [10, 100_000, 5_000_000])
def test_an_error_report_always_fits_in_the_header_room(size):
    exc = ValueError("x" * size)
    message = encode_error(exc, f"Traceback\n{'y' * size}", TOKEN)
    assert len(message) <= HEADER_ROOM
    report = decode_error(message)
    assert report["message"].startswith("xxx") and report["message"].endswith("xxx")
    if size > 1000:
        assert "characters left out" in report["message"]
    with pytest.raises(WireError):
        decode_error(b"E" + TOKEN + b"{not json")
    with pytest.raises(WireError):
        decode_error(b"E" + TOKEN + json.dumps({"type": 1}).encode())


# -- malformed messages ------------------------------------------------------------------
def message_with_header(fields, payload=b""):
    header = json.dumps(fields).encode()
    return b"D" + TOKEN + struct.pack("<I", len(header)) + header + payload


@pytest.mark.parametrize(
    ("fields", "payload"),
    [
        ([["X", "a", "|O8", [1], "C"]], bytes(8)),  # object dtype
        ([["X", "a", "<U0", [1], "C"]], b""),  # text of no width
        ([["X", "a", "|S1234567", [1], "C"]], bytes(1234567)),  # absurd width
        ([["X", "a", "<f4", [2], "C"]], bytes(4)),  # too few bytes
        ([["X", "a", "<f4", [1], "C"]], bytes(12)),  # too many bytes
        ([["X", "a", "<f4", [-1], "C"]], b""),  # negative shape
        ([["X", "a", "<f4", [True], "C"]], bytes(4)),  # bool as a dimension
        ([["X", "a", "<f4", [2**40, 2**40], "C"]], bytes(4)),  # absurd size
        ([["X", "a", "<f4", [1], "Z"]], bytes(4)),  # unknown order
        ([["X", "a", "<f0", [1], "C"]], bytes(4)),  # not a dtype
        ([["X", "zz", 1]], b""),  # unknown kind
        ([["X", "p", {"a": 1}]], b""),  # not a scalar
        ([["X", "p", 1], ["X", "p", 2]], b""),  # repeated key
        ([[1, "p", 1]], b""),  # key not a str
        ({"X": 1}, b""),  # not a list
        ([["X", "s", "csr", False, [2, 2], [["<f8", [1], "C"]], None]], bytes(8)),
        ([["X", "s", "csr", False, [2, 2], [["<f8", [1], "C"]] * 3, None]], bytes(40)),
        ([["X", "b", -1]], b""),
    ],
)
def test_malformed_headers_raise_wire_error(fields, payload):
    with pytest.raises(WireError):
        BatchDecoder(False).decode(message_with_header(fields, payload))


def test_multipart_buffer_count_and_sizes_are_checked():
    batch = {"X": np.arange(1 << 15, dtype=np.float64)}
    frames = frames_of(batch)
    assert len(frames) == 3 and frames[0] == b"M" + TOKEN  # kind and token first, header last
    header = frames[-1]
    decoder = BatchDecoder(False)
    with pytest.raises(WireError, match="buffers"):
        decoder.decode(header, [])
    short = _Frame(memoryview(bytes(8)))
    with pytest.raises(WireError, match="does not match"):
        decoder.decode(header, [short])


@pytest.mark.parametrize(
    "change",
    [
        lambda frames: frames[:1],  # no frame after the first
        lambda frames: [frames[0] + b"x", *frames[1:]],  # a first frame too long
        lambda frames: [*frames[:-1], b"M" + bytes(16) + frames[-1][17:]],  # another token
        lambda frames: [*frames[:-1], b"D" + frames[-1][1:]],  # another kind
    ],
)
def test_multipart_frames_that_do_not_match_are_refused(change):
    frames = change(frames_of({"X": np.arange(1 << 15, dtype=np.float64)}))
    with pytest.raises(WireError, match="multipart"):
        split_multipart(frames[0], received(frames[1:]))


def test_sparse_coordinates_outside_the_shape_are_refused():
    row = np.array([0, 5], dtype=np.int32)
    col = np.array([0, 1], dtype=np.int32)
    data = np.array([1.0, 2.0])
    specs = [["<f8", [2], "C"], ["<i4", [2], "C"], ["<i4", [2], "C"]]
    fields = [["X", "s", "coo", False, [2, 2], specs, None]]
    header = json.dumps(fields).encode()
    header += b" " * (-(21 + len(header)) % 16)
    body = data.tobytes() + row.tobytes() + bytes(8) + col.tobytes()
    message = b"D" + TOKEN + struct.pack("<I", len(header)) + header + body
    with pytest.raises(WireError, match="outside"):
        BatchDecoder(False).decode(message)


@given(st.binary(max_size=200))
def test_random_bytes_never_raise_anything_but_wire_error(data):
    decoder = BatchDecoder(False)
    for message in (data, b"D" + TOKEN + data, b"D" + TOKEN + struct.pack("<I", len(data)) + data):
        with contextlib.suppress(WireError):
            decoder.decode(message)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=3), children, max_size=3)
        ),
        max_leaves=12,
    )
)
def test_random_json_headers_never_raise_anything_but_wire_error(document):
    with contextlib.suppress(WireError):
        BatchDecoder(False).decode(message_with_header(document))


@given(
    hnp.arrays(
        dtype=st.sampled_from([np.bool_, np.int8, np.uint16, np.int64, np.float16, np.float64]),
        shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5),
    ),
    st.sampled_from(["C", "F", "strided", "reversed"]),
    st.booleans(),
)
def test_any_array_round_trips_equal(array, layout, copy):
    if layout == "F":
        array = np.asfortranarray(array)
    elif layout == "strided" and array.ndim:
        array = np.repeat(array, 2, axis=0)[::2]
    elif layout == "reversed" and array.ndim:
        array = array[::-1]
    got = round_trip({"X": array, "pad": np.zeros(3)}, copy=copy)["X"]
    assert got.dtype == array.dtype and got.shape == array.shape
    np.testing.assert_array_equal(got, array)


@given(st.lists(st.binary(max_size=120), min_size=1, max_size=4))
def test_random_multipart_frames_never_raise_anything_but_wire_error(frames):
    first = b"M" + TOKEN
    with contextlib.suppress(WireError):
        header, buffers = split_multipart(first, received([first + frames[0], *frames[1:]]))
        BatchDecoder(False).decode(header, buffers)


def packed(batch, encoder):
    multipart, parts, size = encoder.pieces(batch)
    assert not multipart
    message = b"".join(parts)
    assert len(message) == size and size % 16 == 0
    return message


@given(
    st.lists(
        st.sampled_from([(4, "<f4"), (3, "<i8"), (0, "<f8"), (7, "|u1")]), min_size=1, max_size=20
    )
)
def test_a_group_gives_back_its_batches_in_order(shapes):
    encoder = BatchEncoder(TOKEN)
    batches = [{"X": np.full(n, i, dtype=dtype), "i": i} for i, (n, dtype) in enumerate(shapes)]
    messages = [packed(batch, encoder) for batch in batches]
    group = b"".join([group_head(TOKEN), *messages])
    got, lengths = BatchDecoder(False).decode_group(group)
    assert lengths == [len(message) for message in messages]
    for a, b in zip(got, batches, strict=True):
        assert_same(a, b)


@pytest.mark.parametrize(
    "tail",
    [b"", b"D" + bytes(16), bytes(15), b"X" * 64],
    ids=["empty", "foreign token", "short", "junk"],
)
def test_a_malformed_group_raises_wire_error(tail):
    encoder = BatchEncoder(TOKEN)
    first = packed({"X": np.zeros(3)}, encoder)
    group = group_head(TOKEN) + (first if tail else b"") + tail
    with pytest.raises(WireError):
        BatchDecoder(False).decode_group(group)


@given(st.binary(max_size=300))
def test_random_bytes_in_a_group_never_raise_anything_but_wire_error(data):
    encoder = BatchEncoder(TOKEN)
    group = group_head(TOKEN) + packed({"X": np.zeros(3)}, encoder) + data
    with contextlib.suppress(WireError):
        BatchDecoder(False).decode_group(group)
