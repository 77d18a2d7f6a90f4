"""``read_hdf5``: rows of datasets of HDF5 files, read whole chunks at a time (h5py)."""

import inspect
from collections.abc import Iterator
from typing import Any

from ._arrays import ArrayFileReader
from ._reader import SHUFFLE_PARAMS_DOC, expand_paths

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
            raise ValueError(f"{path!r} cannot be opened as an HDF5 file ({error}).") from None

    def _array(self, handle: Any, name: str) -> Any:
        try:
            found = handle.get(name)
        except (KeyError, ValueError, OSError):  # a broken link
            return None
        return found if isinstance(found, _h5py().Dataset) else None

    def _array_names(self, handle: Any) -> Iterator:
        names: list = []
        dataset = _h5py().Dataset
        handle.visititems(
            lambda name, obj: names.append(name) if isinstance(obj, dataset) else None
        )
        return iter(names)

    def _chunk_rows(self, array: Any) -> int | None:
        return None if array.chunks is None else int(array.chunks[0])


def read_hdf5(paths: Any, X: str, y: str | None = None, **params: Any) -> Hdf5Reader:
    """Read the rows of datasets of HDF5 files in batches, whole chunks at a time.

    ``X`` and ``y`` name datasets inside each file (``"features"``, or
    ``"data/features"`` in a group). Only a block of rows is in memory at a time: for a
    chunked dataset, its chunks' rows, times as many as make at least ``batch_size`` rows
    (each chunk is then read once per epoch), for a contiguous one ``batch_size`` rows; a
    block holds at most 16 MiB of features unless ``batch_size`` rows hold more, so a
    chunk of more rows than that (a dataset stored as one large chunk) is read a part at a
    time, and decompressed once per part if compressed. The data may thus be much larger
    than memory; blocks do not span files, batches do.

    The reader is a data source: each ``generate()`` reads every row once (an epoch), and
    it can be cloned, pickled, tuned (``stream__batch_size``) and run in ``zmq_stream``
    workers, which share the blocks between them. It never keeps a file open between
    epochs: each process opens the files it reads, so it is safe in forked workers. Needs
    h5py (the ``hdf5`` extra).

    Parameters
    ----------
    paths : path, list of paths or directory
        HDF5 files (a directory: its ``.h5`` and ``.hdf5`` files, sorted by name; hidden
        and ``_``-prefixed files are skipped).
    X : str
        The dataset of features in each file: a 2-D numeric array, one row per sample;
        the same columns and dtype in every file.
    y : str or None, default=None
        The dataset of targets in each file: a 1-D (or 2-D) array of numbers or
        fixed-width strings, one value (or row) per row of ``X``. None: batches without
        ``"y"``.
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
        If a parameter is invalid; a file is not an HDF5 file; a file has no dataset
        ``X`` or ``y`` (the message lists the datasets it holds); ``X`` is not a 2-D
        numeric dataset; ``y`` has not one value per row of ``X``; or a file's datasets
        differ in columns or dtype from the first file's. The message names the file and
        the dataset.

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


read_hdf5.__signature__ = inspect.signature(Hdf5Reader).replace(return_annotation=Hdf5Reader)
read_hdf5.__doc__ = read_hdf5.__doc__.replace("%(shuffle_params)s", SHUFFLE_PARAMS_DOC)
read_hdf5.makes_reader = True  # zmq_stream shards the reader a Streamer of it makes
