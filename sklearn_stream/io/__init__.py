"""Data sources that read files in bounded memory.

:func:`read_npy` reads ``.npy`` files through memory maps, :func:`read_parquet` Parquet
files one row group at a time (with pyarrow, the ``parquet`` extra). Like
:class:`~sklearn_stream.Streamer`, every reader starts a fresh epoch at each ``generate()``,
can be cloned, pickled and tuned, and, in ``zmq_stream`` workers, shares its rows between
the workers so that each row is read once per epoch.
"""

from ._npy import NpyReader, read_npy
from ._parquet import ParquetReader, read_parquet

__all__ = ["NpyReader", "ParquetReader", "read_npy", "read_parquet"]
