"""Reading the messages of ``zmq_stream`` workers (the format is described in ``wire``).

Every header is validated before any buffer is used: only numeric, boolean and
fixed-width bytes or text dtypes,
shapes of non-negative ints, buffer sizes equal to what the header describes, sparse
components that scipy accepts. Parsed headers are cached by their bytes.
"""

import json
import re
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..exceptions import WireError
from .wire import (
    _ALIGN,
    _ARRAY_KINDS,
    _CACHE_SIZE,
    _COMPRESSED,
    _JSON_SCALARS,
    _LENGTH,
    _SPARSE_FORMATS,
    _START,
    DATA,
    GROUP_START,
)

__all__ = ["BatchDecoder", "decode_error", "split_multipart"]

# numbers and bools of 1 to 99 bytes; fixed-width bytes (S) and text (U) of 1 to 999,999
_DTYPE_PATTERN = re.compile(r"[<>|=](?:[biufc][0-9]{1,2}|[SU][1-9][0-9]{0,5})")
_MAX_NDIM = 64
_ORDERS = ("C", "F")


def decode_error(message: bytes) -> dict:
    """Read an error message; a malformed one raises :class:`WireError`."""
    try:
        document = json.loads(message[_START:])
    except ValueError:
        raise WireError("a worker sent an unreadable error report.") from None
    keys = ("type", "module", "message", "traceback")
    if not isinstance(document, dict) or not all(isinstance(document.get(k), str) for k in keys):
        raise WireError("a worker sent a malformed error report.")
    report = {k: document[k] for k in keys}
    args = document.get("args")
    valid = isinstance(args, list) and all(type(arg) in _JSON_SCALARS for arg in args)
    report["args"] = tuple(args) if valid else None
    return report


def split_multipart(first: bytes, frames: list) -> tuple[bytes, list]:
    """The header message and the buffer frames of a multipart (``M``) message, whose first
    frame is ``first`` and whose other frames (objects with a ``buffer``) are ``frames``.

    Raises
    ------
    WireError
        If the first frame is not just a kind and a token, or the last frame does not start
        with the same kind and token.
    """
    if not frames or len(first) != _START:
        raise WireError("a multipart batch does not have the frames the wire format gives.")
    header = bytes(frames[-1].buffer)
    if header[:_START] != first:
        raise WireError("the header frame of a multipart batch names another kind or sender.")
    return header, frames[:-1]


def _check_int_list(value: Any, what: str, length: int | None = None) -> list:
    if (
        not isinstance(value, list)
        or len(value) > _MAX_NDIM
        or (length is not None and len(value) != length)
        or not all(type(n) is int and n >= 0 for n in value)
    ):
        raise WireError(f"invalid {what} in a batch header: {value!r}.")
    return value


def _array_plan(spec: Any) -> tuple:
    """Validate ``[dtype, shape, order]``; return ``(dtype, shape, order, nbytes)``."""
    if not (isinstance(spec, list) and len(spec) == 3):
        raise WireError(f"invalid array description in a batch header: {spec!r}.")
    dtype_str, shape, order = spec
    if not (isinstance(dtype_str, str) and _DTYPE_PATTERN.fullmatch(dtype_str)):
        raise WireError(f"dtype {dtype_str!r} in a batch header is not one zmq_stream sends.")
    try:
        dtype = np.dtype(dtype_str)
    except (TypeError, ValueError):
        raise WireError(f"unknown dtype {dtype_str!r} in a batch header.") from None
    if dtype.kind not in _ARRAY_KINDS:
        raise WireError(f"dtype {dtype_str!r} in a batch header is not one zmq_stream sends.")
    shape = tuple(_check_int_list(shape, "shape"))
    if order not in _ORDERS:
        raise WireError(f"invalid memory order {order!r} in a batch header.")
    return dtype, shape, order, dtype.itemsize * int(np.prod(shape, dtype=object))


def _is_scalar_list(value: Any) -> bool:
    return isinstance(value, list) and all(type(item) in _JSON_SCALARS for item in value)


def _series_plan(field: list) -> tuple:
    plan = _array_plan(field[3])
    if len(plan[1]) != 1:
        raise WireError(f"a Series in a batch header is not 1-d: {field!r}.")
    return field[0], "r", field[2], [plan]


# Each kind of field: (its length, a check of what follows key and kind, how to plan it).
_FIELD_KINDS = {
    "a": (5, lambda f: True, lambda f: (f[0], "a", None, [_array_plan(f[2:])])),
    "p": (3, lambda f: type(f[2]) in _JSON_SCALARS, lambda f: (f[0], "p", f[2], [])),
    "n": (3, lambda f: True, lambda f: (f[0], "n", None, [_array_plan([f[2], [], "C"])])),
    "c": (
        4,
        lambda f: all(type(x) in (int, float) for x in f[2:]),
        lambda f: (f[0], "c", complex(f[2], f[3]), []),
    ),
    "b": (
        3,
        lambda f: type(f[2]) is int and f[2] >= 0,
        lambda f: (f[0], "b", None, [_array_plan(["|u1", [f[2]], "C"])]),
    ),
    "l": (3, lambda f: _is_scalar_list(f[2]), lambda f: (f[0], "l", f[2], [])),
    "t": (3, lambda f: _is_scalar_list(f[2]), lambda f: (f[0], "t", f[2], [])),
    "s": (7, lambda f: True, lambda f: _sparse_plan(f)),
    "f": (5, lambda f: type(f[4]) is int and f[4] >= 0, lambda f: _frame_plan(f)),
    "r": (4, lambda f: type(f[2]) in _JSON_SCALARS, _series_plan),
}


def _field_plan(field: Any) -> tuple:
    """Validate one field of a header; return ``(key, kind, details, array_plans)``."""
    if not (isinstance(field, list) and len(field) >= 2 and isinstance(field[0], str)):
        raise WireError(f"invalid field in a batch header: {field!r}.")
    entry = _FIELD_KINDS.get(field[1]) if isinstance(field[1], str) else None
    if entry is None or entry[0] != len(field) or not entry[1](field):
        raise WireError(f"invalid field in a batch header: {field!r}.")
    return entry[2](field)


def _frame_plan(field: list) -> tuple:
    key, _, labels, specs, n_rows = field
    if not (
        isinstance(labels, list)
        and isinstance(specs, list)
        and len(labels) == len(specs)
        and all(type(label) in _JSON_SCALARS for label in labels)
    ):
        raise WireError(f"invalid DataFrame field in a batch header: {field!r}.")
    plans = [_array_plan(spec) for spec in specs]
    if any(plan[1] != (n_rows,) for plan in plans):
        raise WireError("the columns of a DataFrame in a batch header differ from its length.")
    return key, "f", (labels, n_rows), plans


def _sparse_plan(field: list) -> tuple:
    key, _, fmt, is_array, shape, specs, extra = field
    n_parts = 3 if fmt in _COMPRESSED else 1 + (len(shape) if isinstance(shape, list) else 0)
    if not (
        fmt in _SPARSE_FORMATS
        and type(is_array) is bool
        and isinstance(specs, list)
        and len(specs) == n_parts
        and (extra is None or fmt == "bsr")
    ):
        raise WireError(f"invalid sparse field in a batch header: {field!r}.")
    shape = tuple(_check_int_list(shape, "sparse shape"))
    if not 1 <= len(shape) <= 2:
        raise WireError(f"invalid sparse shape {shape!r} in a batch header.")
    if extra is not None:
        extra = tuple(_check_int_list(extra, "bsr blocksize", 2))
    plans = [_array_plan(spec) for spec in specs]
    if any(len(plan[1]) != 1 or plan[0].kind not in "iu" for plan in plans[1:]):
        raise WireError("sparse indices in a batch header must be 1-d integer arrays.")
    return key, "s", (fmt, is_array, shape, extra), plans


def _parse_header(header: bytes, start: int) -> tuple:
    """Validate a header; return the field plans, the buffer plans and the packed end."""
    try:
        fields = json.loads(header)
    except (ValueError, UnicodeDecodeError):
        raise WireError("a batch header is not valid JSON.") from None
    if not isinstance(fields, list):
        raise WireError("a batch header must be a JSON list of fields.")
    plan = [_field_plan(field) for field in fields]
    keys = [entry[0] for entry in plan]
    if len(set(keys)) != len(keys):
        raise WireError(f"a batch header repeats a key: {keys!r}.")
    buffers = []  # (dtype, count, packed offset, nbytes) of each buffer, in order
    offset = start
    for _, _, _, arrays in plan:
        for dtype, _, _, nbytes in arrays:
            offset += -offset % _ALIGN
            buffers.append((dtype, nbytes // dtype.itemsize, offset, nbytes))
            offset += nbytes
    fields_plan = tuple((key, kind, details, tuple(arrays)) for key, kind, details, arrays in plan)
    simple = None  # for batches of C-ordered arrays: (key, dtype, count, offset, shape)
    if all(kind == "a" and arrays[0][2] == "C" for _, kind, _, arrays in plan):
        simple = tuple(  # shape None: frombuffer already gives the 1-d shape
            (key, dtype, count, start, None if len(arrays[0][1]) == 1 else arrays[0][1])
            for (key, _, _, arrays), (dtype, count, start, _) in zip(plan, buffers)
        )
    return fields_plan, tuple(buffers), offset, simple


def _shaped(flat: np.ndarray, plan: tuple, copy: bool) -> np.ndarray:
    _, shape, order, _ = plan
    array = flat.reshape(shape[::-1]).T if order == "F" else flat.reshape(shape)
    if copy:
        return array.copy(order="K")
    array.flags.writeable = False
    return array


def _build_sparse(details: tuple, parts: list) -> Any:
    fmt, is_array, shape, extra = details
    try:
        if fmt in _COMPRESSED:
            cls = getattr(sp, f"{fmt}_{'array' if is_array else 'matrix'}")
            return cls((parts[0], parts[1], parts[2]), shape=shape)
        coo_cls = sp.coo_array if is_array else sp.coo_matrix
        coords = tuple(parts[1:])
        for axis, index in enumerate(coords):
            if index.size and (index.min() < 0 or index.max() >= shape[axis]):
                raise WireError("sparse coordinates in a batch lie outside the shape.")
        coo = coo_cls((parts[0], coords), shape=shape)
        if fmt == "bsr":
            return coo.tobsr(blocksize=extra)
        return coo if fmt == "coo" else coo.asformat(fmt)
    except WireError:
        raise
    except Exception as exc:  # scipy's own checks of the components
        raise WireError(f"invalid sparse {fmt} components in a batch: {exc}") from None


def _build_pandas(kind: str, details: Any, parts: list) -> Any:
    """A DataFrame (``kind`` 'f', ``details`` its column labels and number of rows) or a
    Series ('r', its name) with a default RangeIndex."""
    import pandas as pd  # the worker sent pandas objects, so pandas is installed

    if kind == "r":
        return pd.Series(parts[0], name=details)
    labels, n_rows = details
    frame = pd.DataFrame(
        dict(enumerate(parts)), columns=range(len(parts)), index=pd.RangeIndex(n_rows)
    )
    labels = list(labels)
    frame.columns = pd.RangeIndex(len(labels)) if labels == list(range(len(labels))) else labels
    return frame


def _frame_buffers(frames: list, buffers: tuple) -> list:
    """The arrays of a multipart batch's buffer frames, checked against its header."""
    if len(frames) != len(buffers):
        raise WireError(f"a batch has {len(frames)} buffers; its header describes {len(buffers)}.")
    flat = []
    for frame, (dtype, count, _, nbytes) in zip(frames, buffers):
        view = frame.buffer
        if view.nbytes != nbytes:
            raise WireError(
                f"a buffer of {view.nbytes} bytes does not match its header ({nbytes})."
            )
        flat.append(np.frombuffer(view, dtype, count))
    return flat


class BatchDecoder:
    """Turns data messages back into batches, checking every buffer against its header.

    Parsed headers are cached by their bytes: a stream whose batches keep their keys,
    dtypes and shapes pays for parsing and validating the header once.
    """

    def __init__(self, copy: bool) -> None:
        self.copy = copy
        self._plans: dict = {}

    def decode(self, message: bytes, frames: list | None = None) -> dict:
        """Decode a data message: ``message`` is its first frame; ``frames`` holds the
        buffers of a multipart (``M``) message, None for a packed (``D``) one.

        Raises
        ------
        WireError
            If the message does not match the wire format or its own header.
        """
        plan = self._plan(message, 0)
        if frames is not None:
            return self._assemble(plan[0], _frame_buffers(frames, plan[1]))
        size, end = len(message), plan[2]
        if size != end and size != end + (-end % _ALIGN):  # with or without its tail
            raise WireError(f"a packed batch has {size} bytes; its header describes {end}.")
        return self._packed(message, 0, plan)

    def decode_group(self, message: bytes) -> tuple[list, list]:
        """The batches of a group (``G``) message, and the length of each one's message.

        Raises
        ------
        WireError
            If a batch in it is not a packed batch of the group's sender, or does not end
            where the group does.
        """
        start, size = GROUP_START, len(message)
        if size <= start:
            raise WireError("a group message holds no batch.")
        sender = DATA + message[1:_START]
        batches, lengths = [], []
        while start < size:
            if not message.startswith(sender, start):
                raise WireError("a group holds a batch that is not its sender's packed batch.")
            plan = self._plan(message, start)
            length = plan[2] + (-plan[2] % _ALIGN)
            if start + length > size:
                raise WireError("a group message ends inside one of its batches.")
            batches.append(self._packed(message, start, plan))
            lengths.append(length)
            start += length
        return batches, lengths

    def _packed(self, message: bytes, start: int, plan: tuple) -> dict:
        """The batch of the packed message at ``start`` of ``message``, whose header
        ``plan`` describes."""
        fields, buffers, _, simple = plan
        if simple is not None and not self.copy:  # read-only views of the bytes
            batch = {}
            for key, dtype, count, offset, shape in simple:
                array = np.frombuffer(message, dtype, count, start + offset)
                batch[key] = array if shape is None else array.reshape(shape)
            return batch
        flat = [
            np.frombuffer(message, dtype, count, start + offset)
            for dtype, count, offset, _ in buffers
        ]
        return self._assemble(fields, flat)

    def _plan(self, message: bytes, start: int) -> tuple:
        """The parsed header of the data message at ``start`` of ``message`` (offsets in
        it are from the message's start), from the cache when it was seen before."""
        header_start = start + _START + _LENGTH.size
        if len(message) < header_start:
            raise WireError("a data message is too short.")
        (length,) = _LENGTH.unpack_from(message, start + _START)
        header = message[header_start : header_start + length]
        cached = self._plans.get(header)
        if cached is None:
            if len(header) != length:
                raise WireError("a data message is shorter than its header length.")
            cached = _parse_header(header, _START + _LENGTH.size + length)
            if len(self._plans) >= _CACHE_SIZE:
                self._plans.clear()
            self._plans[header] = cached
        return cached

    def _assemble(self, fields: tuple, flat: list) -> dict:
        copy = self.copy
        batch = {}
        position = 0
        for key, kind, details, arrays in fields:
            if kind == "a":
                batch[key] = _shaped(flat[position], arrays[0], copy)
            elif kind == "p" or kind == "c":
                batch[key] = details
            elif kind == "l":
                batch[key] = list(details)
            elif kind == "t":
                batch[key] = tuple(details)
            elif kind == "n":
                batch[key] = flat[position][0]
            elif kind == "b":
                batch[key] = flat[position].tobytes()
            else:  # sparse ("s"), DataFrame ("f") or Series ("r"): several arrays
                parts = [_shaped(flat[position + j], plan, copy) for j, plan in enumerate(arrays)]
                if kind == "s":
                    batch[key] = _build_sparse(details, parts)
                else:
                    batch[key] = _build_pandas(kind, details, parts)
            position += len(arrays)
        return batch
