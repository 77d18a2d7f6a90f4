"""The schedule of successive halving: how many batches each round trains to, and how many
candidates it keeps.

Computed exactly as scikit-learn's ``HalvingGridSearchCV`` computes it, including its
floating-point ``floor(log(n, factor))`` (``floor(log(243, 3)) == 4``), so that a search
here is a drop-in for ``HalvingGridSearchCV(..., resource="max_batches")``.
"""

from dataclasses import dataclass
from math import ceil, floor, log

__all__ = ["Bracket", "halving_schedule"]


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
    """

    rungs: list
    n_candidates: list
    min_batches: int
    max_batches: int
    n_required: int
    n_possible: int
    factor: float

    def survivors(self, n_candidates: int) -> int:
        """How many of ``n_candidates`` scored candidates go on to the next round."""
        return ceil(n_candidates / self.factor)


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
    rungs, counts, remaining = [], [], n_candidates
    for itr in range(n_rounds):
        power = max(0, itr - n_required + n_possible) if aggressive else itr
        rungs.append(min(int(factor**power * min_batches), max_batches))
        counts.append(remaining)
        remaining = ceil(remaining / factor)
    return Bracket(rungs, counts, int(min_batches), max_batches, n_required, n_possible, factor)
