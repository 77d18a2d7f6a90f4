"""The schedules of successive halving and of Hyperband: how many batches each round trains
to, and how many candidates it keeps.

Halving is computed exactly as scikit-learn's ``HalvingGridSearchCV`` computes it, including
its floating-point ``floor(log(n, factor))`` (``floor(log(243, 3)) == 4``), so that a search
here is a drop-in for ``HalvingGridSearchCV(..., resource="max_batches")``. Hyperband's
brackets are halving schedules too, with the number of rounds Hyperband gives them.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from math import ceil, floor, log

__all__ = ["Bracket", "halving_schedule", "hyperband_brackets"]


@dataclass(frozen=True)
class Bracket:
    """One successive-halving schedule.

    Attributes
    ----------
    rungs : list of int
        The batches trained by the end of each round (``n_resources_``).
    n_candidates : list of int
        The candidates scored in each round (``n_candidates_``).
    min_batches, max_batches : int
        The first round's batches (after ``"exhaust"``), and the most any round trains.
    n_required, n_possible : int
        The rounds needed to leave fewer than ``factor`` candidates, and the rounds the
        batches allow (scikit-learn's ``n_required_iterations_``,
        ``n_possible_iterations_``).
    factor : float
    s : int
        Hyperband's index of the bracket (its rounds minus one); 0 for plain halving.
    """

    rungs: list
    n_candidates: list
    min_batches: int
    max_batches: int
    n_required: int
    n_possible: int
    factor: float
    s: int = 0

    def survivors(self, n_candidates: int) -> int:
        """How many of ``n_candidates`` scored candidates go on to the next round."""
        return ceil(n_candidates / self.factor)


def _rounds(
    n_candidates: int, min_batches: int, max_batches: int, factor: float, powers: Iterable
) -> tuple:
    """The rungs and candidate counts of rounds at ``factor ** power * min_batches``."""
    rungs, counts, remaining = [], [], n_candidates
    for power in powers:
        rungs.append(min(int(factor**power * min_batches), max_batches))
        counts.append(remaining)
        remaining = ceil(remaining / factor)
    return rungs, counts


def halving_schedule(
    n_candidates: int,
    min_batches: int | None,
    max_batches: int,
    factor: float,
    aggressive: bool,
) -> Bracket:
    """The rounds of successive halving over ``n_candidates`` candidates.

    Parameters
    ----------
    n_candidates : int >= 1
    min_batches : int >= 1 or None
        The first round's batches; None exhausts: the largest start from which the rounds
        needed end at ``max_batches``.
    max_batches : int >= 1
    factor : float > 1
    aggressive : bool
        Repeat the first round's batches while more candidates remain than the batches
        allow rounds for (scikit-learn's ``aggressive_elimination``).

    Returns
    -------
    Bracket

    Examples
    --------
    >>> from sklearn_stream.model_selection._schedule import halving_schedule
    >>> bracket = halving_schedule(27, None, 81, 3, False)
    >>> bracket.rungs, bracket.n_candidates
    ([3, 9, 27, 81], [27, 9, 3, 1])
    >>> halving_schedule(27, 9, 81, 3, True).rungs
    [9, 9, 27, 81]
    """
    n_required = 1 + floor(log(n_candidates, factor))
    if min_batches is None:
        min_batches = max(1, max_batches // factor ** (n_required - 1))
    n_possible = 1 + floor(log(max_batches // min_batches, factor))
    n_rounds = n_required if aggressive else min(n_possible, n_required)
    powers = [
        max(0, itr - n_required + n_possible) if aggressive else itr for itr in range(n_rounds)
    ]
    rungs, counts = _rounds(n_candidates, min_batches, max_batches, factor, powers)
    return Bracket(rungs, counts, int(min_batches), max_batches, n_required, n_possible, factor)


def _integer_log(value: int, factor: float) -> int:
    """The largest ``s`` with ``factor ** s <= value`` (no floating-point ``log``)."""
    s = 0
    while factor ** (s + 1) <= value:
        s += 1
    return s


def hyperband_brackets(
    max_batches: int, factor: float, min_batches: int = 1, n_available: int | None = None
) -> list:
    """Hyperband's brackets: successive halving from many candidates on few batches to few
    candidates on many.

    With ``s_max`` the largest ``s`` such that ``factor ** s <= max_batches //
    min_batches``, bracket ``s`` (from ``s_max`` down to 0) starts
    ``ceil((s_max + 1) / (s + 1) * factor ** s)`` candidates on ``max_batches // factor
    ** s`` batches and runs ``s + 1`` rounds, keeping ``ceil(n / factor)`` candidates
    after each (scikit-learn's rule, so that a bracket is a ``HalvingGridSearchCV`` over
    its candidates wherever their floating-point logarithms agree).

    Parameters
    ----------
    max_batches : int >= 1
    factor : float > 1
    min_batches : int >= 1, default=1
        The fewest batches any round trains on.
    n_available : int or None, default=None
        The candidates there are, if fewer may be than the brackets start (a grid): they
        are given to the brackets in order, and brackets left without any are dropped.

    Returns
    -------
    list of Bracket
        Largest ``s`` first.

    Examples
    --------
    >>> from sklearn_stream.model_selection._schedule import hyperband_brackets
    >>> brackets = hyperband_brackets(81, 3)
    >>> [b.n_candidates[0] for b in brackets], [b.min_batches for b in brackets]
    ([81, 34, 15, 8, 5], [1, 3, 9, 27, 81])
    >>> brackets[1].rungs, brackets[1].n_candidates
    ([3, 9, 27, 81], [34, 12, 4, 2])
    >>> [b.n_candidates for b in hyperband_brackets(9, 3, n_available=10)]
    [[9, 3, 1], [1, 1]]
    """
    s_max = _integer_log(max_batches // min_batches, factor)
    remaining = n_available
    brackets = []
    for s in range(s_max, -1, -1):
        n = ceil(Fraction(s_max + 1, s + 1) * Fraction(factor) ** s)
        if remaining is not None:
            n, remaining = min(n, remaining), remaining - min(n, remaining)
        if n == 0:
            continue
        first = int(max_batches // factor**s)
        rungs, counts = _rounds(n, first, max_batches, factor, range(s + 1))
        brackets.append(Bracket(rungs, counts, first, max_batches, s + 1, s + 1, factor, s))
    return brackets
