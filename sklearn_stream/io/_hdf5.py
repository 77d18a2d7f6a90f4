"""``read_hdf5``: rows of datasets of HDF5 files, read whole chunks at a time (h5py)."""

from collections.abc import Iterator
from typing import Any

from ._arrays import ArrayFileReader
from ._reader import expand_paths, reader_function

__all__ = ["Hdf5Reader", "read_hdf5"]

_INSTALL = (
    "reading HDF5 files needs h5py: python -m pip install h5py (or, in the repository, "
    "python -m pip install -e '.[hdf5]')"
)
_SUFFIXES = (".h5", ".hdf5")


def _h5py() -> Any:
    try:
        import h5py
    except ImportError:
        raise ImportError(_INSTALL) from None
    return h5py


class Hdf5Reader(ArrayFileReader):
    """A data source over datasets of HDF5 files, read whole chunks at a time.

    Made by :func:`read_hdf5`, whose parameters it takes. It holds no open file: each
    epoch opens the files it reads, in the process that reads them, and closes them when
    it ends.

    Examples
    --------
    >>> import os, tempfile
    >>> import h5py
    >>> from sklearn_stream.io import Hdf5Reader
    >>> path = os.path.join(tempfile.mkdtemp(), "data.h5")
    >>> with h5py.File(path, "w") as file:
    ...     _ = file.create_dataset("X", data=np.arange(10.0).reshape(5, 2))
    >>> reader = Hdf5Reader(path, "X", batch_size=2)
    >>> [batch["X"].shape for batch in reader.generate()]
    [(2, 2), (2, 2), (1, 2)]
    """

    _what = "dataset"

    def __init__(
        self,
        paths: Any,
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
        _h5py()  # the ImportError first
        return expand_paths(params["paths"], "paths", _SUFFIXES)

    def _open(self, path: str) -> Any:
        h5py = _h5py()
        try:
            return h5py.File(path, "r")
        except OSError as error:
            raise ValueError(_cannot_open(path, error)) from None

    def _array(self, handle: Any, name: str) -> Any:
        try:
            found = handle.get(name)
        except (KeyError, ValueError, OSError):  # a broken link (see _not_found)
            return None
        return found if isinstance(found, _h5py().Dataset) else None

    def _array_names(self, handle: Any) -> Iterator:
        """The datasets of ``handle``, those reached through soft and external links
        too."""
        names: list = []
        handle.visit_links(names.append)
        return (name for name in names if self._array(handle, name) is not None)

    def _not_found(self, handle: Any, name: str) -> str | None:
        h5py = _h5py()
        try:
            link = handle.get(name, getlink=True)
        except (KeyError, ValueError, OSError):
            return None
        if isinstance(link, h5py.SoftLink):
            return f"a broken link: a soft link to {link.path!r}, which holds nothing"
        if isinstance(link, h5py.ExternalLink):
            return (
                f"a broken link: an external link to {link.path!r} in the file "
                f"{link.filename!r}, which cannot be opened or holds no such object"
            )
        return "a group, not a dataset" if isinstance(handle.get(name), h5py.Group) else None

    def _text(self, array: Any) -> str | None:
        info = _h5py().check_string_dtype(array.dtype)
        if info is None or info.length is not None:
            return None
        return "U" if info.encoding == "utf-8" else "S"

    def _get(self, array: Any, start: int, stop: int) -> Any:
        if self._text(array) == "U":
            return array.asstr()[start:stop]
        return array[start:stop]

    def _chunk_rows(self, array: Any) -> int | None:
        return None if array.chunks is None else int(array.chunks[0])


def _cannot_open(path: str, error: OSError) -> str:
    """Why ``path`` cannot be opened: locked by a writer, or not an HDF5 file."""
    text = str(error)
    if "unable to lock file" not in text:
        return f"{path!r} cannot be opened as an HDF5 file ({text})."
    if "errno = 11," in text or "Resource temporarily unavailable" in text:
        return (
            f"{path!r} cannot be opened for reading: it is locked by another process that "
            "has it open for writing (an h5py.File opened with mode 'w', 'a' or 'r+', in "
            "another program or in the main process of zmq_stream workers?). Close that "
            f"file, or open it with mode 'r', before reading it ({text})."
        )
    return (
        f"{path!r} cannot be opened: HDF5 cannot lock it, perhaps because its file system "
        "does not support locks (some network file systems); if no process writes it, "
        f"setting the environment variable HDF5_USE_FILE_LOCKING=FALSE lets it open ({text})."
    )


def read_hdf5(paths: Any, X: str, y: str | None = None, **params: Any) -> Hdf5Reader:
    """Read the rows of datasets of HDF5 files in batches, whole chunks at a time.

    ``X`` and ``y`` name datasets inside each file (``"features"``, or
    ``"data/features"`` in a group; links are followed). Only a block of rows is in memory
    at a time: for a chunked dataset, its chunks' rows, times as many as make at least
    ``batch_size`` rows, for a contiguous one ``batch_size`` rows; a block holds at most
    16 MiB of features unless ``batch_size`` rows hold more (fewer whole chunks then; a
    chunk larger than that is read in equal parts inside it). Reading any part of a
    compressed chunk decompresses all of it, so memory holds a block and the chunks it
    comes from, and a chunk read in parts is decompressed once per part: write chunks of a
    few hundred kilobytes to a few megabytes. ``y`` may be chunked otherwise than ``X``: a
    chunk of ``y`` a block covers in part is decompressed whole once and kept until the
    epoch reads past it (one such chunk at a time). Read in order, each chunk is thus
    decompressed once per epoch. The data may be much larger than memory; blocks do not
    span files, batches do.

    The reader is a data source: each ``generate()`` reads every row once (an epoch), and
    it can be cloned, pickled, tuned (``stream__batch_size``) and run in ``zmq_stream``
    workers, which share the blocks between them. It never keeps a file open between
    epochs: each process opens the files it reads, so it is safe in forked workers. An
    epoch keeps the files it reads open, for reading (at most eight at a time), until it
    ends: HDF5's file locks then keep other processes from opening them for writing, and a
    file another process has open for writing cannot be read (the error says it is
    locked). Each time an epoch opens a file, its datasets must still have the shapes and
    dtypes checked when the reader was made, or a ``ValueError`` names the file; a change
    made while the file is open (possible only with ``HDF5_USE_FILE_LOCKING=FALSE``) is not
    seen. Needs h5py (the ``hdf5`` extra).

    Parameters
    ----------
    paths : path, list of paths or directory
        HDF5 files (a directory: its ``.h5`` and ``.hdf5`` files, sorted by name; hidden
        and ``_``-prefixed files are skipped).
    X : str
        The dataset of features in each file: a 2-D numeric array, one row per sample;
        the same columns and dtype in every file.
    y : str or None, default=None
        The dataset of targets in each file: a 1-D (or 2-D) array of numbers, fixed-width
        strings, or variable-length strings (h5py's default for ``file["y"] = ["cat",
        ...]``), one value (or row) per row of ``X``. Variable-length strings come as
        fixed-width numpy text (``U``; ``S`` for ASCII bytes), each batch as wide as its
        longest label. None: batches without ``"y"``.
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
    Hdf5Reader
        A data source of ``{"X": ..., "y": ...}`` batches of numpy arrays, with the
        datasets' dtypes.

    Raises
    ------
    ImportError
        If h5py is not installed (the message says how to install it).
    FileNotFoundError
        If a path does not exist or a directory holds no ``.h5`` or ``.hdf5`` file.
    TypeError, ValueError
        If a parameter is invalid (``X`` and ``y`` are paths without ``.``, ``..`` or empty
        parts); a file is not an HDF5 file, or is locked by a process writing it; a file
        has no dataset ``X`` or ``y`` (the message lists the datasets it holds, and names a
        broken link as such); ``X`` is not a 2-D numeric dataset with at least one column;
        ``y`` has another dtype or not one value per row of ``X``; or a file's datasets
        differ in columns or dtype from the first file's. The message names the file and
        the dataset. While an epoch runs, a ``ValueError`` names a file whose datasets
        changed since the reader checked them.

    See Also
    --------
    sklearn_stream.io.read_zarr : the same for zarr stores.
    sklearn_stream.io.read_npy : ``.npy`` files, through memory maps.

    Examples
    --------
    >>> import os, tempfile
    >>> import h5py
    >>> from sklearn_stream.io import read_hdf5
    >>> folder = tempfile.mkdtemp()
    >>> for part in range(2):
    ...     rows = np.arange(6 * part, 6 * part + 6)
    ...     with h5py.File(os.path.join(folder, f"part{part}.h5"), "w") as file:
    ...         _ = file.create_dataset("data/X", data=np.c_[rows, -rows], chunks=(4, 2))
    ...         _ = file.create_dataset("data/y", data=rows % 2)
    >>> reader = read_hdf5(folder, "data/X", "data/y", batch_size=5)
    >>> [batch["X"][:, 0].tolist() for batch in reader.generate()]
    [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11]]
    >>> shuffled = reader.set_params(shuffle=True, random_state=0)
    >>> sorted(np.concatenate([b["y"] for b in shuffled.generate()]).tolist())
    [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]
    >>> try:
    ...     read_hdf5(folder, "data/features")
    ... except ValueError as error:
    ...     print(str(error).split("; ")[1])
    the datasets it holds are ['data/X', 'data/y'].
    """
    return Hdf5Reader(paths, X, y, **params)


reader_function(read_hdf5, Hdf5Reader)
