"""The wire format of ``zmq_stream``: batches as frames, never pickled.

Every message a worker sends starts with one byte that says its kind and the worker's secret
token (:data:`TOKEN_BYTES` bytes): a message without a known token is dropped unread.

Data travels in two layouts. A small batch (``D``: under :data:`PACK_BYTES` bytes of
buffers) is one frame: kind, token, a 4-byte header length, a JSON header describing every
field (key, kind of value; for arrays dtype, shape and memory order), then the raw buffers,
each starting at a multiple of 16 bytes. A large batch (``M``) is a multipart message: a
first frame of only kind and token, one frame per buffer (sent without a copy), and last the
same kind, token, length and header as a ``D`` message. The header goes last because
libzmq's receiver keeps a short frame inside its read buffer until the whole message is
taken, and a header in front of each large frame made the consumer fault fresh pages in for
every batch; a first frame under 33 bytes is copied out.

Small batches that a source makes in quick succession travel together, as one group
message (``G``): kind and token, zero bytes up to :data:`GROUP_START`, then each batch's
complete ``D`` message, back to back (each one's length is a multiple of 16 and follows
from its header, so the receiver finds where the next one starts).

Other messages of a worker: ``F`` (its stream ended), ``A`` (it waits for credits) and
``E`` + JSON (an exception in the worker). The consumer's messages to a worker go through a
private pipe: the endpoint, ``C`` + two counts (credits: batches and bytes) and ``S`` (stop).
The receiver checks every size against the header before it wraps a buffer in an array
(see ``decode``).
"""

import json
import struct
from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..exceptions import BatchError, WireError

__all__ = [
    "ASK",
    "CREDIT",
    "DATA",
    "DATA_START",
    "ERROR",
    "FINISHED",
    "GROUP",
    "GROUP_START",
    "HEADER_ROOM",
    "MULTIPART",
    "PACK_BYTES",
    "STOP",
    "TOKEN_BYTES",
    "BatchEncoder",
    "WireError",
    "credentials",
    "encode_error",
    "group_head",
]

DATA, MULTIPART, GROUP = b"D", b"M", b"G"
ERROR, FINISHED, ASK, CREDIT, STOP = b"E", b"F", b"A", b"C", b"S"
TOKEN_BYTES = 16
GROUP_START = 32  # where a group's first batch starts (a multiple of _ALIGN)
HEADER_ROOM = 1 << 16  # what a frame may hold beyond max_batch_bytes (a batch's header)
_START = DATA_START = 1 + TOKEN_BYTES  # where the header length starts
_LENGTH = struct.Struct("<I")
_ALIGN = 16  # packed buffers start at multiples of this many bytes
PACK_BYTES = 1 << 16  # batches with fewer bytes of buffers travel in one frame
_dumps = json.JSONEncoder(separators=(",", ":")).encode

# Numeric and boolean dtypes (bool, signed/unsigned ints, floats, complex) travel in every
# kind of value; fixed-width bytes and text (numpy's S and U: class labels, say) in arrays.
_NUMBER_KINDS = frozenset("biufc")
_ARRAY_KINDS = _NUMBER_KINDS | frozenset("SU")
_JSON_SCALARS = (int, float, bool, str, type(None))
_MOST_INT_BITS = 9000  # about 2700 digits: Python reads back ints of up to 4300 from JSON
_MOST_TEXT_WIDTH = 999_999  # the widest S or U dtype the receiver accepts
# Sparse formats sent with their own components; every other format travels as COO.
_COMPRESSED = frozenset({"csr", "csc"})
_SPARSE_FORMATS = frozenset({"csr", "csc", "coo", "bsr", "dia", "lil", "dok"})
_CACHE_SIZE = 256
_ndarray = np.ndarray


# -- encoding (in the worker) ----------------------------------------------------------------
def _type_name(value: Any) -> str:
    cls = type(value)
    return (
        cls.__qualname__
        if cls.__module__ == "builtins"
        else f"{cls.__module__}.{cls.__qualname__}"
    )


def _unsupported(key: str, value: Any, why: str = "") -> BatchError:
    return BatchError(
        f"batch field {key!r} holds a {_type_name(value)}{why}, which zmq_stream cannot send "
        "between processes. Supported values: numpy arrays and scalars of numeric or "
        "boolean dtype (memory maps included), scipy sparse matrices and arrays, pandas "
        "DataFrames and Series of such dtypes, Python int, float, complex, bool, str, bytes "
        "and None, and lists or tuples of int, float, bool, str and None."
    )


def _array_field(key: str, array: np.ndarray, buffers: list) -> list:
    if array.flags.c_contiguous:
        order, data = "C", array
    elif array.flags.f_contiguous:
        order, data = "F", array.T  # a C-contiguous view of the same memory
    else:
        order, data = "C", np.ascontiguousarray(array)
    buffers.append(data.reshape(-1) if data.ndim != 1 else data)
    return [key, "a", array.dtype.str, list(array.shape), order]


def _sparse_field(key: str, matrix: Any, buffers: list) -> list:
    fmt = matrix.format
    if fmt not in _SPARSE_FORMATS:
        raise _unsupported(key, matrix, f" (sparse format {fmt!r})")
    if matrix.dtype.kind not in _NUMBER_KINDS:
        raise _unsupported(key, matrix, f" of dtype {matrix.dtype}")
    if matrix.ndim != 2:
        raise _unsupported(key, matrix, f" of {matrix.ndim} dimensions")
    if fmt in _COMPRESSED:
        parts = [matrix.data, matrix.indices, matrix.indptr]
    else:
        coo = matrix if fmt == "coo" else matrix.tocoo()
        parts = [coo.data, *coo.coords]
    extra = list(matrix.blocksize) if fmt == "bsr" else None
    is_array = isinstance(matrix, sp.sparray)
    specs = [_array_field(key, np.asarray(part), buffers)[2:] for part in parts]
    return [key, "s", fmt, is_array, list(matrix.shape), specs, extra]


def _sendable(key: str, array: np.ndarray, owner: Any = None, what: str = "") -> np.ndarray:
    """``array`` if its dtype can be sent; ``owner`` is the value it comes from."""
    dtype = array.dtype
    characters = dtype.itemsize // 4 if dtype.kind == "U" else dtype.itemsize  # S: 1 byte
    too_wide = dtype.kind in "SU" and characters > _MOST_TEXT_WIDTH
    if dtype.kind not in _ARRAY_KINDS or too_wide:
        owner = array if owner is None else owner
        raise _unsupported(key, owner, f"{what} of dtype {dtype}")
    return array


def _scalar_field(key: str, value: Any) -> list | None:
    """The header field of a Python scalar that travels in the header as it is (None for
    other values); an int too long to read back is refused."""
    if type(value) not in _JSON_SCALARS:
        return None
    if not _is_json_scalar(value):
        raise _unsupported(key, value, f" of {value.bit_length()} bits (at most {_MOST_INT_BITS})")
    return [key, "p", value]


def _is_json_scalar(value: Any) -> bool:
    """Whether ``value`` travels in the header as it is (ints only of a readable length)."""
    cls = type(value)
    return cls in _JSON_SCALARS and (cls is not int or value.bit_length() <= _MOST_INT_BITS)


def _frame_field(key: str, frame: Any, buffers: list) -> list:
    """A pandas DataFrame: its column labels, one buffer per column and its number of rows
    (a frame without columns has rows too); the index is not sent (the receiver gets a
    default RangeIndex)."""
    labels = list(frame.columns)
    if not all(type(label) in _JSON_SCALARS for label in labels):
        raise _unsupported(key, frame, " whose column labels are not str, int, float or bool")
    specs = []
    for position, label in enumerate(labels):
        column = frame.iloc[:, position]
        if not isinstance(column.dtype, np.dtype):
            raise _unsupported(key, frame, f" whose column {label!r} has dtype {column.dtype}")
        array = _sendable(key, column.to_numpy(), frame, f" whose column {label!r} is")
        specs.append(_array_field(key, array, buffers)[2:])
    return [key, "f", labels, specs, len(frame)]


def _series_field(key: str, series: Any, buffers: list) -> list:
    """A pandas Series: its name and values; the index is not sent."""
    if type(series.name) not in _JSON_SCALARS:
        raise _unsupported(key, series, " whose name is not str, int, float, bool or None")
    if not isinstance(series.dtype, np.dtype):
        raise _unsupported(key, series, f" of dtype {series.dtype}")
    array = _sendable(key, series.to_numpy(), series)
    return [key, "r", series.name, _array_field(key, array, buffers)[2:]]


def _pandas_kind(value: Any) -> str | None:
    """'DataFrame' or 'Series' for pandas objects, without importing pandas."""
    cls = type(value)
    if cls.__module__.partition(".")[0] == "pandas" and cls.__name__ in ("DataFrame", "Series"):
        return cls.__name__
    return None


def _value_field(key: str, value: Any, buffers: list) -> list:
    cls = type(value)
    if cls is np.ndarray or isinstance(value, np.memmap):
        return _array_field(key, _sendable(key, np.asarray(value)), buffers)
    scalar = _scalar_field(key, value)
    if scalar is not None:
        return scalar
    if sp.issparse(value):
        return _sparse_field(key, value, buffers)
    if isinstance(value, np.generic) and value.dtype.kind in _NUMBER_KINDS:
        buffers.append(np.asarray(value).reshape(1))
        return [key, "n", value.dtype.str]
    if cls is complex:
        return [key, "c", value.real, value.imag]
    if cls is bytes:
        buffers.append(np.frombuffer(value, dtype=np.uint8))
        return [key, "b", len(value)]
    if cls in (list, tuple) and all(map(_is_json_scalar, value)):
        return [key, "l" if cls is list else "t", list(value)]
    pandas_kind = _pandas_kind(value)
    if pandas_kind == "DataFrame":
        return _frame_field(key, value, buffers)
    if pandas_kind == "Series":
        return _series_field(key, value, buffers)
    raise _unsupported(key, value)


def _describe_batch(batch: Any) -> tuple[list, list]:
    """The header fields of a batch and its buffers, or a TypeError naming what is wrong."""
    if type(batch) is not dict and not isinstance(batch, Mapping):
        raise BatchError(
            f"the stream yielded a {_type_name(batch)}; a batch must be a dict of arrays."
        )
    fields = []
    buffers: list = []
    for key, value in batch.items():
        if type(key) is not str:
            raise BatchError(
                f"batch key {key!r} is a {_type_name(key)}; zmq_stream sends batches whose "
                "keys are str."
            )
        fields.append(_value_field(key, value, buffers))
    return fields, buffers


class BatchEncoder:
    """Turns batches into messages (see the module docstring).

    The layout of a batch made only of C-contiguous numpy arrays is cached by their keys,
    dtypes and shapes, so a stream of same-shaped batches pays for its JSON header once.
    """

    def __init__(self, token: bytes) -> None:
        self.token = token
        self._layouts: dict = {}
        self._last: tuple = (None, None)  # the last signature found, and its layout

    def _layout(self, fields: list, buffers: list) -> tuple:
        """``(multipart, prefix, paddings, tail, size)``: the message's kind, its first bytes
        (kind, token and header; for a multipart message kind and token only, its first
        frame), the padding before each buffer but the first, what ends the message (zero
        bytes that make a packed message's length a multiple of 16, or a multipart
        message's last frame: kind, token and header), and the message's length (of all
        its frames)."""
        header = _dumps(fields).encode()
        header += b" " * (-(_START + _LENGTH.size + len(header)) % _ALIGN)  # JSON allows it
        total = sum(buffer.nbytes for buffer in buffers)
        multipart = total >= PACK_BYTES
        prefix = b"".join(
            [MULTIPART if multipart else DATA, self.token, _LENGTH.pack(len(header)), header]
        )
        if multipart:
            first = prefix[:_START]
            return True, first, (), prefix, len(first) + total + len(prefix)
        paddings = []
        position = len(prefix)  # a multiple of _ALIGN: the first buffer needs no padding
        for buffer in buffers:
            paddings.append(bytes(-position % _ALIGN))
            position += len(paddings[-1]) + buffer.nbytes
        tail = bytes(-position % _ALIGN)
        return False, prefix, tuple(paddings[1:]), tail, position + len(tail)

    def _signature(self, batch: Any) -> list | None:
        """What decides the layout of a dict of numpy arrays: keys, dtypes, shapes and
        strides (which also tell whether an array is C-contiguous); None for other
        batches. A list, compared with the last one found before any hashing."""
        if type(batch) is not dict:
            return None
        signature = []
        for key, value in batch.items():  # a loop: cheaper than a comprehension per batch
            if type(value) is not _ndarray:
                return None
            signature.append((key, value.dtype, value.shape, value.strides))
        return signature

    def _cached_layout(self, signature: list | None) -> tuple | None:
        if signature is None:
            return None
        if signature == self._last[0]:  # most streams repeat one layout
            return self._last[1]
        layout = self._layouts.get(tuple(signature))
        if layout is not None:
            self._last = (signature, layout)
        return layout

    def pieces(self, batch: Any) -> tuple[bool, list, int]:
        """``(multipart, parts, size)``: a large batch's frames, or the pieces of a small
        batch's packed message (to join, alone or in a group), and the message's length
        (of all its frames).

        Raises
        ------
        BatchError
            If ``batch`` is not a dict with str keys, or a value is of a kind that cannot
            be sent; the message names the key and the type (a ``TypeError``).
        """
        signature = self._signature(batch)
        layout = self._cached_layout(signature)
        if layout is not None:  # C-contiguous arrays: their own buffers, whatever the shape
            if not layout[2]:  # multipart, or packed without padding: the common cases
                return layout[0], [layout[1], *batch.values(), layout[3]], layout[4]
            return self._pieces(layout, list(batch.values()))
        fields, buffers = _describe_batch(batch)
        layout = self._layout(fields, buffers)
        if signature is not None and all(v.flags.c_contiguous for v in batch.values()):
            if len(self._layouts) >= _CACHE_SIZE:
                self._layouts.clear()
            self._layouts[tuple(signature)] = layout
        return self._pieces(layout, buffers)

    @staticmethod
    def _pieces(layout: tuple, buffers: list) -> tuple[bool, list, int]:
        multipart, prefix, paddings, tail, size = layout
        if multipart:
            return True, [prefix, *buffers, tail], size
        if not paddings:  # one buffer, or none
            return False, [prefix, *buffers, tail], size
        parts = [prefix]
        for position, buffer in enumerate(buffers):
            if position:
                parts.append(paddings[position - 1])
            parts.append(buffer)
        parts.append(tail)
        return False, parts, size


def credentials(token: bytes) -> str:
    """The user name and password a worker gives when it connects (ZeroMQ's PLAIN
    mechanism, checked by the consumer): its token, in hexadecimal."""
    return token.hex()


def group_head(token: bytes) -> bytes:
    """The start of a group message: kind, token and zero bytes up to :data:`GROUP_START`."""
    head = GROUP + token
    return head + bytes(GROUP_START - len(head))


def _shortened(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters in its middle, saying so."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n... ({len(text) - 2 * half} characters left out) ...\n{text[-half:]}"


def _error_args(exc: BaseException) -> list | None:
    """The exception's arguments when they are JSON scalars (to rebuild it as it was)."""
    args = getattr(exc, "args", ())
    if isinstance(args, tuple) and all(type(arg) in _JSON_SCALARS for arg in args):
        return list(args)
    return None


def encode_error(exc: BaseException, traceback_text: str, token: bytes) -> bytes:
    """The message that reports an exception raised in a worker.

    It always fits in :data:`HEADER_ROOM` bytes, so the consumer's socket, which refuses
    anything larger than ``max_batch_bytes + HEADER_ROOM``, never drops it: long messages,
    arguments and tracebacks are shortened in their middle.
    """
    cls = type(exc)
    try:
        message = str(exc)
    except Exception:  # a broken __str__ must not hide the original error
        message = f"<{cls.__qualname__} whose str() failed>"
    document = {
        "type": cls.__qualname__,
        "module": cls.__module__,
        "message": message,
        "args": _error_args(exc),
        "traceback": traceback_text,
    }
    encoded = json.dumps(document).encode()
    limit = HEADER_ROOM // 8  # JSON escapes take at most 6 bytes a character
    while len(encoded) > HEADER_ROOM - _START:
        document["message"] = _shortened(document["message"], limit)
        document["traceback"] = _shortened(document["traceback"], limit)
        document["args"] = None
        encoded = json.dumps(document).encode()
        limit //= 2
    return ERROR + token + encoded
