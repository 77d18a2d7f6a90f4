"""Argument checks shared by every module: data sources and bounds on batch counts."""

import inspect
from numbers import Integral
from typing import Any

__all__ = ["check_max_batches", "is_data_source"]


def is_data_source(obj: Any) -> bool:
    """Return True if ``obj`` can start a fresh stream on demand (has ``generate``).

    Parameters
    ----------
    obj : object
        Anything.

    Returns
    -------
    bool
        True for instances with a callable ``generate`` attribute (``Streamer``, ``Mux``,
        other libraries' data sources); False for classes, iterators and everything else.

    Examples
    --------
    >>> from sklearn_stream import Streamer
    >>> from sklearn_stream.core import is_data_source
    >>> is_data_source(Streamer([{"X": [1]}])), is_data_source(iter([]))
    (True, False)
    """
    return not inspect.isclass(obj) and callable(getattr(obj, "generate", None))


def check_max_batches(value: Any, name: str = "max_batches") -> int | None:
    """Validate a bound on a number of batches: None or an int >= 0.

    Parameters
    ----------
    value : object
        The bound to check.
    name : str, default="max_batches"
        The argument's name, used in the error message.

    Returns
    -------
    int or None

    Raises
    ------
    TypeError
        If ``value`` is neither None nor an int.
    ValueError
        If ``value`` is negative.

    Examples
    --------
    >>> from sklearn_stream.core import check_max_batches
    >>> check_max_batches(np.int64(3))
    3
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(
            f"{name} must be None or an int >= 0; got {value!r} of type {type(value).__name__}."
        )
    if value < 0:
        raise ValueError(f"{name} must be None or an int >= 0; got {value!r}.")
    return int(value)
