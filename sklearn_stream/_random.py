"""Random number generators for data sources.

Data sources keep ``random_state`` as the user gave it and turn it into a fresh
:class:`numpy.random.Generator` each time they start a stream. An int ``random_state``
gives the same sequence of streams in every process; successive streams (epochs) of one
object differ.
"""

from numbers import Integral
from typing import Any

import numpy as np

__all__ = ["check_random_state_value", "epoch_rng", "spawn_random_ints"]

_ENTROPY_WORDS = 4


def check_random_state_value(random_state: Any) -> None:
    """Check a data source's ``random_state`` parameter at the call; it is kept as given.

    Raises
    ------
    TypeError
        If it is not None, an int, a ``RandomState`` or a ``Generator``.
    ValueError
        If it is a negative int (or one of ``2**128`` or more).

    Examples
    --------
    >>> from sklearn_stream._random import check_random_state_value
    >>> check_random_state_value(np.random.default_rng(0))
    >>> check_random_state_value(-1)
    Traceback (most recent call last):
    ...
    ValueError: random_state must be a non-negative int; got -1.
    """
    integer = isinstance(random_state, Integral) and not isinstance(random_state, bool)
    if not (
        random_state is None
        or integer
        or isinstance(random_state, (np.random.RandomState, np.random.Generator))
    ):
        raise TypeError(
            "random_state must be None, an int, a numpy.random.RandomState or a "
            f"numpy.random.Generator; got {random_state!r}."
        )
    if integer and not 0 <= random_state < 2**128:
        raise ValueError(f"random_state must be a non-negative int; got {random_state!r}.")


def epoch_rng(random_state, epoch: int) -> np.random.Generator:
    """Return the generator for one epoch of a data source.

    Parameters
    ----------
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator
        The data source's ``random_state`` parameter, unresolved.
    epoch : int
        How many streams this object started before this one.

    Returns
    -------
    numpy.random.Generator
        With an int ``random_state``, a function of ``(random_state, epoch)`` only. With a
        ``RandomState`` or ``Generator`` the given object is advanced, as scikit-learn does.
        With None, fresh entropy.
    """
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        sequence = np.random.SeedSequence(int(random_state), spawn_key=(int(epoch),))
        return np.random.default_rng(sequence)
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**32, size=_ENTROPY_WORDS))
    if isinstance(random_state, np.random.Generator):
        return np.random.default_rng(random_state.integers(0, 2**32, size=_ENTROPY_WORDS))
    raise TypeError(
        "random_state must be None, an int, a numpy.random.RandomState or a "
        f"numpy.random.Generator; got {random_state!r} of type {type(random_state).__name__}."
    )


def spawn_random_ints(rng: np.random.Generator, n: int) -> list[int]:
    """Draw ``n`` independent random ints from ``rng``, one ``random_state`` per child
    stream."""
    return [int(s) for s in rng.integers(0, 2**63 - 1, size=n, dtype=np.int64)]
