"""The task a search runs through joblib: continue a slice of one group's models on a round's
batches, then score them on the fold's held-out data.

Tasks run wherever joblib's backend puts them (the main process with ``n_jobs=1``, loky's
workers, a dask or Ray cluster); the models travel to them and back as pickles.
"""

import traceback
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from sklearn.metrics._scorer import _MultimetricScorer
from sklearn.model_selection._validation import _score
from sklearn.utils import _safe_indexing

from ..learner._run import FitRun
from ._groups import BatchChunk

__all__ = ["ScoringJob", "SliceOutcome", "run_slice"]


@dataclass
class SliceOutcome:
    """What a task reports for one (candidate, fold) model.

    ``fit_time`` is this round's training time only; ``n_trained`` the batches trained
    this round; ``result`` is None when the model was not scored, else a dict in the form
    scikit-learn's searches collect (``test_scores``, ``fit_error``, ...).
    """

    candidate: int
    run: FitRun
    n_trained: int
    fit_time: float
    result: dict | None


@dataclass
class ScoringJob:
    """How the models of one fold are scored: the data, its held-out and training rows.

    Parameters
    ----------
    scorer : callable
        A scorer, or scikit-learn's multimetric scorer.
    X, y : array-like
        All the data; ``y`` may be None.
    test, train : ndarray of int
        The fold's rows.
    score_params : dict
        Routed scorer parameters of all the data (per-sample ones are cut to the fold).
    return_train_score : bool
    error_score : "raise" or float
    """

    scorer: Any
    X: Any
    y: Any
    test: Any
    train: Any
    score_params: dict
    return_train_score: bool
    error_score: Any

    def _error_scores(self) -> Any:
        if isinstance(self.scorer, _MultimetricScorer):
            return dict.fromkeys(self.scorer._scorers, self.error_score)
        return self.error_score

    def _scores_on(self, learner: Any, rows: Any) -> Any:
        y = None if self.y is None else _safe_indexing(self.y, rows)
        params = {
            name: _safe_indexing(value, rows) if _per_sample(value, self.X) else value
            for name, value in self.score_params.items()
        }
        X = _safe_indexing(self.X, rows)
        return _score(learner, X, y, self.scorer, params, self.error_score)

    def score(self, run: FitRun, fit_time: float) -> dict:
        """The result of ``run`` now: its scores, or ``error_score`` if it is broken or its
        learner cannot be snapshot (e.g. trained within ``preprocessing_batches``)."""
        result = {"fit_time": fit_time, "fit_error": run.broken, "score_time": 0.0}
        learner = None
        if run.broken is None:
            try:
                learner = run.snapshot()
            except Exception:
                if self.error_score == "raise":
                    raise
                result["fit_error"] = traceback.format_exc()
        if learner is None:
            result["test_scores"] = self._error_scores()
            if self.return_train_score:
                result["train_scores"] = self._error_scores()
            return result
        start = perf_counter()
        result["test_scores"] = self._scores_on(learner, self.test)
        if self.return_train_score:
            result["train_scores"] = self._scores_on(learner, self.train)
        result["score_time"] = perf_counter() - start
        return result


def _per_sample(value: Any, X: Any) -> bool:
    try:
        return hasattr(value, "__len__") and len(value) == len(X)
    except TypeError:
        return False


def run_slice(runs: list, chunk: BatchChunk, job: ScoringJob | None, error_score: Any) -> list:
    """Continue each ``(candidate, run)`` of ``runs`` on ``chunk``; score it with ``job``.

    Parameters
    ----------
    runs : list of (int, FitRun)
    chunk : BatchChunk
        The batches that follow each run's position in the group's stream.
    job : ScoringJob or None
        None: the round is not over for this group (more batches follow).
    error_score : "raise" or float
        With "raise", a failing ``partial_fit`` raises here; otherwise its run is broken.

    Returns
    -------
    list of SliceOutcome
    """
    outcomes = []
    for candidate, run in runs:
        before = run.progress.n_batches
        start = perf_counter()
        try:
            run.train_on(chunk.batches)
        except Exception:
            if error_score == "raise":
                raise
        fit_time = perf_counter() - start
        result = None if job is None else job.score(run, fit_time)
        trained = run.progress.n_batches - before
        outcomes.append(SliceOutcome(candidate, run, trained, fit_time, result))
    return outcomes
