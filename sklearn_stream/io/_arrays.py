"""What ``read_hdf5`` and ``read_zarr`` share: named arrays in a set of files (features,
2-D; targets, 1-D or 2-D), read in blocks of rows that follow the arrays' chunks.

A block is a range of rows of one file, inside the chunks of the features: whole chunks
(their rows, times as many as make at least ``batch_size`` rows), or ``batch_size`` rows
of an array stored unchunked. A block never holds more than :data:`BLOCK_BYTES` of
features, unless ``batch_size`` rows do: fewer whole chunks then, and a chunk larger than
that is cut into equal parts, each inside the chunk. Reading part of a chunk still decodes
the whole chunk, so memory holds a block and the decoded chunks it comes from.

The targets' chunks may differ from the features': whole chunks of targets that a block
covers are read directly, and a chunk it covers only in part is decoded whole and kept (one
such chunk per epoch, dropped when its file is closed), so that, read in order, each chunk
of targets is decoded once per epoch. Variable-length text targets are read as fixed-width
numpy arrays (``U``, or ``S`` for bytes), each block as wide as its longest value.

Files are opened only to be read, in the process that reads them: checking the parameters
opens each file and closes it before returning, and an epoch opens the files it reads,
checks that their arrays still have the shapes and dtypes checked, keeps at most
:data:`OPEN_FILES` of them open, and closes them when it ends. No open handle is ever part
of the reader, so the reader can be pickled, and forked ``zmq_stream`` workers each open
the files themselves (an HDF5 handle inherited through ``fork`` is not safe to use).
"""

import math
from abc import abstractmethod
from collections.abc import Iterable, Iterator
from itertools import islice, pairwise
from typing import Any, NamedTuple

import numpy as np

from .._checks import close_if_closable
from ._reader import NUMERIC_KINDS, FileReader

__all__ = ["BLOCK_BYTES", "OPEN_FILES", "ArrayFileReader"]

# The most bytes of features a block holds, unless batch_size rows hold more.
BLOCK_BYTES = 16 << 20
# The most files an epoch keeps open; the one opened first is closed to open another.
OPEN_FILES = 8
# The names of arrays a message lists, at most.
_LISTED = 20
# The dtype kinds targets may have: numbers, or fixed-width bytes and text.
_TARGET_KINDS = NUMERIC_KINDS + "SU"


class Layout(NamedTuple):
    """What the reader needs of one file: its rows, and how its arrays are stored."""

    rows: int
    chunk_rows: int | None  # rows of a chunk of the features; None: not chunked
    x_row: tuple
    x_dtype: np.dtype
    y_row: tuple | None
    y_dtype: np.dtype | None
    y_text: str | None = None  # "U" or "S": variable-length text, read as fixed-width
    y_chunk_rows: int | None = None  # rows of a chunk of the targets; None: not chunked


class _Open:
    """A file an epoch opened: its handle and arrays, and the last chunk of targets it
    decoded whole, ``(first row, rows)`` (see the module docstring); ``close()`` closes the
    file and drops that chunk."""

    def __init__(self, reader: "ArrayFileReader", handle: Any, X: Any, y: Any) -> None:
        self.reader, self.handle, self.X, self.y = reader, handle, X, y
        self.y_chunk: tuple | None = None

    def close(self) -> None:
        self.y_chunk = None
        self.reader._close(self.handle)


def array_name(name: str, value: Any, what: str) -> str:
    """``value``, the path of an array inside a file, without leading or trailing ``/``.

    Raises
    ------
    TypeError
        If ``value`` is not a str.
    ValueError
        If it names no array (``""`` or ``"/"``), or has ``.``, ``..`` or empty parts.
    """
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be a str, the path of the {what} inside the files (such as "
            f"'features' or 'data/features'); got {value!r} of type {type(value).__name__}."
        )
    if not value.strip("/"):
        raise ValueError(f"{name} must name the {what} inside the files; got {value!r}.")
    parts = value.strip("/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError(
            f"{name} must be the path of the {what} inside the files, its groups' names "
            f"and its own separated by single '/', with no '.' or '..' parts (such as "
            f"'data/features'); got {value!r}."
        )
    return "/".join(parts)


def _listed(names: Iterable) -> str:
    """At most ``_LISTED`` names, as a message lists them."""
    shown = list(islice(names, _LISTED + 1))
    if not shown:
        return "none"
    more = ", ..." if len(shown) > _LISTED else ""
    return f"[{', '.join(repr(name) for name in shown[:_LISTED])}{more}]"


def _check_features(X: Any, path: str, name: str, what: str) -> None:
    if X.ndim != 2 or X.dtype.kind not in NUMERIC_KINDS:
        raise ValueError(
            f"the X {what} {name!r} of {path!r} is a {X.ndim}-D array of dtype {X.dtype}; "
            "X must name a 2-D numeric array (one row of features per sample)."
        )
    if X.shape[1] == 0:
        raise ValueError(
            f"the X {what} {name!r} of {path!r} has shape {X.shape}: no columns; X must "
            "name a 2-D numeric array with at least one feature per row."
        )


def _check_targets(y: Any, text: str | None, n: int, path: str, name: str, what: str) -> None:
    where = f"the y {what} {name!r} of {path!r}"
    if y.dtype.kind not in _TARGET_KINDS and text is None:
        raise ValueError(
            f"{where} has dtype {y.dtype}, which is not read: y must hold numbers, "
            "fixed-width strings (numpy S or U), or variable-length text (an HDF5 string "
            "dataset, a zarr array of dtype str); store the labels as one of these."
        )
    if y.ndim not in (1, 2) or (y.ndim == 2 and y.shape[1] == 0):
        raise ValueError(
            f"{where} has shape {y.shape}; y must name a 1-D array, or a 2-D one with at "
            "least one column, with one value (or row) per row of X."
        )
    if y.shape[0] != n:
        raise ValueError(
            f"{where} has {y.shape[0]} rows, but X has {n} rows; y must have one value "
            "(or row) per row of X."
        )


def _dtype_name(dtype: Any, text: str | None) -> str:
    if text is None:
        return str(dtype)
    return f"variable-length {'text' if text == 'U' else 'bytes'} ({dtype})"


def _check_agrees(path: str, layout: Layout, first_path: str, first: Layout) -> None:
    """Raise unless the arrays of ``path`` have the row shapes and dtypes of the first
    file's."""
    for name, row, dtype, first_row, first_dtype in (
        ("X", layout.x_row, layout.x_dtype, first.x_row, first.x_dtype),
        (
            "y",
            layout.y_row,
            _dtype_name(layout.y_dtype, layout.y_text),
            first.y_row,
            _dtype_name(first.y_dtype, first.y_text),
        ),
    ):
        if row != first_row or dtype != first_dtype:
            raise ValueError(
                f"the {name} rows of {path!r} have shape {row} and dtype {dtype}, but those "
                f"of the first file {first_path!r} have {first_row} and {first_dtype}: "
                f"every file's {name} must have the same columns and dtype."
            )


def file_blocks(batch_size: int, layout: Layout) -> Iterator:
    """``(start, stop)`` of each block of a file (see the module docstring)."""
    n, chunk = layout.rows, layout.chunk_rows
    if chunk is None:
        yield from ((start, min(n, start + batch_size)) for start in range(0, n, batch_size))
        return
    row_bytes = max(1, math.prod(layout.x_row) * layout.x_dtype.itemsize)
    most = max(batch_size, BLOCK_BYTES // row_bytes)
    step = chunk * math.ceil(batch_size / chunk)  # the fewest whole chunks for a batch
    if step > most:
        step = chunk * (most // chunk)  # the most whole chunks under the cap
    if step:
        yield from ((start, min(n, start + step)) for start in range(0, n, step))
        return
    for start in range(0, n, chunk):  # each chunk in equal parts, none larger than the cap
        rows = min(n, start + chunk) - start
        parts = math.ceil(rows / most)
        edges = [start + rows * i // parts for i in range(parts + 1)]
        yield from pairwise(edges)


def _rows(values: Any, start: int, stop: int, path: str, name: str) -> np.ndarray:
    """``values``, rows ``start:stop`` of ``name`` of ``path``, checked to be all there.

    Raises
    ------
    ValueError
        If the array lost rows since the epoch started.
    """
    if len(values) != stop - start:
        raise ValueError(
            f"{name!r} of {path!r} has only {start + len(values)} rows now, fewer than when "
            f"the epoch started (rows {start}:{stop} were due): a file changed while it was "
            "read."
        )
    return values


def _fixed_width(values: Any, text: str | None) -> np.ndarray:
    """``values`` as a numpy array; variable-length text as fixed-width (``text``: ``"U"``
    or ``"S"``), as wide as its longest value."""
    values = np.asarray(values)
    if text is None:
        return values
    return np.array(values.tolist(), dtype=text).reshape(values.shape)


class ArrayFileReader(FileReader):
    """Base of the readers of named arrays in files (see the module docstring).

    A subclass stores ``X`` and ``y`` (names of arrays) among its parameters and gives:
    :meth:`_files` (the files, from the parameters), :meth:`_open` and :meth:`_close` (a
    file's handle), :meth:`_array` (an array of a handle by name) and :meth:`_array_names`
    (those a handle holds, for messages), and :meth:`_chunk_rows`; it may give
    :meth:`_text` and :meth:`_get` (variable-length text), :meth:`_not_found` (why a name
    gives no array) and :meth:`_watch` (a change of an open file). ``_what`` is what an
    array is called (``"dataset"``).
    """

    _what = "array"

    @abstractmethod
    def _files(self, params: dict) -> list:
        """The files to read, in order, from the parameters."""

    @abstractmethod
    def _open(self, path: str) -> Any:
        """A handle of the file ``path``; a ValueError naming it if it cannot be opened."""

    def _close(self, handle: Any) -> None:
        close_if_closable(handle)

    @abstractmethod
    def _array(self, handle: Any, name: str) -> Any:
        """The array ``name`` of ``handle``, or None if it holds no such array."""

    @abstractmethod
    def _array_names(self, handle: Any) -> Iterable:
        """The names of the arrays ``handle`` holds."""

    @abstractmethod
    def _chunk_rows(self, array: Any) -> int | None:
        """The rows of a chunk of ``array``; None if it is not chunked."""

    def _text(self, array: Any) -> str | None:
        """``"U"`` (or ``"S"``) if ``array`` holds variable-length text (or bytes)."""
        return None

    def _get(self, array: Any, start: int, stop: int) -> Any:
        """Rows ``start:stop`` of ``array``, as stored (text as str or bytes objects)."""
        return array[start:stop]

    def _not_found(self, handle: Any, name: str) -> str | None:
        """Why ``name`` gives no array, if not because ``handle`` holds nothing by that
        name (such as "a broken link ..."); None otherwise."""
        return None

    def _watch(self, handle: Any, name: str, array: Any, path: str) -> None:
        """Raise a ValueError if ``array`` of the open ``handle`` changed shape since it
        was opened, when that can be seen cheaply; by default it cannot."""

    def _named(self, handle: Any, path: str, name: str, given_as: str) -> Any:
        """The array ``name`` of ``path``; a ValueError listing its arrays if it has none."""
        try:
            array = self._array(handle, name)
        except Exception as error:  # a name the library refuses, a file it cannot read
            raise ValueError(
                f"{path!r}: the {self._what} {name!r} (given as {given_as}) cannot be read "
                f"({type(error).__name__}: {error})."
            ) from None
        if array is None:
            why = self._not_found(handle, name)
            start = f"{path!r} has no {self._what} {name!r} (given as {given_as})"
            if why is not None:
                start = f"{path!r}: {name!r} (given as {given_as}) is {why}"
            raise ValueError(
                f"{start}; the {self._what}s it holds are {_listed(self._array_names(handle))}."
            )
        return array

    def _open_arrays(self, path: str, names: tuple) -> _Open:
        """``path`` opened, with its X and y arrays; closed again if they are missing."""
        handle = self._open(path)
        try:
            X = self._named(handle, path, names[0], "X")
            y = None if names[1] is None else self._named(handle, path, names[1], "y")
        except BaseException:
            self._close(handle)
            raise
        return _Open(self, handle, X, y)

    def _layout(self, path: str, names: tuple) -> Layout:
        """The checked layout of one file, which is closed again."""
        opened = self._open_arrays(path, names)
        try:
            X, y = opened.X, opened.y
            _check_features(X, path, names[0], self._what)
            if y is None:
                return Layout(
                    int(X.shape[0]), self._chunk_rows(X), X.shape[1:], X.dtype, None, None
                )
            text = self._text(y)
            _check_targets(y, text, X.shape[0], path, names[1], self._what)
            return Layout(
                int(X.shape[0]),
                self._chunk_rows(X),
                X.shape[1:],
                X.dtype,
                y.shape[1:],
                y.dtype,
                text,
                self._chunk_rows(y),
            )
        finally:
            opened.close()

    def _check(self, params: dict) -> tuple:
        """``(files, (X name, y name or None), layout per file, batch_size)``, after
        checking that every file holds the arrays, that they agree and that ``y`` has one
        row per row of ``X``."""
        self._check_reading(params)
        names = (
            array_name("X", params["X"], self._what),
            None if params["y"] is None else array_name("y", params["y"], self._what),
        )
        if names[0] == names[1]:
            raise ValueError(f"X and y name the same {self._what} {names[0]!r}; pick two.")
        files = self._files(params)
        layouts = [self._layout(path, names) for path in files]
        for path, layout in zip(files[1:], layouts[1:]):
            _check_agrees(path, layout, files[0], layouts[0])
        return files, names, layouts, int(params["batch_size"])

    def _blocks(self, state: tuple) -> list:
        """``(file, start, stop)`` of each block, file after file."""
        _, _, layouts, batch_size = state
        return [
            (i, start, stop)
            for i, layout in enumerate(layouts)
            for start, stop in file_blocks(batch_size, layout)
        ]

    def _opened(self, state: tuple, index: int, opened: dict) -> _Open:
        """The file ``index``, opened (and checked) if the epoch has not opened it yet."""
        if index in opened:
            return opened[index]
        if len(opened) >= OPEN_FILES:  # the file opened first is closed
            opened.pop(next(iter(opened))).close()
        files, names, layouts, _ = state
        arrays = self._open_arrays(files[index], names)
        layout = layouts[index]
        try:
            for name, array, shape, dtype in (
                (names[0], arrays.X, (layout.rows, *layout.x_row), layout.x_dtype),
                (names[1], arrays.y, (layout.rows, *(layout.y_row or ())), layout.y_dtype),
            ):
                if array is not None and (array.shape != shape or array.dtype != dtype):
                    raise ValueError(
                        f"{files[index]!r} changed since the reader checked it: its "
                        f"{self._what} {name!r} now has shape {array.shape} and dtype "
                        f"{array.dtype}, not {shape} and {dtype}; a file must not change "
                        "during an epoch (make the reader again, or start a new epoch, to "
                        "read it as it is now)."
                    )
        except BaseException:
            arrays.close()
            raise
        opened[index] = arrays
        return arrays

    def _read(self, state: tuple, block: tuple, opened: dict) -> dict:
        files, names, layouts, _ = state
        index, start, stop = block
        path, layout = files[index], layouts[index]
        arrays = self._opened(state, index, opened)
        X = self._get(arrays.X, start, stop)
        batch = {"X": _rows(np.asarray(X), start, stop, path, names[0])}
        if arrays.y is not None:
            batch["y"] = self._targets(arrays, layout, start, stop, path, names[1], opened)
        self._watch(arrays.handle, names[0], arrays.X, path)
        if arrays.y is not None:
            self._watch(arrays.handle, names[1], arrays.y, path)
        return batch

    def _y_rows(self, arrays: _Open, layout: Layout, start: int, stop: int, path: str, name: str):
        values = _fixed_width(self._get(arrays.y, start, stop), layout.y_text)
        return _rows(values, start, stop, path, name)

    def _targets(
        self, arrays: _Open, layout: Layout, start: int, stop: int, path: str, name: str,
        opened: dict,
    ) -> np.ndarray:  # fmt: skip
        """Rows ``start:stop`` of the targets: whole chunks read directly, a chunk covered
        in part decoded whole once and kept (the epoch's one kept chunk; see the module
        docstring)."""
        chunk, n = layout.y_chunk_rows, layout.rows
        if chunk is None:
            return self._y_rows(arrays, layout, start, stop, path, name)
        parts, at = [], start
        while at < stop:
            first = at - at % chunk
            end = min(n, first + chunk)
            if at == first and stop >= end:  # whole chunks
                end = stop if stop == n else first + (stop - first) // chunk * chunk
                parts.append(self._y_rows(arrays, layout, at, end, path, name))
            else:
                if arrays.y_chunk is None or arrays.y_chunk[0] != first:
                    for other in opened.values():  # one kept chunk per epoch
                        other.y_chunk = None
                    arrays.y_chunk = (first, self._y_rows(arrays, layout, first, end, path, name))
                end = min(stop, end)
                parts.append(arrays.y_chunk[1][at - first : end - first].copy())
            at = end
        return parts[0] if len(parts) == 1 else np.concatenate(parts)
