"""``read_npy``: rows of ``.npy`` files, read through memory maps."""

import inspect
from typing import Any

import numpy as np

from ._reader import FileReader, expand_paths

__all__ = ["NpyReader", "read_npy"]


def _open(path: str) -> np.ndarray:
    """The array stored in ``path``, memory-mapped (read-only): nothing is read yet."""
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as error:  # an object array, which cannot be mapped
        raise ValueError(f"{path!r} cannot be read as a numeric .npy file: {error}") from None


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
        self._init_params(
            X=X,
            y=y,
            batch_size=batch_size,
            shuffle=shuffle,
            buffer_size=buffer_size,
            random_state=random_state,
        )

    def _check(self, params: dict) -> tuple:
        """``(X files, y files or None, rows per file)``, after checking that every file
        can be mapped and that each ``y`` file has one row per row of its ``X`` file."""
        self._check_reading(params)
        x_files = expand_paths(params["X"], "X", (".npy",))
        y_files = None if params["y"] is None else expand_paths(params["y"], "y", (".npy",))
        if y_files is not None and len(y_files) != len(x_files):
            raise ValueError(
                f"X names {len(x_files)} files and y {len(y_files)}; give one y file per X "
                "file, in the same order."
            )
        lengths = []
        for i, path in enumerate(x_files):
            X = _open(path)
            if X.ndim == 0:
                raise ValueError(f"{path!r} holds a scalar, not rows of features.")
            if y_files is not None:
                y = _open(y_files[i])
                if y.ndim == 0 or len(y) != len(X):
                    raise ValueError(
                        f"{y_files[i]!r} has {len(y) if y.ndim else 'no'} rows, but its X file "
                        f"{path!r} has {len(X)}; each y file needs one row per X row."
                    )
            lengths.append(len(X))
        return x_files, y_files, lengths

    def _blocks(self, state: tuple) -> list:
        _, _, lengths = state
        size = int(self.batch_size)
        return [
            (i, start, min(start + size, n))
            for i, n in enumerate(lengths)
            for start in range(0, n, size)
        ]

    def _read(self, state: tuple, block: tuple) -> dict:
        x_files, y_files, _ = state
        i, start, stop = block
        batch = {"X": np.array(_open(x_files[i])[start:stop])}  # a copy: the map is let go
        if y_files is not None:
            batch["y"] = np.array(_open(y_files[i])[start:stop])
        return batch


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
    buffer_size : int >= 1 or None, default=None
        The shuffle window, in rows; None: ``16 * batch_size``.
    random_state : None, int, RandomState or Generator, default=None
        The shuffle's randomness; an int gives reproducible epochs that differ from each
        other.

    Returns
    -------
    NpyReader
        A data source of ``{"X": ..., "y": ...}`` batches of numpy arrays.

    Raises
    ------
    FileNotFoundError
        If a path does not exist or a directory holds no ``.npy`` file.
    TypeError, ValueError
        If a parameter is invalid, a file cannot be memory-mapped (an object array), the
        numbers of ``X`` and ``y`` files differ, or a ``y`` file's length differs from its
        ``X`` file's (the message names the files).

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


read_npy.__signature__ = inspect.signature(NpyReader).replace(return_annotation=NpyReader)
