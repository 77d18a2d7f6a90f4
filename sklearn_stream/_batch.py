"""Single batches: measure them, join them, cut them.

A *batch* is a ``dict`` whose values share their first-axis length: numpy arrays (at least
one-dimensional), scipy sparse matrices or arrays, lists or tuples. Every module of the
package that looks inside batches uses these helpers; :mod:`sklearn_stream.buffer`
re-exports the public ones.
"""

from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from typing import Any

import numpy as np
import scipy.sparse as sp

from .exceptions import BatchError, BatchLengthError

__all__ = [
    "batch_length",
    "concat_batches",
    "field_length",
    "join_fields",
    "key_change_message",
    "slice_batch",
]


# Sparse formats that support row slicing directly; others go through CSR and back.
_ROW_SLICEABLE = frozenset({"csr", "csc", "lil"})


def field_length(key: Any, value: Any) -> int:
    try:
        return len(value)
    except TypeError:
        if sp.issparse(value):
            return value.shape[0]
        if isinstance(value, np.ndarray):
            raise BatchError(
                f"field {key!r} of the batch is a 0-d array; batch values need a first axis."
            ) from None
        raise BatchError(
            f"field {key!r} of the batch has no length: got a {type(value).__name__}. "
            "Batch values must be arrays, sparse matrices, lists or tuples."
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


def _concat_values(key: Any, values: Sequence) -> Any:
    first = values[0]
    if sp.issparse(first):
        if not all(sp.issparse(v) for v in values):
            raise BatchError(f"field {key!r} mixes sparse and dense values across batches.")
        return sp.vstack(values, format=first.format)
    if isinstance(first, np.ndarray):
        try:
            return np.concatenate(values)
        except (TypeError, ValueError):
            if any(sp.issparse(v) for v in values):
                raise BatchError(
                    f"field {key!r} mixes dense and sparse values across batches."
                ) from None
            raise
    if isinstance(first, list):
        return list(chain.from_iterable(values))
    if isinstance(first, tuple):
        return tuple(chain.from_iterable(values))
    raise BatchError(
        f"cannot join field {key!r}: values of type {type(first).__name__} are not supported; "
        "use numpy arrays, scipy sparse matrices, lists or tuples."
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
        format of the first, lists and tuples chained).

    Raises
    ------
    ValueError
        If ``batches`` is empty.
    BatchError
        If the batches' keys differ, or a field mixes sparse and dense values or holds a type
        that cannot be joined.

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
    return join_fields(batches, keys)


def join_fields(batches: Sequence[Mapping], keys: Iterable) -> dict:
    return {key: _concat_values(key, [batch[key] for batch in batches]) for key in keys}


def _slice_value(value: Any, start: int, stop: int) -> Any:
    if sp.issparse(value) and value.format not in _ROW_SLICEABLE:
        return value.tocsr()[start:stop].asformat(value.format)
    return value[start:stop]


def slice_batch(batch: Mapping, start: int, stop: int) -> dict:
    """Return rows ``start:stop`` of every field of a batch.

    Arrays are sliced as views (no copy); sparse matrices keep their format.

    Parameters
    ----------
    batch : dict
        The batch to cut.
    start, stop : int
        Row bounds, as in ``value[start:stop]``.

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
    return {key: _slice_value(value, start, stop) for key, value in batch.items()}


def key_change_message(expected: Any, got: Any, index: int) -> str:
    return (
        f"batch {index} of the stream has keys {sorted(map(str, got))}, but the stream started "
        f"with keys {sorted(map(str, expected))}; every batch of a stream needs the same keys."
    )
