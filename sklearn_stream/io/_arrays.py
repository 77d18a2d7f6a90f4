"""What ``read_hdf5`` and ``read_zarr`` share: named arrays in a set of files (features,
2-D; targets, 1-D or 2-D), read in blocks of rows that follow the arrays' chunks.

A block is a range of rows of one file: whole chunks of the features (their chunks' rows,
times as many as make at least ``batch_size`` rows), or ``batch_size`` rows of an array
stored unchunked. A block never holds more than :data:`BLOCK_BYTES` of features, unless
``batch_size`` rows do: a chunk spanning more rows than that is read a part at a time.

Files are opened only to be read, in the process that reads them: checking the parameters
opens each file and closes it before returning, and an epoch opens the files it reads,
keeps at most :data:`OPEN_FILES` of them open, and closes them when it ends. No open handle
is ever part of the reader, so the reader can be pickled, and forked ``zmq_stream``
workers each open the files themselves (an HDF5 handle inherited through ``fork`` is not
safe to use).
"""

import functools
import math
from abc import abstractmethod
from collections.abc import Iterable
from itertools import islice
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


class _Open(NamedTuple):
    """A file an epoch opened and its arrays; ``close()`` closes the file."""

    close: Any
    X: Any
    y: Any


def array_name(name: str, value: Any, what: str) -> str:
    """``value``, the path of an array inside a file, without leading or trailing ``/``.

    Raises
    ------
    TypeError
        If ``value`` is not a str.
    ValueError
        If it names no array (``""`` or ``"/"``).
    """
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be a str, the path of the {what} inside the files (such as "
            f"'features' or 'data/features'); got {value!r} of type {type(value).__name__}."
        )
    if not value.strip("/"):
        raise ValueError(f"{name} must name the {what} inside the files; got {value!r}.")
    return value.strip("/")


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


def _check_targets(y: Any, n_rows: int, path: str, name: str, what: str) -> None:
    if y.ndim not in (1, 2) or y.shape[0] != n_rows or y.dtype.kind not in _TARGET_KINDS:
        rows = f"{y.shape[0]} rows" if y.ndim else "no rows"
        raise ValueError(
            f"the y {what} {name!r} of {path!r} is a {y.ndim}-D array of dtype {y.dtype} with "
            f"{rows}, but X has {n_rows} rows; y must name a 1-D (or 2-D) array of numbers "
            "or fixed-width strings with one value (or row) per row of X."
        )


def _check_agrees(path: str, layout: Layout, first_path: str, first: Layout) -> None:
    """Raise unless the arrays of ``path`` have the row shapes and dtypes of the first
    file's."""
    for name, row, dtype, first_row, first_dtype in (
        ("X", layout.x_row, layout.x_dtype, first.x_row, first.x_dtype),
        ("y", layout.y_row, layout.y_dtype, first.y_row, first.y_dtype),
    ):
        if row != first_row or dtype != first_dtype:
            raise ValueError(
                f"the {name} rows of {path!r} have shape {row} and dtype {dtype}, but those "
                f"of the first file {first_path!r} have {first_row} and {first_dtype}: "
                f"every file's {name} must have the same columns and dtype."
            )


def block_rows(batch_size: int, layout: Layout) -> int:
    """The rows of each block of a file (see the module docstring)."""
    row_bytes = max(1, math.prod(layout.x_row) * layout.x_dtype.itemsize)
    most = max(batch_size, BLOCK_BYTES // row_bytes)
    chunk = layout.chunk_rows
    if chunk is None:
        return batch_size
    whole = chunk * math.ceil(batch_size / chunk)
    return whole if whole <= most else most


def _rows(array: Any, start: int, stop: int, path: str, name: str) -> np.ndarray:
    """Rows ``start:stop`` of ``array`` (a dataset of ``path``), read into memory.

    Raises
    ------
    ValueError
        If the array lost rows since the epoch started.
    """
    rows = np.asarray(array[start:stop])
    if len(rows) != stop - start:
        raise ValueError(
            f"{name!r} of {path!r} has only {start + len(rows)} rows now, fewer than when the "
            f"epoch started (rows {start}:{stop} were due): a file changed while it was read."
        )
    return rows


class ArrayFileReader(FileReader):
    """Base of the readers of named arrays in files (see the module docstring).

    A subclass stores ``X`` and ``y`` (names of arrays) among its parameters and gives:
    :meth:`_files` (the files, from the parameters), :meth:`_open` and :meth:`_close` (a
    file's handle), :meth:`_array` (an array of a handle by name) and :meth:`_array_names`
    (those a handle holds, for messages), and :meth:`_chunk_rows`. ``_what`` is what an
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

    def _named(self, handle: Any, path: str, name: str, given_as: str) -> Any:
        """The array ``name`` of ``path``; a ValueError listing its arrays if it has none."""
        array = self._array(handle, name)
        if array is None:
            raise ValueError(
                f"{path!r} has no {self._what} {name!r} (given as {given_as}); the "
                f"{self._what}s it holds are {_listed(self._array_names(handle))}."
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
        return _Open(functools.partial(self._close, handle), X, y)

    def _layout(self, path: str, names: tuple) -> Layout:
        """The checked layout of one file, which is closed again."""
        opened = self._open_arrays(path, names)
        try:
            X, y = opened.X, opened.y
            _check_features(X, path, names[0], self._what)
            if y is not None:
                _check_targets(y, X.shape[0], path, names[1], self._what)
            y_row, y_dtype = (None, None) if y is None else (y.shape[1:], y.dtype)
            chunk_rows = self._chunk_rows(X)
            return Layout(int(X.shape[0]), chunk_rows, X.shape[1:], X.dtype, y_row, y_dtype)
        finally:
            opened.close()

    def _check(self, params: dict) -> tuple:
        """``(files, (X name, y name or None), rows per file, block rows per file)``, after
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
        sizes = [block_rows(int(params["batch_size"]), layout) for layout in layouts]
        return files, names, [layout.rows for layout in layouts], sizes

    def _blocks(self, state: tuple) -> list:
        """``(file, start, stop)`` of each block, file after file."""
        _, _, lengths, sizes = state
        return [
            (i, start, min(n, start + size))
            for i, (n, size) in enumerate(zip(lengths, sizes))
            for start in range(0, n, size)
        ]

    def _read(self, state: tuple, block: tuple, opened: dict) -> dict:
        files, names, _, _ = state
        index, start, stop = block
        path = files[index]
        if index not in opened:
            if len(opened) >= OPEN_FILES:  # the file opened first is closed
                opened.pop(next(iter(opened))).close()
            opened[index] = self._open_arrays(path, names)
        arrays = opened[index]
        batch = {"X": _rows(arrays.X, start, stop, path, names[0])}
        if arrays.y is not None:
            batch["y"] = _rows(arrays.y, start, stop, path, names[1])
        return batch
