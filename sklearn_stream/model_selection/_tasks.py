"""The task a search runs through joblib: continue a slice of one group's models on a round's
batches, then score them on the fold's held-out data.

Tasks run wherever joblib's backend puts them (the main process with ``n_jobs=1``, loky's
workers, a dask or Ray cluster); the models travel to them and back as pickles.
"""

import copy
import traceback
import types
from dataclasses import dataclass
from time import perf_counter
from typing import Any

import numpy as np
from sklearn.metrics._scorer import _MultimetricScorer
from sklearn.model_selection._validation import _score
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _check_method_params

from ..learner._run import FitRun
from ..learner._scoring import replayed_evaluations
from ._groups import BatchChunk, EvalReplay, data_nbytes

__all__ = ["ScoringJob", "SliceOutcome", "early_fit_whole", "fit_whole", "run_slice", "writable"]


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


class ScoringJob:
    """How the models of one fold are scored: the scorer and the fold's parts scored.

    A job holds its fold's rows only (not all the data), and is sized by them, so that
    joblib's dask backend scatters it to the cluster once for all the tasks that score
    on the fold instead of putting it in every task.

    Parameters
    ----------
    scorer : callable
        A scorer, or scikit-learn's multimetric scorer.
    parts : dict
        The parts of the fold scored, by name (``"test"``, and ``"train"`` with
        ``return_train_score``): ``(X, y, score_params)`` of their rows. Every model of a
        task is scored on the same objects, so that one read of an evaluation stream on
        them can be replayed to all.
    error_score : "raise" or float
    """

    def __init__(self, scorer: Any, parts: dict, error_score: Any) -> None:
        self.scorer = scorer
        self.parts = parts
        self.error_score = error_score
        self.nbytes = sum(data_nbytes(X) + data_nbytes(y) for X, y, _ in parts.values())

    def __sizeof__(self) -> int:
        return object.__sizeof__(self) + self.nbytes

    @classmethod
    def of_fold(
        cls,
        scorer: Any,
        data: tuple,
        rows: dict,
        score_params: dict,
        error_score: Any,
    ) -> "ScoringJob":
        """The job of a fold of ``data`` (``(X, y)``, ``y`` may be None): ``rows`` maps
        each part's name to its rows; per-sample ``score_params`` of all the data are cut
        to them, as scikit-learn's searches do."""
        X, y = data
        parts = {
            name: (
                _safe_indexing(X, part),
                None if y is None else _safe_indexing(y, part),
                _check_method_params(X, score_params, part),
            )
            for name, part in rows.items()
        }
        return cls(scorer, parts, error_score)

    def _error_scores(self) -> Any:
        if isinstance(self.scorer, _MultimetricScorer):
            return dict.fromkeys(self.scorer._scorers, self.error_score)
        return self.error_score

    def score(self, run: FitRun, replay: dict) -> dict:
        """The result of ``run`` now: its scores on the parts, or ``error_score`` if it is
        broken or its learner cannot be snapshot (e.g. trained within
        ``preprocessing_batches``).

        ``replay`` maps a part's name to the batches its evaluation stream made, read once
        for every model (the part's stream is started by the scorer otherwise).
        """
        parts = self.parts
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


# Values that hold no array of the model (a function's or module's globals are not its own).
_ATOMS = (
    str,
    bytes,
    int,
    float,
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
)


def _holds_read_only(value: Any, seen: set) -> bool:
    """Whether ``value`` holds a read-only array, in its attributes, items or values, at
    any depth (as a model deserialised without copies, e.g. by Ray, does)."""
    if id(value) in seen or isinstance(value, _ATOMS):
        return False
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return not value.flags.writeable or (
            value.dtype == object and any(_holds_read_only(item, seen) for item in value.flat)
        )
    if isinstance(value, dict):
        items: Any = value.values()
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = value
    else:
        items = list(getattr(value, "__dict__", {}).values())
        items += [getattr(value, name, None) for name in _slots(value)]
    return any(_holds_read_only(item, seen) for item in items)


def _slots(value: Any) -> list:
    names = [name for cls in type(value).__mro__ for name in getattr(cls, "__slots__", ())]
    return [name for name in names if not name.startswith("__")]


def writable(run: Any) -> Any:
    """``run``, or a deep copy of it if it holds a read-only array: training updates its
    estimator's arrays in place."""
    return copy.deepcopy(run) if _holds_read_only(run, set()) else run


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
    parts = job.parts if job is not None and scored else {}
    passes = {} if replay is None else replay.batches
    outcomes = []
    for candidate, shipped in runs:
        run = writable(shipped)
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
            result = job.score(run, replayed)
        trained = run.progress.n_batches - before
        outcomes.append(SliceOutcome(candidate, run, trained, fit_time, result))
    return outcomes


def fit_whole(estimator: Any, X: Any, y: Any, fit_params: dict) -> tuple | None:
    """The refit: ``(fitted estimator, seconds)``.

    As an early joblib task (see ``RoundEngine.early_task``) it returns None if the fit
    raised, so that the search fits again in its own process, after its rounds, where the
    error (which may not survive a pickle), its traceback and its warnings reach the user
    as they would without the early task."""
    start = perf_counter()
    if y is None:
        estimator.fit(X, **fit_params)
    else:
        estimator.fit(X, y, **fit_params)
    return estimator, perf_counter() - start


def early_fit_whole(estimator: Any, X: Any, y: Any, fit_params: dict) -> tuple | None:
    """:func:`fit_whole`, or None if it raised (see there)."""
    try:
        return fit_whole(estimator, X, y, fit_params)
    except Exception:
        return None
