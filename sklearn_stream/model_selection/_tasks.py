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
from ..learner._scoring import replayed_evaluations
from ._groups import BatchChunk, EvalReplay

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

    def parts(self) -> dict:
        """The parts of the fold scored, by name (``"test"``, and ``"train"`` with
        ``return_train_score``): ``(X, y, score_params)`` of their rows.

        Every model of a task is scored on the same objects, so that one read of an
        evaluation stream on them can be replayed to all.
        """
        names = {"test": self.test, "train": self.train}
        if not self.return_train_score:
            del names["train"]
        return {name: self._part(rows) for name, rows in names.items()}

    def _part(self, rows: Any) -> tuple:
        y = None if self.y is None else _safe_indexing(self.y, rows)
        params = {
            name: _safe_indexing(value, rows) if _per_sample(value, self.X) else value
            for name, value in self.score_params.items()
        }
        return _safe_indexing(self.X, rows), y, params

    def score(self, run: FitRun, parts: dict, replay: dict) -> dict:
        """The result of ``run`` now: its scores on ``parts``, or ``error_score`` if it is
        broken or its learner cannot be snapshot (e.g. trained within
        ``preprocessing_batches``).

        ``replay`` maps a part's name to the batches its evaluation stream made, read once
        for every model (the part's stream is started by the scorer otherwise).
        """
        result = {"fit_error": run.broken, "score_time": 0.0}
        learner = None
        if run.broken is None:
            try:
                learner = run.snapshot()
            except Exception:
                if self.error_score == "raise":
                    raise
                result["fit_error"] = traceback.format_exc()
        if learner is None:
            for name in parts:
                result[f"{name}_scores"] = self._error_scores()
            return result
        start = perf_counter()
        passes = [(parts[name][0], parts[name][1], batches) for name, batches in replay.items()]
        with replayed_evaluations(learner, passes):
            for name, (X, y, params) in parts.items():
                scores = _score(learner, X, y, self.scorer, params, self.error_score)
                result[f"{name}_scores"] = scores
        result["score_time"] = perf_counter() - start
        return result


def _per_sample(value: Any, X: Any) -> bool:
    try:
        return hasattr(value, "__len__") and len(value) == len(X)
    except TypeError:
        return False


def run_slice(
    runs: list,
    chunk: BatchChunk,
    job: ScoringJob | None,
    scored: dict,
    replay: EvalReplay | None,
    error_score: Any,
) -> list:
    """Continue each ``(candidate, run)`` of ``runs`` on ``chunk``; score those in
    ``scored`` with ``job``.

    Parameters
    ----------
    runs : list of (int, FitRun)
    chunk : BatchChunk
        The batches that follow each run's position in the group's stream.
    job : ScoringJob or None
        None: no model of the slice is scored (its round goes on, or its bracket is not
        due).
    scored : dict
        The candidates scored, each with the key of its evaluation passes in ``replay``
        (None: it has none).
    replay : EvalReplay or None
        The fold's evaluation passes of this round, read once.
    error_score : "raise" or float
        With "raise", a failing ``partial_fit`` raises here; otherwise its run is broken.

    Returns
    -------
    list of SliceOutcome
    """
    parts = job.parts() if job is not None and scored else {}
    passes = {} if replay is None else replay.batches
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
        result = None
        if candidate in scored:
            key = scored[candidate]
            replayed = {name: passes[key, name] for name in parts if (key, name) in passes}
            result = job.score(run, parts, replayed)
        trained = run.progress.n_batches - before
        outcomes.append(SliceOutcome(candidate, run, trained, fit_time, result))
    return outcomes
