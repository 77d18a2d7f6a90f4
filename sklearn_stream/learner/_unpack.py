"""Turn the batches a learner consumes into the arguments of ``partial_fit``.

A learner accepts two batch layouts:

- a ``dict`` with ``"X"``, optionally ``"Y"`` or ``"y"`` (the target) and optionally
  ``"sample_weight"``;
- a ``tuple`` ``(X,)``, ``(X, y)`` or ``(X, y, sample_weight)``.

Every error names the batch's position in the stream (counting from 0), so a bad file
deep in a long stream can be found.
"""

from collections.abc import Mapping
from numbers import Number
from typing import Any

from ..buffer import field_length
from ..exceptions import BatchError, BatchLengthError

__all__ = ["check_lengths", "feature_count", "one_dimensional_rows", "unpack_batch"]

_TARGET_KEYS = ("Y", "y")


def _unpack_mapping(batch: Mapping, index: int, allowed: frozenset) -> tuple:
    try:
        X = batch["X"]
    except KeyError:
        raise BatchError(
            f"batch {index} of the stream has no 'X' field; its keys are "
            f"{sorted(map(str, batch))}. A batch needs 'X' (features) and, for supervised "
            "learning, 'Y' or 'y' (targets)."
        ) from None
    if "Y" in batch:
        if "y" in batch:
            raise BatchError(
                f"batch {index} of the stream has both 'Y' and 'y'; give the target once."
            )
        y = batch["Y"]
    else:
        y = batch.get("y")
    params = {}
    for key, value in batch.items():
        if key == "X" or key in _TARGET_KEYS:
            continue
        if key not in allowed:
            raise BatchError(
                f"batch {index} of the stream has a field {key!r} that the learner does not "
                f"know what to do with; accepted fields are 'X', 'Y' or 'y', and "
                f"{sorted(allowed)}."
            )
        params[key] = value
    return X, y, params


def unpack_batch(batch: Any, index: int, allowed: frozenset) -> tuple:
    """Split one batch into ``(X, y, params)`` for ``partial_fit``.

    Parameters
    ----------
    batch : dict or tuple
        The batch.
    index : int
        Its position in the stream, for error messages.
    allowed : frozenset of str
        Names of the per-sample fields (besides ``X`` and the target) that are passed on to
        ``partial_fit`` as keyword arguments, such as ``"sample_weight"``.

    Returns
    -------
    X : object
    y : object or None
    params : dict
        The other per-sample fields of the batch.

    Raises
    ------
    BatchError
        If the batch is neither a dict nor a tuple of 1 to 3 items, lacks ``X``, has both
        ``Y`` and ``y``, has a field that is not allowed, or ``X`` is None.

    Examples
    --------
    >>> from sklearn_stream.learner._unpack import unpack_batch
    >>> unpack_batch({"X": [[1.0]], "Y": [0]}, 0, frozenset({"sample_weight"}))
    ([[1.0]], [0], {})
    >>> unpack_batch(([[1.0]], [0], [2.0]), 0, frozenset({"sample_weight"}))
    ([[1.0]], [0], {'sample_weight': [2.0]})
    """
    if isinstance(batch, Mapping):
        X, y, params = _unpack_mapping(batch, index, allowed)
    elif isinstance(batch, tuple) and 1 <= len(batch) <= 3:
        X = batch[0]
        y = batch[1] if len(batch) > 1 else None
        params = {}
        if len(batch) == 3 and batch[2] is not None:
            if "sample_weight" not in allowed:
                raise BatchError(
                    f"batch {index} of the stream is a 3-tuple, but sample weights are not "
                    "accepted here."
                )
            params["sample_weight"] = batch[2]
    else:
        described = (
            f"a tuple of {len(batch)} items"
            if isinstance(batch, tuple)
            else (f"a {type(batch).__name__}")
        )
        raise BatchError(
            f"batch {index} of the stream is {described}; a learner needs a dict with 'X' "
            "(and 'Y' or 'y', 'sample_weight'), or a tuple (X,), (X, y) or "
            "(X, y, sample_weight)."
        )
    if X is None:
        raise BatchError(f"batch {index} of the stream has X=None; X must hold the features.")
    return X, y, params


def feature_count(X: Any) -> int | None:
    """The number of columns of a 2-D ``X`` (array, sparse matrix, DataFrame), else None.

    Examples
    --------
    >>> from sklearn_stream.learner._unpack import feature_count
    >>> feature_count(np.zeros((4, 3))), feature_count([[1, 2]]), feature_count(np.zeros(3))
    (3, 2, None)
    """
    shape = getattr(X, "shape", None)
    if shape is not None:
        return shape[1] if len(shape) == 2 else None
    if isinstance(X, (list, tuple)) and X and isinstance(X[0], (list, tuple)):
        return len(X[0])
    return None


def _length(value: Any) -> int | None:
    try:
        return field_length("", value)
    except BatchError:  # no length (a scalar, an exotic object): the estimator will say
        return None


def check_lengths(X: Any, y: Any, params: Mapping, index: int) -> int | None:
    """The number of samples of a batch; raise if its fields disagree on it.

    Parameters
    ----------
    X, y : object
        The features and the target (None when the batch has none).
    params : dict
        The batch's other per-sample fields, such as ``sample_weight``.
    index : int
        The batch's position in the stream, for the message.

    Returns
    -------
    int or None
        The length of ``X``; None if ``X`` has no length (left for the estimator to refuse).

    Raises
    ------
    BatchLengthError
        If ``y`` or a field of ``params`` has a different length than ``X``; the message
        names the batch and lists every field with its length, as
        :func:`~sklearn_stream.buffer_batch` does.

    Examples
    --------
    >>> from sklearn_stream.learner._unpack import check_lengths
    >>> check_lengths(np.zeros((3, 2)), [0, 1, 0], {}, 0)
    3
    >>> check_lengths(np.zeros((3, 2)), [0, 1], {}, 4)
    Traceback (most recent call last):
    ...
    sklearn_stream.exceptions.BatchLengthError: batch 4 of the stream: ... {'X': 3, 'y': 2}.
    """
    n = _length(X)
    if n is None:
        return None
    lengths = {"X": n}
    if y is not None:
        lengths["y"] = _length(y)
    lengths.update((key, _length(value)) for key, value in params.items())
    if any(length is not None and length != n for length in lengths.values()):
        listing = ", ".join(f"{key!r}: {length}" for key, length in lengths.items())
        raise BatchLengthError(
            f"batch {index} of the stream: the fields of a batch must share their length "
            f"(one entry per sample); got lengths {{{listing}}}."
        )
    return n


def one_dimensional_rows(X: Any) -> bool:
    """Whether ``X`` is a 1-D array of numbers (a single row given where rows are expected).

    Only called for an ``X`` whose number of features is unknown, so it costs nothing on
    ordinary 2-D batches. A 1-D array of strings (documents for a text vectorizer) is not
    flagged.

    Examples
    --------
    >>> from sklearn_stream.learner._unpack import one_dimensional_rows
    >>> one_dimensional_rows(np.zeros(3)), one_dimensional_rows(np.array(["a b", "c"]))
    (True, False)
    >>> one_dimensional_rows([1.0, 2.0]), one_dimensional_rows(np.zeros((2, 3)))
    (True, False)
    """
    shape = getattr(X, "shape", None)
    if shape is not None:
        kind = getattr(getattr(X, "dtype", None), "kind", "")
        return len(shape) == 1 and kind in "biufc" and kind != ""
    return isinstance(X, list) and bool(X) and isinstance(X[0], Number)
