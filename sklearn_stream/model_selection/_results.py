"""Choosing among scored candidates, as scikit-learn's successive halving does.

The means compared are computed as scikit-learn's ``cv_results_`` computes them
(``np.average`` over the splits, in float64), so the survivors and the winner are those of
``HalvingGridSearchCV`` for bit-identical scores, ties included.
"""

from typing import Any

import numpy as np

__all__ = ["best_index", "mean_scores", "top_k"]


def mean_scores(results: list, metric: str | None) -> np.ndarray:
    """The mean test score of each candidate over its splits.

    Parameters
    ----------
    results : list of list of dict
        Per candidate, its splits' results (``test_scores``: a float, or a dict of them).
    metric : str or None
        The metric to average for multimetric scores; None for a single score.

    Examples
    --------
    >>> from sklearn_stream.model_selection._results import mean_scores
    >>> mean_scores([[{"test_scores": 1.0}, {"test_scores": 0.5}]], None)
    array([0.75])
    """

    def value(result: dict) -> Any:
        scores = result["test_scores"]
        return scores[metric] if isinstance(scores, dict) else scores

    array = np.array([[value(r) for r in splits] for splits in results], dtype=np.float64)
    return np.average(array, axis=1)


def top_k(means: np.ndarray, k: int) -> list:
    """The positions of the ``k`` best means, worst first (NaN counts as the worst).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_stream.model_selection._results import top_k
    >>> top_k(np.array([0.5, np.nan, 0.9, 0.7]), 2)
    [3, 2]
    """
    order = np.roll(np.argsort(means), np.count_nonzero(np.isnan(means)))
    return [int(i) for i in order[-k:]]


def best_index(results: dict, metric: str) -> int:
    """The best row of the last round (the first one if every score there is NaN); with a
    ``bracket`` column, the best of each bracket's last round, the first best in row
    order.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_stream.model_selection._results import best_index
    >>> best_index({"iter": np.array([0, 0, 1]), "mean_test_s": np.array([1, 0, .5])}, "s")
    2
    >>> results = {
    ...     "iter": np.array([0, 0, 1, 0]),
    ...     "bracket": np.array([1, 1, 1, 0]),
    ...     "mean_test_s": np.array([1, 0, 0.5, 0.7]),
    ... }
    >>> best_index(results, "s")
    3
    """
    iters = np.asarray(results["iter"])
    brackets = np.asarray(results.get("bracket", np.zeros_like(iters)))
    last_iter = {b: iters[brackets == b].max() for b in np.unique(brackets)}
    last = np.flatnonzero([itr == last_iter[b] for itr, b in zip(iters, brackets)])
    scores = results[f"mean_test_{metric}"][last]
    if np.isnan(scores).all():
        return int(last[0])
    return int(last[np.nanargmax(scores)])
