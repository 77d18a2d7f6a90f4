"""Single batches: measure them, join them, cut them.

A *batch* is a ``dict`` whose values share their first-axis length: numpy arrays (at least
one-dimensional), scipy sparse matrices or arrays, lists or tuples, pandas DataFrames or
Series. Every module of the package that looks inside batches uses these helpers;
:mod:`sklearn_stream.buffer` re-exports the public ones.

pandas is optional: it is imported only to join values that are pandas objects already.
"""

from collections.abc import Mapping, Sequence
from itertools import chain
from typing import Any

import numpy as np
import scipy.sparse as sp

from .exceptions import BatchError, BatchLengthError

__all__ = [
    "batch_length",
    "concat_batches",
    "field_length",
    "index_free",
    "is_pandas",
    "key_change_message",
    "row_sliceable",
    "slice_batch",
]


# Sparse formats that support row slicing directly; others go through CSR once per batch.
_ROW_SLICEABLE = frozenset({"csr", "csc", "lil"})
# Marks a pandas field in the ``formats`` of :func:`row_sliceable`: cut by position (iloc).
_PANDAS = object()
_PANDAS_CLASSES = frozenset({"DataFrame", "Series"})


def is_pandas(value: Any) -> bool:
    """Whether ``value`` is a pandas DataFrame or Series (or a subclass of one).

    Checked by the names of its classes, so pandas is never imported to answer.

    Examples
    --------
    >>> from sklearn_stream._batch import is_pandas
    >>> is_pandas(np.zeros(3)), is_pandas([1, 2])
    (False, False)
    """
    for cls in type(value).__mro__:
        if cls.__name__ in _PANDAS_CLASSES and cls.__module__.startswith("pandas"):
            return True
    return False


def index_free(batch: Mapping) -> dict:
    """The batch with the index of every pandas value replaced by ``0, 1, ..., n - 1``.

    A batch's rows are identified by their position; an index carried over from the input
    (e.g. the running row numbers of ``pandas.read_csv(chunksize=...)``) would no longer
    match the rows of a re-cut batch, so it is dropped rather than kept half-true.

    Examples
    --------
    >>> from sklearn_stream._batch import index_free
    >>> index_free({"X": np.arange(2)})
    {'X': array([0, 1])}
    """
    return {
        key: value.reset_index(drop=True) if is_pandas(value) else value
        for key, value in batch.items()
    }


def field_length(key: Any, value: Any) -> int:
    """The first-axis length of one value of a batch (sparse matrices included).

    Parameters
    ----------
    key : object
        The field's key, named in error messages.
    value : array, sparse matrix, list, tuple, DataFrame or Series
        The field's value.

    Returns
    -------
    int

    Raises
    ------
    BatchError
        If ``value`` has no first axis (a 0-d array, a scalar, a 1-d sparse array) or no
        length.
    """
    if sp.issparse(value):  # before len(): len() of a dok matrix counts its stored entries
        if value.ndim != 2:
            raise BatchError(
                f"field {key!r} of the batch is a {value.ndim}-d sparse array; sparse values "
                "must be 2-d, with samples along the first axis."
            )
        return value.shape[0]
    try:
        return len(value)
    except TypeError:
        if isinstance(value, np.ndarray):
            raise BatchError(
                f"field {key!r} of the batch is a 0-d array; batch values need a first axis."
            ) from None
        raise BatchError(
            f"field {key!r} of the batch has no length: got a {type(value).__name__}. "
            "Batch values must be arrays, sparse matrices, lists, tuples, or pandas "
            "DataFrames or Series."
        ) from None


def batch_length(batch: Mapping) -> int | None:
    """Return the number of samples in a batch.

    Parameters
    ----------
    batch : dict
        A batch: each value must have a length (its first axis for arrays and sparse
        matrices), and all values must share it.

    Returns
    -------
    n : int >= 0 or None
        The common length, or None when the batch has no fields.

    Raises
    ------
    BatchError
        If ``batch`` is not a dict, or one of its values has no length. A subclass of
        ``TypeError``.
    BatchLengthError
        If two values have different lengths; the message lists every key with its length.
        A subclass of ``RuntimeError``.

    Examples
    --------
    >>> from sklearn_stream import batch_length
    >>> batch_length({"X": np.zeros((5, 3)), "Y": [0, 1, 0, 1, 1]})
    5
    >>> batch_length({}) is None
    True
    """
    if not isinstance(batch, Mapping):
        raise BatchError(f"a batch must be a dict of arrays; got a {type(batch).__name__}.")
    lengths = {key: field_length(key, value) for key, value in batch.items()}
    if not lengths:
        return None
    values = iter(lengths.values())
    n = next(values)
    for m in values:
        if m != n:
            listing = ", ".join(f"{key!r}: {length}" for key, length in lengths.items())
            raise BatchLengthError(
                f"the fields of a batch must share their length; got lengths {{{listing}}}."
            )
    return n


def _mixed(key: Any, values: Sequence, kind: type) -> BatchError:
    other = next(type(v).__name__ for v in values if not isinstance(v, kind))
    return BatchError(
        f"field {key!r} mixes values of type {type(values[0]).__name__} and {other} across "
        "batches; every batch of a stream must give a field the same kind of value."
    )


def _concat_pandas(key: Any, values: Sequence) -> Any:
    """Join pandas values by position: the result has the index ``0, 1, ..., n - 1``."""
    import pandas as pd  # only reached when the values are pandas objects: it is installed

    first = values[0]
    kind = pd.DataFrame if isinstance(first, pd.DataFrame) else pd.Series
    if not all(isinstance(v, kind) for v in values):
        raise _mixed(key, values, kind)
    if kind is pd.DataFrame:
        for value in values:
            if not value.columns.equals(first.columns):
                raise BatchError(
                    f"field {key!r} is a DataFrame with columns {list(value.columns)} in one "
                    f"batch but {list(first.columns)} in an earlier one; every batch of a "
                    "stream needs the same columns, in the same order."
                )
    return pd.concat(values, ignore_index=True)


def _concat_arrays(key: Any, values: Sequence) -> np.ndarray:
    first = values[0]
    pandas_value = next((v for v in values if is_pandas(v)), None)
    if pandas_value is not None:  # numpy would convert it silently, dropping its columns
        raise _mixed(key, values, np.ndarray)
    try:
        joined = np.concatenate(values)
    except (TypeError, ValueError) as error:
        if not all(isinstance(v, np.ndarray) for v in values):
            raise _mixed(key, values, np.ndarray) from None
        raise BatchError(f"cannot join field {key!r} across batches: {error}") from None
    # numpy converts lists and scalars silently; arrays of other dtypes promote as usual.
    if joined.dtype != first.dtype and not all(isinstance(v, np.ndarray) for v in values):
        raise _mixed(key, values, np.ndarray)
    return joined


def _concat_values(key: Any, values: Sequence) -> Any:
    first = values[0]
    if isinstance(first, np.ndarray):
        return _concat_arrays(key, values)
    if sp.issparse(first):
        if not all(sp.issparse(v) for v in values):
            raise _mixed(key, values, type(first))
        field_length(key, first)  # 2-d only
        return sp.vstack(values, format=first.format)
    if is_pandas(first):
        return _concat_pandas(key, values)
    for kind in (list, tuple):
        if isinstance(first, kind):
            if not all(isinstance(v, kind) for v in values):
                raise _mixed(key, values, kind)
            return kind(chain.from_iterable(values))
    raise BatchError(
        f"cannot join field {key!r}: values of type {type(first).__name__} are not supported; "
        "use numpy arrays, scipy sparse matrices, lists, tuples, or pandas DataFrames or "
        "Series."
    )


def concat_batches(batches: Sequence[Mapping]) -> dict:
    """Join batches with the same keys into one, in order.

    Parameters
    ----------
    batches : sequence of dict
        At least one batch; all must have the keys of the first.

    Returns
    -------
    dict
        A batch whose every field is the concatenation of that field across ``batches``
        (arrays with :func:`numpy.concatenate`, sparse matrices stacked as sparse in the
        format of the first, lists and tuples chained, pandas DataFrames and Series with
        ``pandas.concat``, keeping their columns and giving the result the index
        ``0, 1, ..., n - 1``).

    Raises
    ------
    ValueError
        If ``batches`` is empty.
    BatchError
        If the batches' keys differ, a field mixes kinds of values (sparse and dense,
        DataFrame and array, ...) or holds a type that cannot be joined, or a DataFrame
        field's columns differ between batches.

    Examples
    --------
    >>> from sklearn_stream.buffer import concat_batches
    >>> joined = concat_batches([{"X": np.arange(2)}, {"X": np.arange(3)}])
    >>> joined["X"]
    array([0, 1, 0, 1, 2])
    """
    if not batches:
        raise ValueError("concat_batches needs at least one batch; got none.")
    keys = batches[0].keys()
    for index, batch in enumerate(batches):
        if batch.keys() != keys:
            raise BatchError(key_change_message(keys, batch.keys(), index))
    return {key: _concat_values(key, [batch[key] for batch in batches]) for key in keys}


def row_sliceable(batch: Mapping) -> tuple[dict, dict]:
    """Prepare a batch to be cut many times: sparse fields in formats without row slicing
    are converted to CSR once, and pandas fields are marked to be cut by position. Returns
    the prepared batch and ``{key: original format or pandas marker}`` for those fields,
    to be passed to :func:`slice_batch`."""
    formats = {}
    prepared = dict(batch)
    for key, value in batch.items():
        if sp.issparse(value):
            if value.format not in _ROW_SLICEABLE:
                formats[key] = value.format
                prepared[key] = value.tocsr()
        elif type(value) is not np.ndarray and is_pandas(value):
            formats[key] = _PANDAS
    return prepared, formats


def slice_batch(batch: Mapping, start: int, stop: int, formats: Mapping | None = None) -> dict:
    """Return rows ``start:stop`` of every field of a batch.

    Arrays are sliced as views (no copy); sparse matrices keep their format; pandas
    DataFrames and Series are cut by position and get the index ``0, 1, ..., n - 1``.

    Parameters
    ----------
    batch : dict
        The batch to cut.
    start, stop : int
        Row bounds, as in ``value[start:stop]``.
    formats : dict or None, default=None
        From :func:`row_sliceable`: fields already converted to CSR, and the format each
        slice is given back.

    Returns
    -------
    dict
        A batch with the same keys.

    Examples
    --------
    >>> from sklearn_stream.buffer import slice_batch
    >>> slice_batch({"X": np.arange(5), "Y": list("abcde")}, 1, 3)
    {'X': array([1, 2]), 'Y': ['b', 'c']}
    """
    if formats is None:
        batch, formats = row_sliceable(batch)
    if not formats:
        return {key: value[start:stop] for key, value in batch.items()}
    cut = {}
    for key, value in batch.items():
        fmt = formats.get(key)
        if fmt is None:
            cut[key] = value[start:stop]
        elif fmt is _PANDAS:
            cut[key] = value.iloc[start:stop].reset_index(drop=True)
        else:
            cut[key] = value[start:stop].asformat(fmt)
    return cut


def key_change_message(expected: Any, got: Any, index: int) -> str:
    return (
        f"batch {index} of the stream has keys {sorted(map(str, got))}, but the stream started "
        f"with keys {sorted(map(str, expected))}; every batch of a stream needs the same keys."
    )
