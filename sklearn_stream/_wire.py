"""The wire format of :func:`~sklearn_stream.zmq_stream.zmq_stream`: batches as frames, no pickle.

Every message a worker sends starts with one byte that says its kind, the worker's secret
token (:data:`TOKEN_BYTES` bytes; a message without a known token is dropped unread), and
for data, a 4-byte length and a JSON header describing every field of the batch: key, kind
of value, and for arrays the dtype, shape and memory order. The raw array buffers follow,
packed into the same frame for small batches (``D``, ending with zero bytes up to a multiple
of 16). A large batch (``M``) is a multipart message: a first frame of just the kind and
the token, one frame per buffer (sent without a copy), and last the kind, token, length and
header, as in a ``D`` message. The header goes last because libzmq's receiver keeps a short
frame inside the buffer it reads the socket into until the whole message is taken: a header
in front of each large frame can make the consumer allocate a new read buffer for every
batch and fault fresh pages in for large ones (at 16 MiB, up to 16 times the page faults of
bare arrays in a run; about 1.5 times, steadily, with the header last); a first frame of
under 33 bytes is copied out.
The receiver checks every size against the header before it wraps a buffer in an array.
Nothing received is ever unpickled.

Small batches made in quick succession travel together in one group message (``G``): the
tag, the token, the number of batches ``n`` and their sizes (``n + 1`` little-endian 4-byte
ints), zero bytes up to a multiple of 16, then each batch's complete ``D`` message, back to
back.

Other messages: ``F`` (the worker's stream ended) and ``E`` + JSON (an exception in the
worker). The consumer's messages to a worker go through a private pipe: the endpoint,
``C`` + a count (credits: how many more batches the worker may send) and ``S`` (stop).
"""

import json
import struct
from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

from .exceptions import StreamError

__all__ = [
    "CREDIT",
    "DATA",
    "DATA_START",
    "ERROR",
    "FINISHED",
    "GROUP",
    "MULTIPART",
    "STOP",
    "TOKEN_BYTES",
    "BatchEncoder",
    "WireError",
    "encode_error",
    "pack_group",
]

DATA, MULTIPART, GROUP = b"D", b"M", b"G"
ERROR, FINISHED, CREDIT, STOP = b"E", b"F", b"C", b"S"
TOKEN_BYTES = 16
_START = DATA_START = 1 + TOKEN_BYTES  # where the header length starts
_LENGTH = struct.Struct("<I")
_ALIGN = 16  # packed buffers start at multiples of this many bytes
_PACK_BYTES = 1 << 16  # batches with fewer bytes of buffers travel in one frame
_PADDING = tuple(bytes(n) for n in range(_ALIGN))
_dumps = json.JSONEncoder(separators=(",", ":")).encode

# Numeric and boolean dtypes only: bool, signed/unsigned ints, floats, complex.
_ARRAY_KINDS = frozenset("biufc")
_JSON_SCALARS = (int, float, bool, str, type(None))
# Sparse formats sent with their own components; every other format travels as COO.
_COMPRESSED = frozenset({"csr", "csc"})
_SPARSE_FORMATS = frozenset({"csr", "csc", "coo", "bsr", "dia", "lil", "dok"})
_CACHE_SIZE = 256
_ndarray = np.ndarray


class WireError(StreamError, ValueError):
    """A message does not follow the wire format of ``zmq_stream``."""


# -- encoding (in the worker) ----------------------------------------------------------------
def _type_name(value: Any) -> str:
    cls = type(value)
    return (
        cls.__qualname__
        if cls.__module__ == "builtins"
        else f"{cls.__module__}.{cls.__qualname__}"
    )


def _unsupported(key: str, value: Any, why: str = "") -> TypeError:
    return TypeError(
        f"batch field {key!r} holds a {_type_name(value)}{why}, which zmq_stream cannot send "
        "between processes. Supported values: numpy arrays and scalars of numeric or "
        "boolean dtype, scipy sparse matrices and arrays, Python int, float, complex, bool, "
        "str, bytes and None, and lists or tuples of int, float, bool, str and None."
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
    if matrix.dtype.kind not in _ARRAY_KINDS:
        raise _unsupported(key, matrix, f" of dtype {matrix.dtype}")
    if fmt in _COMPRESSED:
        parts = [matrix.data, matrix.indices, matrix.indptr]
    else:
        coo = matrix if fmt == "coo" else matrix.tocoo()
        parts = [coo.data, *coo.coords]
    extra = list(matrix.blocksize) if fmt == "bsr" else None
    is_array = isinstance(matrix, sp.sparray)
    specs = [_array_field(key, np.asarray(part), buffers)[2:] for part in parts]
    return [key, "s", fmt, is_array, list(matrix.shape), specs, extra]


def _describe_batch(batch: Any) -> tuple[list, list]:
    """The header fields of a batch and its buffers, or a TypeError naming what is wrong."""
    if type(batch) is not dict and not isinstance(batch, Mapping):
        raise TypeError(
            f"the stream yielded a {_type_name(batch)}; a batch must be a dict of arrays."
        )
    fields = []
    buffers: list = []
    for key, value in batch.items():
        if type(key) is not str:
            raise TypeError(
                f"batch key {key!r} is a {_type_name(key)}; zmq_stream sends batches whose "
                "keys are str."
            )
        cls = type(value)
        if cls is np.ndarray:
            if value.dtype.kind not in _ARRAY_KINDS:
                raise _unsupported(key, value, f" of dtype {value.dtype}")
            fields.append(_array_field(key, value, buffers))
        elif cls in _JSON_SCALARS:
            fields.append([key, "p", value])
        elif sp.issparse(value):
            fields.append(_sparse_field(key, value, buffers))
        elif isinstance(value, np.generic) and value.dtype.kind in _ARRAY_KINDS:
            buffers.append(np.asarray(value).reshape(1))
            fields.append([key, "n", value.dtype.str])
        elif cls is complex:
            fields.append([key, "c", value.real, value.imag])
        elif cls is bytes:
            buffers.append(np.frombuffer(value, dtype=np.uint8))
            fields.append([key, "b", len(value)])
        elif cls in (list, tuple) and all(type(item) in _JSON_SCALARS for item in value):
            fields.append([key, "l" if cls is list else "t", list(value)])
        else:
            raise _unsupported(key, value)
    return fields, buffers


class BatchEncoder:
    """Turns batches into the frames of one message each (see the module docstring).

    The header of a batch made only of C-contiguous arrays is cached by their keys, dtypes,
    strides and shapes, so a stream of same-shaped batches pays for JSON once.
    """

    def __init__(self, token: bytes) -> None:
        self.token = token
        self._layouts: dict = {}
        self._last: tuple = (None, None)  # the last signature found, and its layout

    def _layout(self, fields: list, buffers: list) -> tuple:
        """``(multipart, prefix, paddings, tail)``: the message's kind, its first bytes (kind,
        token and header; for a multipart message kind and token only, its first frame), the
        padding before each buffer but the first, and what ends the message: zero bytes that
        make a packed message's length a multiple of 16, or a multipart message's last
        frame (kind, token and header)."""
        header = _dumps(fields).encode()
        header += b" " * (-(_START + _LENGTH.size + len(header)) % _ALIGN)  # JSON allows it
        total = 0
        for buffer in buffers:
            total += buffer.nbytes
        multipart = total >= _PACK_BYTES
        prefix = b"".join(
            [MULTIPART if multipart else DATA, self.token, _LENGTH.pack(len(header)), header]
        )
        if multipart:
            return True, prefix[:_START], (), prefix
        paddings = []
        position = len(prefix)  # a multiple of _ALIGN: the first buffer needs no padding
        for buffer in buffers:
            paddings.append(bytes(-position % _ALIGN))
            position += len(paddings[-1]) + buffer.nbytes
        return False, prefix, tuple(paddings[1:]), bytes(-position % _ALIGN)

    def encode(self, batch: Any) -> list:
        """Return the frames of ``batch``.

        Raises
        ------
        TypeError
            If ``batch`` is not a dict with str keys, or a value is of a kind that cannot
            be sent; the message names the key and the type.
        """
        message = self.message(batch)
        return [message] if type(message) is bytes else message

    def message(self, batch: Any) -> bytes | list:
        """``batch`` as one packed frame (bytes), or as a list of frames if it is large.

        Raises
        ------
        TypeError
            As :meth:`encode`.
        """
        if type(batch) is dict:
            # What decides the header of a batch of arrays: keys, dtypes, strides and
            # shapes (which also decide whether each array is C-contiguous).
            described: list = []
            for key, value in batch.items():
                if type(value) is not _ndarray:
                    break
                described.append((key, value.dtype, value.strides, value.shape))
            else:
                if described == self._last[0]:  # most streams repeat one layout
                    layout = self._last[1]
                else:
                    signature = tuple(described)
                    layout = self._layouts.get(signature)
                    if layout is not None:
                        self._last = (described, layout)
                if layout is not None:
                    if not (layout[0] or layout[2]):  # packed, one padding-free buffer
                        return b"".join([layout[1], *batch.values(), layout[3]])
                    return self._frames(layout, batch.values())
                fields, buffers = _describe_batch(batch)
                layout = self._layout(fields, buffers)
                if all(value.flags.c_contiguous for value in batch.values()):
                    if len(self._layouts) >= _CACHE_SIZE:
                        self._layouts.clear()
                    self._layouts[signature] = layout
                return self._frames(layout, buffers)
        fields, buffers = _describe_batch(batch)
        return self._frames(self._layout(fields, buffers), buffers)

    @staticmethod
    def _frames(layout: tuple, buffers: Any) -> bytes | list:
        multipart, prefix, paddings, tail = layout
        if multipart:
            return [prefix, *buffers, tail]
        if not paddings:
            return b"".join([prefix, *buffers, tail])
        buffers = iter(buffers)
        parts = [prefix, next(buffers)]
        for padding, buffer in zip(paddings, buffers):
            parts.append(padding)
            parts.append(buffer)
        parts.append(tail)
        return b"".join(parts)


def pack_group(token: bytes, messages: list) -> bytes:
    """One group message holding the packed (``D``) messages ``messages``, in order.

    Each message's length is a multiple of 16, as :class:`BatchEncoder` makes them.
    """
    count = len(messages)
    head = b"".join([GROUP, token, struct.pack(f"<{count + 1}I", count, *map(len, messages))])
    return b"".join([head, _PADDING[-len(head) % _ALIGN], *messages])


def encode_error(exc: BaseException, traceback_text: str, token: bytes) -> bytes:
    """The message that reports an exception raised in a worker."""
    cls = type(exc)
    try:
        message = str(exc)
    except Exception:  # a broken __str__ must not hide the original error
        message = f"<{cls.__qualname__} whose str() failed>"
    document = {
        "type": cls.__qualname__,
        "module": cls.__module__,
        "message": message,
        "traceback": traceback_text,
    }
    return ERROR + token + json.dumps(document).encode()
