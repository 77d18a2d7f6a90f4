"""``read_csv``: rows of CSV files, parsed a chunk of rows at a time (pandas' C parser).

A block is a whole file: a CSV file cannot be entered in the middle, so each file is read
from its header to its end, ``_CHUNK_ROWS`` rows (or more) at a time, and shuffling draws
the order of the files each epoch and mixes their rows in the shuffle window; ``zmq_stream``
workers share the files.

When the reader is checked, the header and the first ``_SAMPLE_ROWS`` rows of every file
are parsed (once: the summary is kept until a file or an option changes); they fix which
columns are numeric and the target's dtype. A later chunk that contradicts them (text in a
numeric feature, a missing value in an integer target) is refused while reading, naming
the file and the column.
"""

import inspect
import math
import os
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from .._checks import check_bool, close_if_closable
from ._reader import SHUFFLE_PARAMS_DOC, FileReader, column_names, expand_paths

__all__ = ["CsvReader", "read_csv"]

_INSTALL = (
    "reading CSV files needs pandas (its C parser reads them a chunk at a time): "
    "python -m pip install pandas (or, in the repository, python -m pip install -e '.[csv]')"
)

# Rows of each file parsed when the reader is checked: they fix the columns' kinds.
_SAMPLE_ROWS = 1000
# Rows parsed at once, at least; the chunks are a multiple of batch_size.
_CHUNK_ROWS = 4096

# The options of pandas.read_csv that ``options`` may hold: how the text is written, and
# dtypes. The others are the reader's own business (usecols, chunksize, header, nrows, ...).
_OPTIONS = frozenset(
    {
        "sep",
        "delimiter",
        "quotechar",
        "quoting",
        "doublequote",
        "escapechar",
        "comment",
        "decimal",
        "thousands",
        "lineterminator",
        "skipinitialspace",
        "skip_blank_lines",
        "skiprows",
        "na_values",
        "keep_default_na",
        "na_filter",
        "true_values",
        "false_values",
        "encoding",
        "encoding_errors",
        "compression",
        "dtype",
    }
)

# What a read of a CSV file raises for a file it cannot parse (pandas' errors are
# ValueErrors: ParserError, EmptyDataError).
_READ_ERRORS = (ValueError, UnicodeError, OSError, EOFError)


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(_INSTALL) from None
    return pd


class _Sample(NamedTuple):
    """What the first rows of a file show: its columns, the dtype of those that hold
    numbers, and the rows it has (less than ``_SAMPLE_ROWS``: the file's number of rows)."""

    columns: list
    numeric: dict
    rows: int


class _Layout(NamedTuple):
    """The checked state of a reader: what its epochs read, and how."""

    files: list
    features: list
    target: list | None
    numeric: list  # the feature columns read as float64
    y_dtype: Any  # the target's numpy dtype, object for text
    read_dtypes: dict  # dtypes given to pandas: str for text columns
    chunk: int  # rows parsed at once: a multiple of batch_size
    batch_size: int
    options: dict
    as_frame: bool


def _checked_options(options: Any) -> dict:
    """``options`` as a dict of pandas.read_csv options, refusing any other."""
    if options is None:
        return {}
    if not isinstance(options, Mapping) or not all(isinstance(k, str) for k in options):
        raise TypeError(
            f"options must be None or a dict of pandas.read_csv options; got {options!r}."
        )
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise ValueError(
            f"read_csv does not take the option(s) {unknown}; options may hold "
            f"{sorted(_OPTIONS)} (columns and batch_size stand for usecols and chunksize)."
        )
    if not isinstance(options.get("dtype", {}), Mapping):
        raise TypeError(
            f"options['dtype'] must be a dict of column names and dtypes; got "
            f"{options['dtype']!r}."
        )
    return dict(options)


def _as_floats(values: Any) -> np.ndarray | None:
    """``values`` (a Series or a DataFrame) as float64 numbers, or None if some are not."""
    try:
        return values.to_numpy(np.float64)
    except (ValueError, TypeError):
        return None


def _sample(path: str, options: dict) -> _Sample:
    """The header and first rows of ``path``; a file pandas cannot parse is named."""
    pd = _pandas()
    try:
        frame = pd.read_csv(path, nrows=_SAMPLE_ROWS, low_memory=False, **options)
    except _READ_ERRORS as error:
        raise ValueError(f"{path!r} cannot be read as a CSV file: {error}") from None
    numeric = {}
    for name in frame.columns:
        values = frame[name]
        if values.dtype.kind in "biuf":
            numeric[name] = values.dtype
        elif _as_floats(values) is not None:  # empty, or booleans with missing values
            numeric[name] = np.dtype(np.float64)
    return _Sample(list(frame.columns), numeric, len(frame))


def _check_headers(samples: list, files: list, wanted: list, all_columns: bool) -> None:
    """Raise unless every file has the ``wanted`` columns and, when the features are all
    the columns, no column the first file lacks."""
    first = samples[0].columns
    for sample, path in zip(samples, files):
        missing = [name for name in wanted if name not in sample.columns]
        if missing:
            raise ValueError(
                f"{path!r} has no column {missing}; its columns are {sample.columns}."
            )
        extra = [name for name in sample.columns if name not in first]
        if all_columns and extra:
            raise ValueError(
                f"{path!r} has the column {extra[0]!r}, which the first file {files[0]!r} "
                "lacks; every file must have the same columns (or give columns=[...])."
            )


def _numeric_features(samples: list, files: list, features: list, as_frame: bool) -> list:
    """The features that hold numbers in every file's first rows; with arrays, a feature
    that does not is refused, naming the file and the column."""
    numeric = []
    for name in features:
        text_in = [path for sample, path in zip(samples, files) if name not in sample.numeric]
        if not text_in:
            numeric.append(name)
        elif not as_frame:
            raise ValueError(
                f"feature column {name!r} of {text_in[0]!r} holds text, not numbers; leave "
                "it out with columns=[...], or read DataFrames with as_frame=True and "
                "encode it in a pipeline."
            )
    return numeric


def _target_dtype(samples: list, target: list | None) -> Any:
    """One dtype for the target over every file: numbers keep their kind (ints stay
    ints, bools bools), anything else is text (object)."""
    if target is None:
        return None
    read = [sample for sample in samples if sample.rows] or samples  # a header-only file
    kinds = [sample.numeric.get(name) for sample in read for name in target]
    if any(kind is None for kind in kinds):
        return np.dtype(object)
    return np.result_type(*kinds)


class CsvReader(FileReader):
    """A data source over CSV files, read a chunk of rows at a time.

    Made by :func:`read_csv`, whose parameters it takes.
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
        options: dict | None = None,
    ) -> None:
        self._init_locals(locals())

    def _check(self, params: dict) -> _Layout:
        """The files, columns and dtypes to read, after checking every file's header and
        first rows against the parameters."""
        self._check_reading(params)
        as_frame = check_bool("as_frame", params["as_frame"])
        options = _checked_options(params["options"])
        files = expand_paths(params["paths"], "paths", (".csv",))
        target = column_names(params["target"], "target")
        columns = column_names(params["columns"], "columns")
        samples = self._samples(files, options)  # with the dtypes options gives
        features = columns
        if features is None:
            features = [n for n in samples[0].columns if n not in (target or [])]
        both = sorted(set(features) & set(target or []))
        if both:
            raise ValueError(f"{both} is both a feature column and the target; pick one.")
        if not features:
            raise ValueError(f"{files[0]!r} has no feature column besides the target.")
        _check_headers(samples, files, features + (target or []), columns is None)
        numeric = _numeric_features(samples, files, features, as_frame)
        y_dtype = _target_dtype(samples, target)
        text = [n for n in features if n not in numeric]
        text += [n for n in target or [] if any(n not in s.numeric for s in samples)]
        size = int(params["batch_size"])
        chunk = size * math.ceil(_CHUNK_ROWS / size)
        read_dtypes = {**dict.fromkeys(text, str), **options.pop("dtype", {})}
        return _Layout(
            files, features, target, numeric, y_dtype, read_dtypes, chunk, size, options, as_frame
        )

    def _samples(self, files: list, options: dict) -> list:
        """The :class:`_Sample` of each file, parsed again only when a file or an option
        changed since the last check (a reader is checked at every epoch)."""
        stats = [os.stat(path) for path in files]
        key = (files, [(s.st_size, s.st_mtime_ns) for s in stats], sorted(options.items()))
        cached = self.__dict__.get("_sampled")
        if cached is not None and cached[0] == key:
            return cached[1]
        samples = [_sample(path, options) for path in files]
        self._sampled = (key, samples)
        return samples

    def _blocks(self, state: _Layout) -> list:
        return list(range(len(state.files)))  # a block is a file

    def _read(self, state: _Layout, block: int, opened: dict) -> Any:
        """Open file ``block`` for pandas' chunked parser (closing the file open before)."""
        for previous in opened.values():
            close_if_closable(previous)
        opened.clear()
        path = state.files[block]
        try:  # every column is parsed: with usecols, pandas drops the fields of long rows
            opened[block] = _pandas().read_csv(
                path,
                dtype=state.read_dtypes or None,  # an empty dict slows pandas down by ~10%
                iterator=True,
                low_memory=False,  # (faster: a chunk is parsed at once, its size bounded)
                **state.options,
            )
        except _READ_ERRORS as error:
            raise ValueError(f"{path!r} cannot be read as a CSV file now: {error}") from None
        return opened[block]

    def _batches(self, state: _Layout, blocks: list, opened: dict) -> Iterator:
        """The batches of the files, one per chunk. Each file's first chunk is cut to fill
        the stream's batch the files before left open, so that the other chunks make whole
        batches: ``buffer_batch`` passes them on without a copy."""
        held = 0  # rows given of the stream's batch being filled
        for block in blocks:
            chunks, path = self._read(state, block, opened), state.files[block]
            size = state.chunk - held
            while (batch := _next_batch(state, path, chunks, size)) is not None:
                held = (held + len(batch["X"])) % state.batch_size
                yield batch
                size = state.chunk


def _next_batch(layout: _Layout, path: str, chunks: Any, size: int) -> dict | None:
    """The batch of the next ``size`` rows of ``path`` (fewer at its end); None after."""
    try:
        chunk = chunks.get_chunk(size)
    except StopIteration:
        return None
    except _READ_ERRORS as error:  # a row with other fields, a file that broke
        raise ValueError(f"{path!r} cannot be read as a CSV file: {error}") from None
    if not len(chunk):  # a file of a header only gives one empty chunk
        return None
    return _batch(layout, path, chunk)


def _batch(layout: _Layout, path: str, chunk: Any) -> dict:
    """The batch of one chunk (a DataFrame) of ``path``."""
    batch = {"X": _features(layout, path, chunk)}
    if layout.target is not None:
        batch["y"] = _target(layout, path, chunk)
    return batch


def _features(layout: _Layout, path: str, chunk: Any) -> Any:
    """The features of a chunk: numeric ones as float64, in an array or a DataFrame."""
    frame = chunk[layout.features]
    try:
        if layout.as_frame:
            return frame.astype(dict.fromkeys(layout.numeric, np.float64))
        return frame.to_numpy(np.float64)
    except (ValueError, TypeError):
        _raise_text(chunk, layout.numeric, path)
        raise


def _raise_text(chunk: Any, names: list, path: str) -> None:
    """Raise, naming the first of the ``names`` columns of ``chunk`` that holds text."""
    pd = _pandas()
    for name in names:
        values = chunk[name]
        if _as_floats(values) is None:
            text = pd.to_numeric(values, errors="coerce").isna() & values.notna()
            raise ValueError(
                f"feature column {name!r} of {path!r} holds the text "
                f"{values[text].iloc[0]!r} in a row after the first ones, which held "
                "numbers; a numeric column must hold numbers (or missing values) in every row."
            )


def _target(layout: _Layout, path: str, chunk: Any) -> Any:
    """The target values of a chunk in the target's dtype: an array, or with ``as_frame``
    a Series (a DataFrame for several target columns)."""
    target = layout.target
    values = chunk[target[0]] if len(target) == 1 else chunk[target]
    y = values.to_numpy()
    if y.dtype != layout.y_dtype:
        if not np.can_cast(y.dtype, layout.y_dtype, casting="same_kind"):
            raise ValueError(
                f"the target {target if len(target) > 1 else target[0]!r} of {path!r} holds "
                f"{y.dtype} values in a chunk after the first rows, which held "
                f"{layout.y_dtype} values (an integer column with a missing value?); give "
                "the target one kind of values in every row, or its dtype with options="
                "{'dtype': {column: dtype}}."
            )
        y = y.astype(layout.y_dtype)
        values = values.astype(layout.y_dtype)
    return values if layout.as_frame else y


def read_csv(paths: Any, **params: Any) -> CsvReader:
    """Read the rows of CSV files in batches, a chunk of rows at a time.

    Only a chunk of each file is parsed at a time (the larger of 4,096 rows and
    ``batch_size``, rounded to a multiple of it), so the data may be much larger than
    memory; ``.csv.gz`` and other compressed files are read as they stream. The first row
    of each file names its columns. Numeric features are float64, with missing values
    (an empty field, ``NA``, ``NaN``, ...) as NaN, in arrays and DataFrames alike; the
    target keeps its kind of values: integers, bools, floats, or text (a classifier's
    labels).

    The reader is a data source: each ``generate()`` reads every row once (an epoch), and
    it can be cloned, pickled, tuned (``stream__batch_size``) and run in ``zmq_stream``
    workers, which share the files between them. Needs pandas (whose C parser is the
    fastest chunked CSV reader on the benchmark's data).

    Parameters
    ----------
    paths : path, list of paths or directory
        CSV files (a directory: its ``.csv`` files, sorted by name; name other files, such
        as ``.csv.gz`` or ``.tsv`` ones, one by one).
    columns : str, list of str or None, default=None
        The feature columns; None: every column but the target (every file must then have
        the same columns).
    target : str, list of str or None, default=None
        The target column (a list: several outputs); None: batches without ``"y"``.
    batch_size : int >= 1, default=1024
        Rows per batch; only an epoch's last batch may have fewer (through ``zmq_stream``,
        each worker's last).
    as_frame : bool, default=False
        False: ``"X"`` is a 2-D float64 array (the feature columns must hold numbers) and
        ``"y"`` a 1-D array. True: a pandas DataFrame and a Series, so that a learner sets
        ``feature_names_in_`` and a ``ColumnTransformer`` can select columns by name (text
        columns are then read as text).
    shuffle : bool, default=False
        Read the files in an order drawn afresh each epoch and mix their rows in a window
        of ``buffer_size`` rows (:func:`~sklearn_stream.shuffle_buffer`). Each row still
        comes once per epoch.
    %(shuffle_params)s
    options : dict or None, default=None
        How the files are written, as options of ``pandas.read_csv``: ``sep`` (or
        ``delimiter``), ``quotechar``, ``quoting``, ``doublequote``, ``escapechar``,
        ``comment``, ``decimal``, ``thousands``, ``lineterminator``, ``skipinitialspace``,
        ``skip_blank_lines``, ``skiprows``, ``na_values``, ``keep_default_na``,
        ``na_filter``, ``true_values``, ``false_values``, ``encoding``,
        ``encoding_errors``, ``compression``, and ``dtype`` (a dict of columns and their
        dtypes, e.g. to read as floats a target whose first rows look like integers). E.g.
        ``{"sep": ";", "decimal": ","}``.

    Returns
    -------
    CsvReader
        A data source of ``{"X": ..., "y": ...}`` batches.

    Raises
    ------
    ImportError
        If pandas is not installed (the message says how to install it).
    FileNotFoundError
        If a path does not exist or a directory holds no ``.csv`` file.
    TypeError, ValueError
        If a parameter or an option is invalid (an unknown option is named); a file cannot
        be parsed; a column is missing (the message lists the file's columns); a file has
        a column the first file lacks, when the features are all the columns; the target
        is also a feature; or, with ``as_frame=False``, a feature column holds text in a
        file's first rows. The message names the file and the column. Each file's first
        1,000 rows are checked when the reader is made; text in a numeric column further
        on raises a ``ValueError`` naming the file and the column while reading.

    See Also
    --------
    sklearn_stream.io.read_parquet : the same for Parquet files, which read faster.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn_stream.io import read_csv
    >>> folder = tempfile.mkdtemp()
    >>> for part in range(2):
    ...     with open(os.path.join(folder, f"part{part}.csv"), "w") as file:
    ...         _ = file.write("a,b,label\\n")
    ...         for row in range(6 * part, 6 * part + 6):
    ...             _ = file.write(f"{row},{-row},{'odd' if row % 2 else 'even'}\\n")
    >>> reader = read_csv(folder, target="label", batch_size=5)
    >>> [batch["X"][:, 0].tolist() for batch in reader.generate()]
    [[0.0, 1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0, 9.0], [10.0, 11.0]]
    >>> next(iter(reader.generate()))["y"].tolist()
    ['even', 'odd', 'even', 'odd', 'even']
    >>> batch = next(iter(reader.set_params(as_frame=True).generate()))
    >>> list(batch["X"].columns), batch["y"].name
    (['a', 'b'], 'label')
    """
    return CsvReader(paths, **params)


read_csv.__signature__ = inspect.signature(CsvReader).replace(return_annotation=CsvReader)
read_csv.__doc__ = read_csv.__doc__.replace("%(shuffle_params)s", SHUFFLE_PARAMS_DOC)
read_csv.makes_reader = True  # zmq_stream shards the reader a Streamer of it makes
