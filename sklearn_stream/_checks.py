"""Argument checks shared by every module: data sources, bounds on batch counts, numbers
and flags; and closing what a stream leaves open."""

import inspect
import math
from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = [
    "check_bool",
    "check_int",
    "check_max_batches",
    "check_real",
    "close_if_closable",
    "is_data_source",
]


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
    return check_int(name, value, 0, allow_none=True)


def _range_text(low: float | None, high: float | None, strict: bool = False) -> str:
    if low is not None and high is not None:
        return f" in [{low}, {high}]"
    if low is not None:
        return f" {'>' if strict else '>='} {low}"
    return "" if high is None else f" <= {high}"


def check_int(
    name: str,
    value: Any,
    low: int | None = None,
    high: int | None = None,
    *,
    allow_none: bool = False,
    meaning: str = "",
) -> int | None:
    """Validate an integer argument (a bool is not one) within ``[low, high]``.

    Parameters
    ----------
    name : str
        The argument's name, used in the error message.
    value : object
        The value to check.
    low, high : int or None, default=None
        The inclusive bounds; None for no bound.
    allow_none : bool, default=False
        Whether None is accepted (and returned).
    meaning : str, default=""
        A few words on what the number means, added to the message of a ``ValueError``.

    Returns
    -------
    int or None
        ``value`` as a Python int.

    Raises
    ------
    TypeError
        If ``value`` is not an integer (or None where allowed).
    ValueError
        If ``value`` lies outside the bounds.

    Examples
    --------
    >>> from sklearn_stream._checks import check_int
    >>> check_int("k", np.int64(3), 1)
    3
    >>> check_int("k", 0, 1)
    Traceback (most recent call last):
    ...
    ValueError: k must be an int >= 1; got 0.
    """
    expected = f"{'None or ' if allow_none else ''}an int{_range_text(low, high)}"
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        kind = type(value).__name__
        raise TypeError(f"{name} must be {expected}; got {value!r} of type {kind}.")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be {expected}{meaning}; got {value!r}.")
    return int(value)


def check_real(
    name: str, value: Any, low: float = 0.0, *, allow_none: bool = False, what: str = "a number"
) -> float | None:
    """Validate a finite real argument strictly greater than ``low``.

    Parameters
    ----------
    name : str
        The argument's name, used in the error message.
    value : object
        The value to check.
    low : float, default=0.0
        The exclusive lower bound.
    allow_none : bool, default=False
        Whether None is accepted (and returned).
    what : str, default="a number"
        What the value is, as the message says it (e.g. "a number of seconds").

    Returns
    -------
    float or None

    Raises
    ------
    TypeError
        If ``value`` is not a real number (or None where allowed).
    ValueError
        If ``value`` is not finite or not greater than ``low``.

    Examples
    --------
    >>> from sklearn_stream._checks import check_real
    >>> check_real("lam", 4)
    4.0
    """
    expected = f"{'None or ' if allow_none else ''}a finite {what} > {low:g}"
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise TypeError(f"{name} must be {expected}; got {value!r}.")
    if not (math.isfinite(value) and value > low):
        raise ValueError(f"{name} must be {expected}; got {value!r}.")
    return float(value)


def check_bool(name: str, value: Any) -> bool:
    """Validate a flag: a Python or numpy bool.

    Parameters
    ----------
    name : str
        The argument's name, used in the error message.
    value : object
        The value to check.

    Returns
    -------
    bool

    Raises
    ------
    TypeError
        If ``value`` is not a bool.

    Examples
    --------
    >>> from sklearn_stream._checks import check_bool
    >>> check_bool("copy", np.True_)
    True
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool; got {value!r}.")
    return bool(value)


def close_if_closable(obj: Any) -> None:
    """Call ``obj.close()`` if ``obj`` has one (a generator, a bounded stream, a file).

    Parameters
    ----------
    obj : object
        Anything.

    Examples
    --------
    >>> from sklearn_stream._checks import close_if_closable
    >>> def numbers():
    ...     yield 1
    >>> stream = numbers()
    >>> close_if_closable(stream), close_if_closable([1])
    (None, None)
    >>> next(stream, "closed")
    'closed'
    """
    close = getattr(obj, "close", None)
    if close is not None:
        close()
