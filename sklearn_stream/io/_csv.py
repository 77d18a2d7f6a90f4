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

import math
import os
import re
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from .._checks import check_bool, close_if_closable
from ._reader import FileReader, column_names, expand_paths, reader_function

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
# ValueErrors: ParserError, EmptyDataError; its ParserWarnings are raised as errors too).
_READ_ERRORS = (ValueError, UnicodeError, OSError, EOFError)

# The options that say how the text is split into fields, for reading the header's names.
_RAW_DROPPED = ("dtype", "na_values", "keep_default_na", "na_filter", "true_values")
_RAW_DROPPED += ("false_values",)

# The kinds of dtypes options["dtype"] may declare: numbers, bools, and text (str, object).
_DECLARED_KINDS = "biufOU"
_TEXT_KINDS = "OU"

_DTYPE_ADVICE = (
    "give a numpy dtype: 'int64' (a missing value is then refused, naming the file), "
    "'float64' (a missing value is NaN), 'bool', or str for text"
)


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(_INSTALL) from None
    return pd


class _Sample(NamedTuple):
    """What the first rows of a file show: its columns, the dtype of those that hold
    numbers, the rows it has (less than ``_SAMPLE_ROWS``: the file's number of rows), and
    the positions of the header's fields that have no name."""

    columns: list
    numeric: dict
    rows: int
    unnamed: list


class _Layout(NamedTuple):
    """The checked state of a reader: what its epochs read, and how."""

    files: list
    headers: list  # each file's columns, to name the column of pandas' errors
    declared: list  # the columns options["dtype"] declares
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
    dtypes = options.get("dtype", {})
    if not isinstance(dtypes, Mapping) or not all(isinstance(k, str) for k in dtypes):
        raise TypeError(
            f"options['dtype'] must be a dict of column names and dtypes; got {dtypes!r}."
        )
    for name, dtype in dtypes.items():
        _declared_dtype(name, dtype)
    return dict(options)


def _declared_dtype(name: str, dtype: Any) -> np.dtype:
    """The numpy dtype ``options["dtype"]`` declares for column ``name``; pandas'
    extension dtypes (Int64, boolean, string, category) and other kinds are refused."""
    try:
        declared = np.dtype(dtype)
    except (TypeError, ValueError):
        raise TypeError(
            f"options['dtype'] gives the column {name!r} the dtype {dtype!r}, which read_csv "
            f"does not take (pandas' extension dtypes, such as 'Int64', 'boolean', 'string' "
            f"or 'category', are not taken); {_DTYPE_ADVICE}."
        ) from None
    if declared.kind not in _DECLARED_KINDS:
        raise TypeError(
            f"options['dtype'] gives the column {name!r} the dtype {dtype!r} ({declared}), "
            f"which read_csv does not take; {_DTYPE_ADVICE}."
        )
    return np.dtype(object) if declared.kind in _TEXT_KINDS else declared


def _declared(options: dict) -> dict:
    """The columns ``options["dtype"]`` declares, with their numpy dtypes (object: text)."""
    return {name: _declared_dtype(name, d) for name, d in options.get("dtype", {}).items()}


def _as_floats(values: Any) -> np.ndarray | None:
    """``values`` (a Series or a DataFrame) as float64 numbers, or None if some are not."""
    try:
        return values.to_numpy(np.float64)
    except (ValueError, TypeError):
        return None


def _read_error(error: Exception, path: str, columns: list, declared: list) -> str:
    """What pandas could not parse in ``path``: its error, naming the column if pandas
    gave its number, or the declared dtypes a value may not fit."""
    pd = _pandas()
    found = re.search(r"in column (\d+)", str(error))
    if found and int(found.group(1)) < len(columns):
        return f"{error} (the column {columns[int(found.group(1))]!r})"
    if declared and not isinstance(error, (pd.errors.ParserError, pd.errors.EmptyDataError)):
        return (
            f"{error} (does a value not fit the dtype options['dtype'] declares for {declared}?)"
        )
    return str(error)


def _parse(read: Any, path: str, columns: list, declared: Any = (), now: str = "") -> Any:
    """``read()`` (a pandas parse of ``path``), with its errors and ParserWarnings (a
    first row longer than the header, whose extra fields would be lost) raised as a
    ValueError naming the file."""
    pd = _pandas()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return read()
    except (*_READ_ERRORS, pd.errors.ParserWarning) as error:
        what = _read_error(error, path, columns, list(declared))
        raise ValueError(f"{path!r} cannot be read as a CSV file{now}: {what}") from None


def _raw_header(path: str, options: dict) -> list:
    """The fields of the header of ``path`` as written (pandas renames a repeated name
    and names an empty one "Unnamed: i"); a first row longer than the header is refused."""
    raw = {k: v for k, v in options.items() if k not in _RAW_DROPPED}
    frame = _parse(
        lambda: _pandas().read_csv(
            path, header=None, nrows=2, dtype=str, na_filter=False, index_col=False, **raw
        ),
        path,
        [],
    )
    header = [str(field) for field in frame.iloc[0]] if len(frame) else []
    twice = [name for name, count in Counter(header).items() if name and count > 1]
    if twice:
        raise ValueError(
            f"{path!r} names the column {twice[0]!r} more than once in its header; pandas "
            "would rename the copies and read them as other columns: give every column of "
            "the file its own name."
        )
    return header


def _sample(path: str, options: dict) -> _Sample:
    """The header and first rows of ``path``; a file pandas cannot parse is named."""
    header = _raw_header(path, options)
    frame = _parse(
        lambda: _pandas().read_csv(
            path, nrows=_SAMPLE_ROWS, low_memory=False, index_col=False, **options
        ),
        path,
        header,
        options.get("dtype", ()),
    )
    numeric = {}
    for name in frame.columns:
        values = frame[name]
        if values.dtype.kind in "biuf":
            numeric[name] = values.dtype
        elif _as_floats(values) is not None:  # empty, or booleans with missing values
            numeric[name] = np.dtype(np.float64)
    unnamed = [i for i, name in enumerate(header) if not name]
    return _Sample(list(frame.columns), numeric, len(frame), unnamed)


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


def _check_declared(declared: dict, samples: list, files: list) -> None:
    """Raise if ``options["dtype"]`` names a column that no file has."""
    for name in declared:
        if not any(name in sample.columns for sample in samples):
            others = " (nor has any other file)" if len(files) > 1 else ""
            raise ValueError(
                f"options['dtype'] names the column {name!r}, which {files[0]!r} lacks"
                f"{others}; its columns are {samples[0].columns}."
            )


def _check_unnamed(samples: list, files: list, features: list) -> None:
    """Raise if a header field with no name would be read as a feature (the features
    being all the columns)."""
    for sample, path in zip(samples, files):
        used = [i for i in sample.unnamed[: len(sample.columns)] if sample.columns[i] in features]
        if used:
            raise ValueError(
                f"field {used[0] + 1} of the header of {path!r} has no name (pandas would call "
                f"it {sample.columns[used[0]]!r}: an index written by DataFrame.to_csv()?), "
                "and would be read as a feature; name the features with columns=[...], or "
                "write the file with to_csv(index=False)."
            )


def _numeric_features(
    samples: list, files: list, features: list, as_frame: bool, declared: dict
) -> list:
    """The features that hold numbers in every file's first rows, or that ``options``
    declares numeric (a feature it declares text is text); with arrays, a text feature
    is refused, naming the file and the column."""
    numeric = []
    for name in features:
        if name in declared:
            _check_declared_feature(name, declared[name], as_frame)
            if declared[name].kind != "O":
                numeric.append(name)
            continue
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


def _check_declared_feature(name: str, dtype: np.dtype, as_frame: bool) -> None:
    """Raise if ``options`` declares feature ``name`` text while features are arrays."""
    if dtype.kind == "O" and not as_frame:
        raise ValueError(
            f"feature column {name!r} is declared text by options['dtype'], but with "
            "as_frame=False the features are an array of numbers; leave it out with "
            "columns=[...], read DataFrames with as_frame=True, or declare a numeric dtype."
        )


def _target_dtype(samples: list, target: list | None, declared: dict) -> Any:
    """One dtype for the target over every file: a dtype ``options`` declares; else
    numbers keep their kind (ints stay ints, bools bools), anything else is text
    (object)."""
    if target is None:
        return None
    read = [sample for sample in samples if sample.rows] or samples  # a header-only file
    kinds = [declared[n] if n in declared else s.numeric.get(n) for s in read for n in target]
    if any(kind is None or kind.kind == "O" for kind in kinds):
        return np.dtype(object)
    dtype = np.result_type(*kinds)
    if dtype.kind == "f" and all(kind.kind in "iu" for kind in kinds):  # int64 and uint64
        name = target if len(target) > 1 else target[0]
        raise ValueError(
            f"the target {name!r} holds integers above 2**63-1 in some files' first rows "
            "(uint64) and others that may be negative (int64), which no integer dtype "
            "holds together; declare its dtype with options={'dtype': {column: 'uint64'}} "
            "(no value negative), or str to read the values as text."
        )
    return dtype


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
        declared = _declared(options)
        _check_declared(declared, samples, files)
        features = columns
        if features is None:
            features = [n for n in samples[0].columns if n not in (target or [])]
        both = sorted(set(features) & set(target or []))
        if both:
            raise ValueError(f"{both} is both a feature column and the target; pick one.")
        if not features:
            raise ValueError(f"{files[0]!r} has no feature column besides the target.")
        _check_headers(samples, files, features + (target or []), columns is None)
        if columns is None:
            _check_unnamed(samples, files, features)
        numeric = _numeric_features(samples, files, features, as_frame, declared)
        y_dtype = _target_dtype(samples, target, declared)
        text = [n for n in features if n not in numeric]
        text += [n for n in target or [] if any(n not in s.numeric for s in samples)]
        size = int(params["batch_size"])
        chunk = size * math.ceil(_CHUNK_ROWS / size)
        read_dtypes = {**dict.fromkeys(text, str), **options.pop("dtype", {})}
        headers = [sample.columns for sample in samples]
        return _Layout(
            files, headers, list(declared), features, target, numeric, y_dtype, read_dtypes,
            chunk, size, options, as_frame,
        )  # fmt: skip

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
        # Every column is parsed: with usecols, pandas drops the fields of long rows; and
        # index_col=False: else a first row longer than the header makes an index.
        opened[block] = _parse(
            lambda: _pandas().read_csv(
                path,
                dtype=state.read_dtypes or None,  # an empty dict slows pandas down by ~10%
                iterator=True,
                low_memory=False,  # (faster: a chunk is parsed at once, its size bounded)
                index_col=False,
                **state.options,
            ),
            path,
            state.headers[block],
            state.declared,
            " now",
        )
        return opened[block]

    def _batches(self, state: _Layout, blocks: list, opened: dict) -> Iterator:
        """The batches of the files, one per chunk. Each file's first chunk is cut to fill
        the stream's batch the files before left open, so that the other chunks make whole
        batches: ``buffer_batch`` passes them on without a copy."""
        held = 0  # rows given of the stream's batch being filled
        for block in blocks:
            chunks = self._read(state, block, opened)
            size = state.chunk - held
            while (batch := _next_batch(state, block, chunks, size)) is not None:
                held = (held + len(batch["X"])) % state.batch_size
                yield batch
                size = state.chunk


def _next_batch(layout: _Layout, block: int, chunks: Any, size: int) -> dict | None:
    """The batch of the next ``size`` rows of file ``block`` (fewer at its end); None
    after. A row with more fields than the header, a value that does not fit a declared
    dtype, a file that broke are refused, naming the file."""
    path = layout.files[block]
    try:
        chunk = _parse(
            lambda: chunks.get_chunk(size), path, layout.headers[block], layout.declared
        )
    except StopIteration:
        return None
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
        _check_target_cast(y, layout.y_dtype, target if len(target) > 1 else target[0], path)
        y = y.astype(layout.y_dtype)
        values = values.astype(layout.y_dtype)
    return values if layout.as_frame else y


def _check_target_cast(y: np.ndarray, dtype: np.dtype, name: Any, path: str) -> None:
    """Raise unless the target values ``y`` of a chunk of ``path`` keep their values in
    the target's ``dtype``: a safe cast, or integers within its range."""
    if np.can_cast(y.dtype, dtype, casting="safe"):
        return
    if y.dtype.kind in "iu" and dtype.kind in "iu":
        info, low, high = np.iinfo(dtype), int(y.min()), int(y.max())
        if info.min <= low and high <= info.max:
            return
        raise ValueError(
            f"the target {name!r} of {path!r} holds the value "
            f"{low if low < info.min else high} in a row after the first ones, which held "
            f"{dtype} values; {dtype} cannot hold it. Declare a dtype that does with "
            "options={'dtype': {column: dtype}}: 'uint64' (integers from 0 to 2**64-1), "
            "'int64', or str to read the values as text."
        )
    raise ValueError(
        f"the target {name!r} of {path!r} holds {y.dtype} values in a chunk after the "
        f"first rows, which held {dtype} values (a missing value in an integer or bool "
        "column? a row with fewer fields than the header, whose missing fields are "
        "missing values?); give the target one kind of values in every row, or its dtype "
        "with options={'dtype': {column: dtype}} (e.g. 'float64': missing values are NaN)."
    )


def read_csv(paths: Any, **params: Any) -> CsvReader:
    """Read the rows of CSV files in batches, a chunk of rows at a time.

    Only a chunk of each file is parsed at a time (the larger of 4,096 rows and
    ``batch_size``, rounded to a multiple of it), so the data may be much larger than
    memory; ``.csv.gz`` and other compressed files are read as they stream. The first row
    of each file names its columns, each once. Numeric features are float64, with missing
    values (an empty field, ``NA``, ``NaN``, ...) as NaN, in arrays and DataFrames alike;
    the target keeps its kind of values: integers, bools, floats, or text (a classifier's
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
        ``encoding_errors``, ``compression``, and ``dtype``. E.g.
        ``{"sep": ";", "decimal": ","}``. ``dtype`` is a dict of columns and numpy dtypes
        that wins over what the first rows show: ``str`` reads a column as text (zip codes
        such as ``01234`` keep their zero, labels ``"0"`` and ``"1"`` are text; a feature
        read as text needs ``as_frame=True``), ``"float64"`` reads as floats a target whose
        first rows look like integers, ``"int64"`` or ``"uint64"`` as integers (a missing
        value is then refused, naming the file and the column); numeric features are
        float64 whatever numeric dtype is declared. pandas' extension dtypes (``"Int64"``,
        ``"boolean"``, ``"string"``, ``"category"``) and columns that no file has are
        refused.

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
        be parsed (or has a row with more fields than its header); a header names a column
        twice; a column is missing (the message lists the file's columns); a file has a
        column the first file lacks, when the features are all the columns; a header
        field with no name would be a feature (a file written by ``DataFrame.to_csv()``
        with its index: give ``columns=[...]``); the target is also a feature; or, with
        ``as_frame=False``, a feature column holds (or is declared) text. The message
        names the file and the column. Each file's first 1,000 rows are checked when the
        reader is made; further on, text in a numeric column, a longer row, a missing
        value in an integer target, or a target value its dtype cannot hold (above
        2**63-1 in an int64 target) raises a ``ValueError`` naming the file and the column
        while reading.

    Notes
    -----
    pandas' missing-value markers (an empty field, ``NA``, ``N/A``, ``n/a``, ``NaN``,
    ``null``, ``None``, ...) are missing values in every column, a text target's too: a
    label ``"NA"`` or ``"None"`` reads as NaN. To read them as text, give
    ``options={"keep_default_na": False, "na_values": [""]}``: only empty fields (and
    the markers added to that list) are then missing values.

    A row with fewer fields than the header reads as missing values in the columns it
    lacks, and so does a last line cut short: pandas' parser does not tell them from
    empty fields (a row with more fields than the header is refused).

    Features are float64: integers beyond 2**53 in a feature are rounded to the nearest
    float64. A target keeps its integers (int64, or uint64 for values above 2**63-1).

    Text cannot go through ``zmq_stream`` workers, whose wire format carries numbers: a
    text target (or text features, with ``as_frame=True``) is refused there; write the
    labels encoded as numbers to read them through workers.

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


reader_function(read_csv, CsvReader)
