"""``read_parquet``: rows of Parquet files, read one row group at a time (pyarrow)."""

from typing import Any

import numpy as np

from ._reader import FileReader, column_names, expand_paths, reader_function

__all__ = ["ParquetReader", "read_parquet"]

_INSTALL = (
    "reading Parquet files needs pyarrow: python -m pip install pyarrow (or, in the "
    "repository, python -m pip install -e '.[parquet]')"
)


def _parquet() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(_INSTALL) from None
    return pq


class ParquetReader(FileReader):
    """A data source over Parquet files, read one row group at a time.

    Made by :func:`read_parquet`, whose parameters it takes.
    """

    def __init__(
        self,
        paths: Any,
        *,
        columns: Any = None,
        target: Any = None,
        batch_size: int = 1024,
        as_frame: bool = False,
        shuffle: bool = False,
        buffer_size: int | None = None,
        random_state: Any = None,
    ) -> None:
        self._init_locals(locals())

    def _check(self, params: dict) -> tuple:
        """``(files, feature columns, target columns or None, row groups)`` after checking
        that every file has the columns, with the first file's kinds of values."""
        self._check_reading(params)
        if not isinstance(params["as_frame"], (bool, np.bool_)):
            raise TypeError(f"as_frame must be a bool; got {params['as_frame']!r}.")
        pq = _parquet()
        files = expand_paths(params["paths"], "paths", (".parquet", ".pq"))
        target = column_names(params["target"], "target")
        footers = [_footer(pq, path) for path in files]  # one read of each file's footer
        schema, index_columns = footers[0][0], footers[0][2]
        features = column_names(params["columns"], "columns")
        if features is None:  # a stored pandas index is no feature
            features = [n for n in schema if n not in (target or []) and n not in index_columns]
        _check_columns(schema, features, target, files[0], params["as_frame"])
        wanted = features + (target or [])
        groups = []
        for index, (path, (other, sizes, _, _)) in enumerate(zip(files, footers)):
            if index:
                _check_same_types(other, schema, wanted, path)
            groups.extend((index, group) for group, rows in enumerate(sizes) if rows)
        dtype = _float_of([footer[0] for footer in footers], features)
        metadata = [footer[3] for footer in footers]  # reopening a file skips its footer
        numeric = [n for n in features if _type_family(schema[n]) == "number"]
        return files, features, target, groups, dtype, metadata, numeric

    def _blocks(self, state: tuple) -> list:
        return state[3]

    def _read(self, state: tuple, block: tuple, opened: dict) -> dict:
        files, features, target, _, float_type, metadata, numeric = state
        index, group = block
        if index not in opened:  # one file open at a time: a reader holds its buffers
            for handle in opened.values():
                handle.close()
            opened.clear()
            opened[index] = _open(files[index], metadata[index])
        try:
            table = opened[index].read_row_group(group, columns=features + (target or []))
        except Exception as error:  # a file that changed or broke since the epoch started
            raise ValueError(
                f"{files[index]!r} cannot be read as a Parquet file now: {error}"
            ) from None
        # Numeric features take the stream's float dtype, in arrays and frames alike: one
        # dtype for every batch, missing values as NaN (not None in object columns).
        table = _cast_columns(table, numeric, float_type)
        if self.as_frame:
            frame = table.to_pandas(ignore_metadata=True)  # the columns as stored
            batch = {"X": frame[features]}
            if target is not None:
                batch["y"] = frame[target[0]] if len(target) == 1 else frame[target]
            return batch
        batch = {"X": _matrix(table, features)}
        if target is not None:
            y = _matrix(table, target)
            batch["y"] = y[:, 0] if len(target) == 1 else y
        return batch


def _footer(pq: Any, path: str) -> tuple[dict, list, list, Any]:
    """``({column: arrow type}, rows of each row group, stored pandas index columns, the
    footer's metadata)`` of a Parquet file, from its footer only."""
    try:
        with pq.ParquetFile(path) as handle:
            schema, metadata = handle.schema_arrow, handle.metadata
    except Exception as error:  # pyarrow raises ArrowInvalid, OSError, ...
        raise ValueError(f"{path!r} cannot be read as a Parquet file: {error}") from None
    names = schema.names
    if len(set(names)) != len(names):
        raise ValueError(f"{path!r} has several columns of the same name: {names}.")
    pandas = schema.pandas_metadata or {}
    index_columns = [c for c in pandas.get("index_columns", []) if isinstance(c, str)]
    sizes = [metadata.row_group(group).num_rows for group in range(metadata.num_row_groups)]
    return dict(zip(names, schema.types)), sizes, index_columns, metadata


def _check_columns(schema: dict, features: list, target: Any, path: str, as_frame: bool):
    """Raise unless the feature and target columns exist, differ and, for arrays, are
    numeric."""
    import pyarrow as pa

    wanted = features + (target or [])
    missing = [name for name in wanted if name not in schema]
    if missing:
        raise ValueError(f"{path!r} has no column {missing}; its columns are {list(schema)}.")
    both = sorted(set(features) & set(target or []))
    if both:
        raise ValueError(f"{both} is both a feature column and the target; pick one.")
    if not features:
        raise ValueError(f"{path!r} has no feature column besides the target.")
    if not as_frame:
        for name in features:
            kind = schema[name]
            if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)
                    or pa.types.is_boolean(kind)):  # fmt: skip
                raise ValueError(
                    f"feature column {name!r} of {path!r} is of type {kind}, not numeric; "
                    "leave it out with columns=[...], or read DataFrames with "
                    "as_frame=True and encode it in a pipeline."
                )


def _type_family(kind: Any) -> str:
    """What a column's values are, whatever their width: numbers (cast to one float dtype
    for arrays), text (string or large_string), or the exact type for anything else."""
    import pyarrow as pa

    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
        return "number"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "text"
    return str(kind)


def _check_same_types(schema: dict, first: dict, wanted: list, path: str) -> None:
    """Raise unless the file has the ``wanted`` columns with values of the first file's
    kind (int32 and int64, or string and large_string, may differ between files)."""
    for name in wanted:
        if name not in schema:
            raise ValueError(f"{path!r} has no column {name!r}, which the first file has.")
        if _type_family(schema[name]) != _type_family(first[name]):
            raise ValueError(
                f"column {name!r} of {path!r} is of type {schema[name]}, but of type "
                f"{first[name]} in the first file; every file must hold the same kind of "
                "values in a column."
            )


def _float_of(schemas: list, features: list) -> Any:
    """The dtype of numeric features over every file: float32 when every feature is
    float32 in every file, else float64 (one dtype for the whole stream, NaN for missing
    values)."""
    import pyarrow as pa

    single = all(schema[n] == pa.float32() for schema in schemas for n in features)
    return np.float32 if single else np.float64


def _open(path: str, metadata: Any) -> Any:
    """Open ``path`` with the footer already read; a file that broke since is named."""
    try:
        return _parquet().ParquetFile(path, metadata=metadata)
    except Exception as error:  # pyarrow raises ArrowInvalid, OSError, ...
        raise ValueError(f"{path!r} cannot be read as a Parquet file now: {error}") from None


def _arrow_float(dtype: Any) -> Any:
    import pyarrow as pa

    return pa.float32() if dtype is np.float32 else pa.float64()


def _cast_columns(table: Any, names: list, dtype: Any) -> Any:
    """``table`` with the columns ``names`` cast to ``dtype`` (large ints are rounded)."""
    kind = _arrow_float(dtype)
    for name in names:
        position = table.schema.get_field_index(name)
        table = table.set_column(position, name, table.column(name).cast(kind, safe=False))
    return table


# Rows of a row group put side by side at a time: a block of them fits in the CPU's cache.
_STACK_ROWS = 4096


def _matrix(table: Any, names: list) -> np.ndarray:
    """The columns ``names`` of an arrow table as a 2-D numpy array (one copy), filled a
    block of rows at a time: 3.4 times faster than ``np.column_stack`` of whole columns of
    a 65,536-row group, whose writes across rows miss the cache."""
    columns = [table.column(name).to_numpy(zero_copy_only=False) for name in names]
    if len(columns) == 1:
        return columns[0][:, None].copy()
    out = np.empty((len(table), len(columns)), dtype=np.result_type(*columns))
    for start in range(0, len(out), _STACK_ROWS):
        block = [column[start : start + _STACK_ROWS] for column in columns]
        np.stack(block, axis=1, out=out[start : start + _STACK_ROWS])
    return out


def read_parquet(paths: Any, **params: Any) -> ParquetReader:
    """Read the rows of Parquet files in batches, one row group at a time.

    Only the row group being read is in memory (about three times its size, with its
    copies), so the data may be much larger than memory; a file written as one row group
    (pyarrow's and pandas' default below about a million rows) is read whole. A pandas
    index stored in the files is not a feature; columns keep the names they are stored
    under; numeric features are float32 when every feature is float32 in every file,
    float64 otherwise, with missing values as NaN, in arrays and DataFrames alike.

    The reader is a data source: each ``generate()`` reads every row once (an epoch), and
    it can be cloned, pickled, tuned (``stream__batch_size``) and run in ``zmq_stream``
    workers, which share the row groups between them. Needs pyarrow (the ``parquet``
    extra).

    Parameters
    ----------
    paths : path, list of paths or directory
        Parquet files (a directory: its ``.parquet`` and ``.pq`` files, sorted by name).
    columns : str, list of str or None, default=None
        The feature columns; None: every column but the target.
    target : str, list of str or None, default=None
        The target column (a list: several outputs); None: batches without ``"y"``.
    batch_size : int >= 1, default=1024
        Rows per batch; only an epoch's last batch may have fewer (through ``zmq_stream``,
        each worker's last).
    as_frame : bool, default=False
        False: ``"X"`` is a 2-D numpy array (the feature columns must be numeric) and
        ``"y"`` a 1-D one. True: a pandas DataFrame and a Series, so that a learner sets
        ``feature_names_in_`` and a ``ColumnTransformer`` can select columns by name.
    shuffle : bool, default=False
        Read the row groups in an order drawn afresh each epoch and mix their rows in a
        window of ``buffer_size`` rows (:func:`~sklearn_stream.shuffle_buffer`). Each row
        still comes once per epoch.
    %(shuffle_params)s

    Returns
    -------
    ParquetReader
        A data source of ``{"X": ..., "y": ...}`` batches.

    Raises
    ------
    ImportError
        If pyarrow is not installed (the message says how to install it).
    FileNotFoundError
        If a path does not exist or a directory holds no Parquet file.
    TypeError, ValueError
        If a parameter is invalid; a file is not a Parquet file; a column is missing (the
        message lists the file's columns); the target is also a feature; a column holds
        another kind of values than in the first file; or, with ``as_frame=False``, a
        feature column is not numeric. The message names the file and the column.

    See Also
    --------
    sklearn_stream.io.read_npy : the same for ``.npy`` files.

    Examples
    --------
    >>> import os, tempfile
    >>> import pyarrow as pa, pyarrow.parquet as pq
    >>> from sklearn_stream.io import read_parquet
    >>> folder = tempfile.mkdtemp()
    >>> for part in range(2):
    ...     rows = np.arange(6 * part, 6 * part + 6)
    ...     table = pa.table({"a": rows * 1.0, "b": -rows * 1.0, "label": rows % 2})
    ...     pq.write_table(table, os.path.join(folder, f"part{part}.parquet"), row_group_size=4)
    >>> reader = read_parquet(folder, target="label", batch_size=5)
    >>> [batch["X"][:, 0].tolist() for batch in reader.generate()]
    [[0.0, 1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0, 9.0], [10.0, 11.0]]
    >>> batch = next(iter(reader.set_params(as_frame=True).generate()))
    >>> list(batch["X"].columns), batch["y"].name
    (['a', 'b'], 'label')
    """
    return ParquetReader(paths, **params)


reader_function(read_parquet, ParquetReader)
