"""``read_zarr``: rows of arrays of zarr stores, read whole chunks at a time (zarr)."""

import contextlib
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._checks import close_if_closable
from ._arrays import ArrayFileReader
from ._reader import reader_function

__all__ = ["ZarrReader", "read_zarr"]

_INSTALL = (
    "reading zarr stores needs zarr: python -m pip install zarr (or, in the repository, "
    "python -m pip install -e '.[zarr]')"
)
# A directory holding one of these is a zarr store (format 3; format 2 group or array).
_METADATA = ("zarr.json", ".zgroup", ".zarray")


def _zarr() -> Any:
    try:
        import zarr
    except ImportError:
        raise ImportError(_INSTALL) from None
    return zarr


def _is_store(path: Path) -> bool:
    """Whether ``path`` is a zarr store: a directory with zarr metadata, or a ``.zip``."""
    if path.is_dir():
        return any((path / name).is_file() for name in _METADATA)
    return path.is_file() and path.suffix.lower() == ".zip"


# Why a directory named *.zarr is not a store.
_NO_METADATA = (
    "it has no zarr.json, .zgroup or .zarray (a store whose writing did not finish, or a "
    "copy without its metadata?)"
)


def _stores_at(path: Path) -> list:
    """The stores ``path`` names: itself, or the stores a plain directory holds (a
    ``.zarr`` directory without metadata is refused, never skipped)."""
    if _is_store(path):
        return [path]
    if path.is_dir() and path.suffix.lower() == ".zarr":
        raise ValueError(f"store: {str(path)!r} is not a zarr store: {_NO_METADATA}.")
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.name[0] not in "._" and _is_store(p))
        broken = sorted(
            p
            for p in path.iterdir()
            if p.name[0] not in "._"
            and p.suffix.lower() == ".zarr"
            and p.is_dir()
            and not _is_store(p)
        )
        if broken:
            raise ValueError(
                f"store: the directory of stores {str(path)!r} holds "
                f"{str(broken[0])!r}, which is not a zarr store: {_NO_METADATA}; its rows "
                "would be skipped. Repair it, or move it out of the directory (or give its "
                "name a leading '_')."
            )
        if not found:
            raise FileNotFoundError(
                f"store: the directory {str(path)!r} is no zarr store (it has no zarr.json, "
                ".zgroup or .zarray) and holds none (directories with zarr metadata, or "
                ".zip files)."
            )
        return found
    if path.is_file():
        raise ValueError(
            f"store: {str(path)!r} is not a zarr store: give a store's directory, a .zip "
            "store, or a directory of stores."
        )
    raise FileNotFoundError(f"store: no such file or directory: {str(path)!r}.")


def expand_stores(store: Any) -> list:
    """The zarr stores ``store`` names: a store (a directory with zarr metadata, or a
    ``.zip`` file), a list (or 1-D array) of them, or a directory of stores (those it
    holds, sorted by name). A store directory is one store, never a folder of files.

    Raises
    ------
    TypeError
        If ``store`` is not a path or a list of paths.
    FileNotFoundError
        If a path does not exist, or a directory is no store and holds none.
    ValueError
        If a file is not a ``.zip`` store, a ``.zarr`` directory (given, or in a directory
        of stores) has no zarr metadata, or a store is named twice.
    """
    if getattr(store, "ndim", None) == 1 and hasattr(store, "tolist"):
        store = store.tolist()  # a fold's 1-D array (or Series) of stores, in a search
    given = [store] if isinstance(store, (str, os.PathLike)) else store
    if not (
        isinstance(given, (list, tuple))
        and given
        and all(isinstance(path, (str, os.PathLike)) for path in given)
    ):
        raise TypeError(
            "store must be the path of a zarr store, a non-empty list of them or a directory "
            f"of stores; got {store!r}."
        )
    stores = [str(found) for path in map(Path, given) for found in _stores_at(path)]
    resolved = [str(Path(path).resolve()) for path in stores]
    twice = sorted({path for path in resolved if resolved.count(path) > 1})
    if twice:
        raise ValueError(f"store names {twice} more than once; its rows would be read twice.")
    return stores


class _Store:
    """An opened store's root group, the stamps of its arrays' metadata files (see
    :meth:`ZarrReader._watch`), and ``close()`` for the store."""

    def __init__(self, group: Any) -> None:
        self.group = group
        self.stamps: dict = {}

    def close(self) -> None:
        close_if_closable(getattr(self.group, "store", None))


def _metadata_file(handle: _Store, name: str) -> str | None:
    """The metadata file of the array ``name`` of a store that is a local directory; None
    for another store (a ``.zip`` store is never rewritten in place)."""
    root = getattr(handle.group.store, "root", None)
    if root is None:
        return None
    metadata = "zarr.json" if handle.group.metadata.zarr_format == 3 else ".zarray"
    return os.path.join(root, name, metadata)


def _stamp(file: str | None) -> tuple | None:
    """When and how ``file`` was last written; ``()`` if it is gone."""
    if file is None:
        return None
    try:
        status = os.stat(file)
    except OSError:
        return ()
    return (status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


class ZarrReader(ArrayFileReader):
    """A data source over arrays of zarr stores, read whole chunks at a time.

    Made by :func:`read_zarr`, whose parameters it takes. It holds no open store: each
    epoch opens the stores it reads, in the process that reads them, and closes them when
    it ends.

    Examples
    --------
    >>> import os, tempfile
    >>> import zarr
    >>> from sklearn_stream.io import ZarrReader
    >>> path = os.path.join(tempfile.mkdtemp(), "data.zarr")
    >>> _ = zarr.open_group(path, mode="w").create_array("X", data=np.ones((5, 2)))
    >>> reader = ZarrReader(path, "X", batch_size=2)
    >>> [batch["X"].shape for batch in reader.generate()]
    [(2, 2), (2, 2), (1, 2)]
    """

    def __init__(
        self,
        store: Any,
        X: str,
        y: str | None = None,
        *,
        batch_size: int = 1024,
        shuffle: bool = False,
        buffer_size: int | None = None,
        random_state: Any = None,
    ) -> None:
        self._init_locals(locals())

    def _files(self, params: dict) -> list:
        _zarr()  # the ImportError first
        return expand_stores(params["store"])

    def _open(self, path: str) -> _Store:
        zarr = _zarr()
        zipped = None
        try:
            if path.lower().endswith(".zip"):
                zipped = zarr.storage.ZipStore(path, mode="r")
            # Consolidated metadata may be stale (rows appended since): read each array's own.
            return _Store(zarr.open_group(zipped or path, mode="r", use_consolidated=False))
        except Exception as error:  # zarr raises many kinds: not a group, a bad zip, ...
            with contextlib.suppress(Exception):  # a zip that never opened fails to close
                close_if_closable(zipped)
            raise ValueError(_cannot_open(path, error)) from None

    def _array(self, handle: _Store, name: str) -> Any:
        file = _metadata_file(handle, name)
        stamp = _stamp(file)  # before the metadata is read: a later change shows
        try:
            found = handle.group[name]
        except KeyError:
            return None
        if not isinstance(found, _zarr().Array):
            return None
        handle.stamps[name] = (file, stamp)
        return found

    def _array_names(self, handle: _Store) -> Iterator:
        return _walk(handle.group, "")

    def _text(self, array: Any) -> str | None:
        return "U" if array.dtype.kind == "T" else None

    def _watch(self, handle: _Store, name: str, array: Any, path: str) -> None:
        """Raise a ValueError if the array ``name`` of a store's directory no longer has
        the shape it had when opened: its metadata file is checked (``os.stat``) after
        each block, and read again only if it was written since (a store shrunk by
        another process would otherwise give its fill value for the rows it lost)."""
        file, stamp = handle.stamps[name]
        now = _stamp(file)
        if now == stamp:
            return
        try:
            shape = handle.group[name].shape
        except Exception:  # removed, or being rewritten
            shape = None
        if shape != array.shape:
            raise ValueError(
                f"the array {name!r} of {path!r} changed while it was read: it had shape "
                f"{array.shape} when the epoch opened it, and now "
                f"{'cannot be read' if shape is None else f'has shape {shape}'}; a store must "
                "not change during an epoch."
            )
        handle.stamps[name] = (file, now)

    def _chunk_rows(self, array: Any) -> int | None:
        return int(array.chunks[0])


def _cannot_open(path: str, error: Exception) -> str:
    """Why ``path`` cannot be opened as a store with a group at its root."""
    zarr = _zarr()
    if isinstance(error, zarr.errors.ContainsArrayError):
        return (
            f"{path!r} is a zarr array, not a store whose root is a group: read_zarr reads "
            "a store whose root is a group holding the arrays X and y (write them with "
            "zarr.open_group(path, mode='w').create_array('X', data=...))."
        )
    if path.lower().endswith(".zip"):
        if not zipfile.is_zipfile(path):
            return (
                f"{path!r} is not a zip file, so not a zarr store (in a directory of stores, "
                "every .zip file is read as one: move it out, or give its name a leading "
                "'_')."
            )
        return (
            f"{path!r} is a zip file but not a zarr store with a group at its root (no "
            f"zarr.json or .zgroup at the top of the zip; {type(error).__name__}: {error})."
        )
    return (
        f"{path!r} cannot be opened as a zarr store with a group at its root "
        f"({type(error).__name__}: {error})."
    )


def _walk(group: Any, prefix: str) -> Iterator:
    """The paths of the arrays of ``group`` and of its groups, each group's sorted."""
    for key in sorted(group.array_keys()):
        yield prefix + key
    for key in sorted(group.group_keys()):
        yield from _walk(group[key], f"{prefix}{key}/")


def read_zarr(store: Any, X: str, y: str | None = None, **params: Any) -> ZarrReader:
    """Read the rows of arrays of zarr stores in batches, whole chunks at a time.

    ``X`` and ``y`` name arrays inside each store (``"features"``, or
    ``"data/features"`` in a group). Only a block of rows is in memory at a time: the
    chunks' rows of ``X``, times as many as make at least ``batch_size`` rows; a block
    holds at most 16 MiB of features unless ``batch_size`` rows hold more (fewer whole
    chunks then; a chunk larger than that is read in equal parts inside it). Reading any
    part of a chunk decompresses all of it, so memory holds a block and the chunks it comes
    from, and a chunk read in parts is decompressed once per part: write chunks of a few
    hundred kilobytes to a few megabytes (zarr's default chunks are of that size). ``y``
    may be chunked otherwise than ``X``: a chunk of ``y`` a block covers in part is
    decompressed whole once and kept until the epoch reads past it (one such chunk at a
    time). Read in order, each chunk is thus decompressed once per epoch. The data may be
    much larger than memory; blocks do not span stores, batches do.

    The reader is a data source: each ``generate()`` reads every row once (an epoch), and
    it can be cloned, pickled, tuned (``stream__batch_size``) and run in ``zmq_stream``
    workers, which share the blocks between them. It never keeps a store open between
    epochs: each process opens the stores it reads. Each array's own metadata is read, not
    consolidated metadata (which may be stale). Each time an epoch opens a store, its arrays
    must still have the shapes and dtypes checked when the reader was made, or a
    ``ValueError`` names the store; an open store's directory is watched too (each
    array's metadata file, after each block), so that rows removed by another process
    raise instead of reading as the fill value. Needs zarr (the ``zarr`` extra); stores of
    zarr format 2 and 3 are read.

    Parameters
    ----------
    store : path, list of paths or directory
        Local zarr stores: a store's directory (one with ``zarr.json``, ``.zgroup`` or
        ``.zarray`` in it) or ``.zip`` file, a list of them, or a directory of stores (the
        stores it holds, sorted by name; hidden and ``_``-prefixed ones are skipped, and
        a ``.zarr`` directory without metadata is refused). A store's directory is always
        one store, never a folder of files. Each store's root is a group holding ``X`` and
        ``y``.
    X : str
        The array of features in each store: 2-D and numeric, one row per sample; the
        same columns and dtype in every store.
    y : str or None, default=None
        The array of targets in each store: 1-D (or 2-D), of numbers, fixed-width strings,
        or variable-length strings (``dtype=str``), one value (or row) per row of ``X``.
        Variable-length strings come as fixed-width numpy text (``U``), each batch as wide
        as its longest label. None: batches without ``"y"``.
    batch_size : int >= 1, default=1024
        Rows per batch; only an epoch's last batch may have fewer (through ``zmq_stream``,
        each worker's last).
    shuffle : bool, default=False
        Read the blocks in an order drawn afresh each epoch and mix their rows in a window
        of ``buffer_size`` rows (:func:`~sklearn_stream.shuffle_buffer`); for a good mix,
        make it several blocks long. Each row still comes once per epoch.
    %(shuffle_params)s

    Returns
    -------
    ZarrReader
        A data source of ``{"X": ..., "y": ...}`` batches of numpy arrays, with the
        arrays' dtypes.

    Raises
    ------
    ImportError
        If zarr is not installed (the message says how to install it).
    FileNotFoundError
        If a path does not exist, or a directory is no store and holds none.
    TypeError, ValueError
        If a parameter is invalid (``X`` and ``y`` are paths without ``.``, ``..`` or empty
        parts); a path is not a zarr store with a group at its root (a ``.zarr`` directory
        without metadata, a ``.zip`` that is no zip or holds no store, a store whose root
        is an array); a store has no array ``X`` or ``y`` (the message lists the arrays it
        holds); ``X`` is not a 2-D numeric array with at least one column; ``y`` has
        another dtype or not one value per row of ``X``; or a store's arrays differ in
        columns or dtype from the first store's. The message names the store and the
        array. While an epoch runs, a ``ValueError`` names a store whose arrays changed.

    See Also
    --------
    sklearn_stream.io.read_hdf5 : the same for HDF5 files.
    sklearn_stream.io.read_npy : ``.npy`` files, through memory maps.

    Examples
    --------
    >>> import os, tempfile
    >>> import zarr
    >>> from sklearn_stream.io import read_zarr
    >>> folder = tempfile.mkdtemp()
    >>> for part in range(2):
    ...     rows = np.arange(6 * part, 6 * part + 6)
    ...     group = zarr.open_group(os.path.join(folder, f"part{part}.zarr"), mode="w")
    ...     _ = group.create_array("X", data=np.c_[rows, -rows], chunks=(4, 2))
    ...     _ = group.create_array("y", data=rows % 2)
    >>> reader = read_zarr(folder, "X", "y", batch_size=5)  # a directory of two stores
    >>> [batch["X"][:, 0].tolist() for batch in reader.generate()]
    [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11]]
    >>> [len(b["X"]) for b in read_zarr(os.path.join(folder, "part1.zarr"), "X").generate()]
    [6]
    """
    return ZarrReader(store, X, y, **params)


reader_function(read_zarr, ZarrReader)
