"""What every file reader shares: its paths, its blocks of rows, shuffling and sharding.

A reader is a data source (:class:`~sklearn_stream.core.DataSource`) that cuts its files
into *blocks* of rows (for ``.npy`` files, ``batch_size`` consecutive rows of the set of
files, so that a block is a batch). Each epoch it reads its blocks in order, or, with
``shuffle=True``, in an order drawn afresh for the epoch with its rows passed through
:func:`~sklearn_stream.shuffle_buffer`; then it re-cuts them into batches of
``batch_size`` rows (blocks of that size pass through untouched). Every row is read exactly
once per epoch.

``zmq_stream`` workers each read a share of the blocks (every ``n``-th one), so that no row
is read twice; :meth:`FileReader._worker_shares` makes those shares.
"""

import copy
import inspect
import os
from abc import abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .._checks import check_bool, check_int, close_if_closable
from .._random import check_random_state_value, epoch_rng
from ..buffer import buffer_batch, shuffle_buffer
from ..core import DataSource

__all__ = [
    "NUMERIC_KINDS",
    "SHUFFLE_PARAMS_DOC",
    "FileReader",
    "column_names",
    "expand_paths",
    "reader_function",
]

NUMERIC_KINDS = "biufc"  # the numpy dtype kinds features may have

# Rows a shuffling reader holds, by default, in units of batch_size.
_SHUFFLE_BATCHES = 16

# The docstring entries of the parameters every reader shares (for %(shuffle_params)s).
SHUFFLE_PARAMS_DOC = """buffer_size : int >= 1 or None, default=None
        The shuffle window, in rows; None: ``16 * batch_size``.
    random_state : None, int, RandomState or Generator, default=None
        The shuffle's randomness; an int gives reproducible epochs that differ from each
        other."""


def column_names(value: Any, name: str) -> list | None:
    """A column name or a list (tuple, array, Index) of them as a list; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if hasattr(value, "tolist") and not isinstance(value, (list, tuple)):
        value = value.tolist()
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        if len(set(value)) != len(value):
            raise ValueError(f"{name} names a column more than once: {list(value)}.")
        return list(value)
    raise TypeError(f"{name} must be a column name or a non-empty list of them; got {value!r}.")


def expand_paths(paths: Any, name: str, suffixes: tuple) -> list:
    """The files ``paths`` names: one path, a list (or 1-D array) of paths, or a
    directory (its files ending in one of ``suffixes``, sorted by name).

    Raises
    ------
    TypeError
        If ``paths`` is not a path or a list of paths.
    FileNotFoundError
        If a path does not exist, or a directory holds no such file.
    """
    if getattr(paths, "ndim", None) == 1 and hasattr(paths, "tolist"):
        paths = paths.tolist()  # a fold's 1-D array (or Series) of paths, in a search
    if isinstance(paths, (str, os.PathLike)):
        given = [paths]
    elif isinstance(paths, (list, tuple)) and all(
        isinstance(p, (str, os.PathLike)) for p in paths
    ):
        given = list(paths)
    else:
        raise TypeError(
            f"{name} must be a path, a list of paths or a directory; got a {type(paths).__name__}."
        )
    files = []
    for path in map(Path, given):
        if path.is_dir():
            found = sorted(
                p
                for p in path.iterdir()
                if p.suffix.lower() in suffixes and p.is_file() and p.name[0] not in "._"
            )  # hidden and "_"-prefixed files (metadata, macOS's ._ files) are not data
            if not found:
                raise FileNotFoundError(
                    f"{name}: the directory {str(path)!r} holds no {'/'.join(suffixes)} file."
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"{name}: no such file or directory: {str(path)!r}.")
    if not files:
        raise FileNotFoundError(f"{name} names no file.")
    _refuse_repeats(files, name)
    return [str(path) for path in files]


def _refuse_repeats(files: list, name: str) -> None:
    """Raise if two of ``files`` are one file: the same path, a symbolic link to it or a
    hard link (the same device and inode)."""
    seen: dict = {}
    for path in files:
        status = path.stat()
        first = seen.setdefault((status.st_dev, status.st_ino), path)
        if first is not path:
            raise ValueError(
                f"{name} names the file {str(path.resolve())!r} more than once (as "
                f"{str(first)!r} and {str(path)!r}); its rows would be read twice."
            )


class FileReader(DataSource):
    """Base of the file readers (see the module docstring).

    A subclass gives :meth:`_blocks` (the blocks of its files, from its checked
    parameters) and :meth:`_read` (the batch of one block), and stores ``batch_size``,
    ``shuffle``, ``buffer_size`` and ``random_state`` among its parameters.
    """

    _share: tuple = (0, 1)  # (j, n): this copy reads every n-th block from the j-th

    @abstractmethod
    def _blocks(self, state: Any) -> list:
        """Every block of the files, in file order: whatever :meth:`_read` needs."""

    @abstractmethod
    def _read(self, state: Any, block: Any, opened: dict) -> dict:
        """The batch of the rows of ``block``; ``opened`` keeps what the epoch opened."""

    def _check_reading(self, params: dict) -> None:
        """Check the parameters shared by all readers."""
        check_int("batch_size", params["batch_size"], 1)
        check_bool("shuffle", params["shuffle"])
        if params["buffer_size"] is not None:
            check_int("buffer_size", params["buffer_size"], 1)
        check_random_state_value(params["random_state"])

    def _start(self, state: Any, max_batches: int | None) -> Iterator:
        rng = epoch_rng(self.random_state, self._epochs) if self.shuffle else None
        self._epochs += 1
        j, n = self._share
        blocks = self._blocks(state)[j::n]
        return self._stream(state, blocks, rng)

    def _stream(self, state: Any, blocks: list, rng: Any) -> Iterator:
        batch_size = int(self.batch_size)
        if rng is not None:
            blocks = [blocks[i] for i in rng.permutation(len(blocks))]
        batches = buffer_batch(self._rows(state, blocks), batch_size)
        if rng is None:
            return batches
        size = self.buffer_size or _SHUFFLE_BATCHES * batch_size
        # Blocks are cut to batches before the window, so that it holds rows, not whole
        # large blocks (Parquet row groups), and gives out batches of batch_size rows.
        return shuffle_buffer(batches, int(size), random_state=rng)

    def _rows(self, state: Any, blocks: list) -> Iterator:
        """The batches of the blocks in turn; the files opened for them are closed when
        the epoch ends, early or not."""
        opened: dict = {}
        try:
            yield from self._batches(state, blocks, opened)
        finally:
            for handle in opened.values():
                close_if_closable(handle)

    def _batches(self, state: Any, blocks: list, opened: dict) -> Iterator:
        """The batch of each block (a reader whose blocks give several batches, such as a
        CSV file's chunks, gives them here instead)."""
        for block in blocks:
            yield self._read(state, block, opened)

    def _worker_shares(self, random_ints: list) -> tuple[list, list]:
        """One copy per worker, each reading every ``n``-th block (and shuffling with its
        own random int); never more workers than blocks."""
        j0, n0 = self._share
        n_blocks = len(self._blocks(self._check(self.get_params(deep=False)))[j0::n0])
        n = max(1, min(len(random_ints), n_blocks))
        shares = []
        for j in range(n):
            share = copy.copy(self)
            share._share = (j0 + j * n0, n0 * n)
            share.random_state = random_ints[j]
            shares.append(share)
        return shares, random_ints[:n]


def reader_function(function: Callable, reader: type) -> Callable:
    """Make ``function`` (``read_npy``, ...) the public face of ``reader``, the class it
    returns: its signature is the class's, ``%(shuffle_params)s`` in its docstring becomes
    the shared parameters' entries, and ``zmq_stream`` knows that a ``Streamer`` of it
    makes a reader whose rows the workers can share (``makes_reader``)."""
    function.__signature__ = inspect.signature(reader).replace(return_annotation=reader)
    function.__doc__ = function.__doc__.replace("%(shuffle_params)s", SHUFFLE_PARAMS_DOC)
    function.makes_reader = True
    return function
