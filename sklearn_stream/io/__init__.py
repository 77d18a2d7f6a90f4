"""Data sources that read files, and dask collections, in bounded memory.

:func:`read_npy` reads ``.npy`` files through memory maps, :func:`read_parquet` Parquet
files one row group at a time (pyarrow, the ``parquet`` extra), :func:`read_csv` CSV files
a chunk of rows at a time (pandas, the ``csv`` extra), :func:`read_hdf5` and
:func:`read_zarr` named arrays of HDF5 files and zarr stores in whole chunks (the ``hdf5``
and ``zarr`` extras), and :func:`from_dask` a dask array or DataFrame one block at a time
(the ``dask`` extra). Like :class:`~sklearn_stream.Streamer`, every reader starts a fresh
epoch at each ``generate()``, can be cloned, pickled and tuned, and, in ``zmq_stream``
workers, shares its rows between the workers so that each row is read once per epoch.
"""

from ._csv import CsvReader, read_csv
from ._dask import DaskReader, from_dask
from ._hdf5 import Hdf5Reader, read_hdf5
from ._npy import NpyReader, read_npy
from ._parquet import ParquetReader, read_parquet
from ._zarr import ZarrReader, read_zarr

__all__ = [
    "CsvReader",
    "DaskReader",
    "Hdf5Reader",
    "NpyReader",
    "ParquetReader",
    "ZarrReader",
    "from_dask",
    "read_csv",
    "read_hdf5",
    "read_npy",
    "read_parquet",
    "read_zarr",
]
