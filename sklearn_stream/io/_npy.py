"""``read_npy``: rows of ``.npy`` files, read through memory maps."""

from typing import Any

import numpy as np

from ._reader import NUMERIC_KINDS, FileReader, expand_paths, reader_function

__all__ = ["NpyReader", "read_npy"]


def _open(path: str) -> np.ndarray:
    """The array stored in ``path``, memory-mapped (read-only): nothing is read yet.

    Raises
    ------
    ValueError
        If ``path`` is not a ``.npy`` file of a plain array (an object array, an ``.npz``
        archive, another kind of file), naming it.
    """
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise ValueError(
            f"{path!r} cannot be read as a .npy file of a plain array ({error})."
        ) from None
    if not isinstance(array, np.ndarray):  # an .npz archive
        close = getattr(array, "close", None)
        if close is not None:
            close()
        raise ValueError(f"{path!r} is not a .npy file of one array (an .npz archive?).")
    return array


def _check_like_first(path: str, array: np.ndarray, first: np.ndarray, what: str) -> None:
    """Raise unless ``array`` has the row shape and dtype of the first file's ``first``."""
    if array.shape[1:] != first.shape[1:] or array.dtype != first.dtype:
        raise ValueError(
            f"{path!r} holds {what} rows of shape {array.shape[1:]} and dtype {array.dtype}, "
            f"but the first {what} file has {first.shape[1:]} and {first.dtype}: every "
            f"{what} file must have the same columns and dtype."
        )


def _checked_features(path: str, first: np.ndarray | None) -> np.ndarray:
    """The mapped features of ``path``: a 2-D numeric array like ``first`` (the first X
    file's, or None for the first file itself)."""
    X = _open(path)
    if X.ndim != 2 or X.dtype.kind not in NUMERIC_KINDS:
        raise ValueError(
            f"{path!r} holds a {X.ndim}-D array of dtype {X.dtype}; X files must hold 2-D "
            "numeric arrays (rows of features)."
        )
    _check_like_first(path, X, X if first is None else first, "X")
    return X


def _checked_targets(path: str, first: np.ndarray | None, n_rows: int, x_path: str):
    """The mapped targets of ``path``: one row per row of its X file, like ``first``."""
    y = _open(path)
    if y.ndim not in (1, 2) or len(y) != n_rows:
        raise ValueError(
            f"{path!r} holds a {y.ndim}-D array of {len(y) if y.ndim else 'no'} rows, but its "
            f"X file {x_path!r} has {n_rows} rows; each y file needs one row (or one value) "
            "per X row."
        )
    _check_like_first(path, y, y if first is None else first, "y")
    return y


class NpyReader(FileReader):
    """A data source over ``.npy`` files, read in bounded memory through memory maps.

    Made by :func:`read_npy`, whose parameters it takes.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn_stream.io import NpyReader
    >>> folder = tempfile.mkdtemp()
    >>> np.save(os.path.join(folder, "X.npy"), np.arange(10.0).reshape(5, 2))
    >>> reader = NpyReader(os.path.join(folder, "X.npy"), batch_size=2)
    >>> [batch["X"].shape for batch in reader.generate()]
    [(2, 2), (2, 2), (1, 2)]
    """

    def __init__(
        self,
        X: Any,
        y: Any = None,
        *,
        batch_size: int = 1024,
        shuffle: bool = False,
        buffer_size: int | None = None,
        random_state: Any = None,
    ) -> None:
        self._init_locals(locals())

    def _check(self, params: dict) -> tuple:
        """``(X files, y files or None, rows per file)``, after checking that every file
        can be mapped, that the files agree, and that each ``y`` file has one row per row
        of its ``X`` file."""
        self._check_reading(params)
        x_files = expand_paths(params["X"], "X", (".npy",))
        y_files = None if params["y"] is None else expand_paths(params["y"], "y", (".npy",))
        if y_files is not None and len(y_files) != len(x_files):
            raise ValueError(
                f"X names {len(x_files)} files and y {len(y_files)}; give one y file per X "
                "file, in the same order."
            )
        first = _checked_features(x_files[0], None)  # mapped once, compared with each file
        lengths = [len(first)] + [len(_checked_features(p, first)) for p in x_files[1:]]
        first_y = None
        for path, n, x_path in zip(y_files or (), lengths, x_files):
            y = _checked_targets(path, first_y, n, x_path)
            first_y = y if first_y is None else first_y
        return x_files, y_files, lengths

    def _blocks(self, state: tuple) -> list:
        """Blocks of ``batch_size`` consecutive rows of the whole set of files (the last
        one shorter): each block is a list of ``(file, start, stop)`` pieces, more than one
        where it spans files, so that every block makes one whole batch."""
        _, _, lengths = state
        size = int(self.batch_size)
        blocks, pieces, room = [], [], size
        for i, n in enumerate(lengths):
            start = 0
            while start < n:
                stop = min(n, start + room)
                pieces.append((i, start, stop))
                room -= stop - start
                start = stop
                if room == 0:
                    blocks.append(pieces)
                    pieces, room = [], size
        if pieces:
            blocks.append(pieces)
        return blocks

    def _read(self, state: tuple, block: list, opened: dict) -> dict:
        x_files, y_files, _ = state
        batch = {"X": _joined([_rows(x_files[i], a, b, opened) for i, a, b in block])}
        if y_files is not None:
            batch["y"] = _joined([_rows(y_files[i], a, b, opened) for i, a, b in block])
        return batch


def _joined(parts: list) -> np.ndarray:
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _rows(path: str, start: int, stop: int, opened: dict) -> np.ndarray:
    """A copy of rows ``start:stop`` of ``path``, mapped once per epoch (in ``opened``).

    Raises
    ------
    ValueError
        If the file lost rows since the epoch started.
    """
    if path not in opened:
        opened[path] = _open(path)
    rows = np.array(opened[path][start:stop])  # a copy: the map may be let go
    if len(rows) != stop - start:
        raise ValueError(
            f"{path!r} has only {start + len(rows)} rows now, fewer than when the epoch "
            f"started (rows {start}:{stop} were due): a file changed while it was read."
        )
    return rows


def read_npy(X: Any, y: Any = None, **params: Any) -> NpyReader:
    """Read the rows of ``.npy`` files in batches, through memory maps.

    The files are mapped, not loaded: only the rows of the batch being made are read, so the
    data may be much larger than memory. The reader is a data source: each
    ``generate()`` reads every row once (an epoch), and it can be cloned, pickled, tuned
    (``stream__batch_size``) and run in ``zmq_stream`` workers, which share the rows
    between them.

    Parameters
    ----------
    X : path, list of paths or directory
        ``.npy`` files of features, one row per sample (a directory: its ``.npy`` files,
        sorted by name).
    y : path, list of paths, directory or None, default=None
        The targets: one file per ``X`` file, in the same order, with one row per row of
        it. None: batches without ``"y"``.
    batch_size : int >= 1, default=1024
        Rows per batch; only an epoch's last batch may have fewer.
    shuffle : bool, default=False
        Read the blocks of ``batch_size`` rows in an order drawn afresh each epoch and
        mix their rows in a window of ``buffer_size`` rows
        (:func:`~sklearn_stream.shuffle_buffer`). Each row still comes once per epoch.
    %(shuffle_params)s

    Returns
    -------
    NpyReader
        A data source of ``{"X": ..., "y": ...}`` batches of numpy arrays.

    Raises
    ------
    FileNotFoundError
        If a path does not exist or a directory holds no ``.npy`` file.
    TypeError, ValueError
        If a parameter is invalid; a file is not a ``.npy`` file of a plain array (an
        object array, an archive); an ``X`` file is not a 2-D numeric array; files differ
        in columns or dtype from the first; the numbers of ``X`` and ``y`` files differ;
        or a ``y`` file's length differs from its ``X`` file's. The message names the file.

    See Also
    --------
    sklearn_stream.shuffle_buffer : the shuffle window, for any stream.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn_stream.io import read_npy
    >>> folder = tempfile.mkdtemp()
    >>> for part in range(3):
    ...     rows = np.arange(4 * part, 4 * part + 4)
    ...     np.save(os.path.join(folder, f"X{part}.npy"), np.c_[rows, -rows])
    ...     np.save(os.path.join(folder, f"y{part}.npy"), rows % 2)
    >>> files = sorted(os.path.join(folder, name) for name in os.listdir(folder))
    >>> reader = read_npy(files[:3], files[3:], batch_size=5)
    >>> [batch["X"][:, 0].tolist() for batch in reader.generate()]
    [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11]]
    >>> shuffled = reader.set_params(shuffle=True, random_state=0)
    >>> sorted(np.concatenate([b["X"][:, 0] for b in shuffled.generate()]).tolist())
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    """
    return NpyReader(X, y, **params)


reader_function(read_npy, NpyReader)
