"""The round loop of an adaptive search: every live model trains on to the round's batches,
from one read of its group's stream, then the round's candidates are scored and the best
ones go on.

The process running the search owns the open streams (one per fold and training key, see
:class:`~sklearn_stream.model_selection._groups.TrainGroup`): it reads each round's
batches once and dispatches, through joblib, tasks that each continue a slice of a group's
models on them and score them (:func:`~sklearn_stream.model_selection._tasks.run_slice`).
Only the models of the candidates still in the search are kept.
"""

import traceback
from collections import defaultdict
from math import ceil
from typing import Any

from joblib import effective_n_jobs
from sklearn.base import clone
from sklearn.model_selection._validation import (
    _insert_error_scores,
    _warn_or_raise_about_fit_failures,
)
from sklearn.utils import _safe_indexing
from sklearn.utils.parallel import Parallel, delayed

from ..learner._training import TrainingProgress
from ._candidates import prefixed, training_key
from ._groups import BatchChunk, TrainGroup
from ._results import mean_scores, top_k
from ._schedule import Bracket
from ._tasks import ScoringJob, run_slice

__all__ = ["RoundEngine"]

# The most bytes of training batches read for one group before its tasks are dispatched:
# a longer round is trained in several passes, each scored only at the end.
CHUNK_BUDGET = 64 * 2**20


class _FailedStart:
    """The run of a (candidate, fold) whose fit failed before its first batch."""

    def __init__(self, error: str) -> None:
        self.broken = error
        self.progress = TrainingProgress()

    def train_on(self, batches: Any, max_batches: int | None = None) -> None:
        """Train nothing: the fit failed already."""


def _fold_params(params: dict, rows: Any, n_samples: int) -> dict:
    """``params`` with per-sample values cut to ``rows`` (as scikit-learn's searches do)."""
    return {
        name: _safe_indexing(value, rows)
        if hasattr(value, "__len__")
        and not isinstance(value, (str, dict))
        and len(value) == n_samples
        else value
        for name, value in params.items()
    }


class RoundEngine:
    """Runs the rounds of one successive-halving schedule.

    Parameters
    ----------
    learner : StreamLearner
        The base learner; each (candidate, fold) model is a clone with the candidate set.
    prefix : str
        Put before the candidates' names to set them on ``learner``.
    candidates : list of dict
    splits : list of (train, test)
    X, y : array-like
    fit_params, score_params : dict
        Routed parameters of the learner's ``fit`` and of the scorers, for all the data.
    bracket : Bracket
    scorer : callable
    refit_metric : str or None
        The metric that chooses the survivors (None: the single score).
    error_score : "raise" or float
    return_train_score : bool
    n_jobs : int or None
    insert_errors : bool
        Give failed fits the metrics of the others' scores (a callable ``scoring``, whose
        metrics are known only once it has scored).

    Attributes
    ----------
    n_batches_trained : int
    n_batches_read : list of int
        Training batches read from the streams, per fold.
    """

    def __init__(
        self,
        learner: Any,
        prefix: str,
        candidates: list,
        splits: list,
        X: Any,
        y: Any,
        fit_params: dict,
        score_params: dict,
        bracket: Bracket,
        *,
        scorer: Any,
        refit_metric: str | None,
        error_score: Any,
        return_train_score: bool,
        n_jobs: int | None,
        insert_errors: bool,
    ) -> None:
        self.learner = learner
        self.prefix = prefix
        self.candidates = candidates
        self.splits = splits
        self.X, self.y = X, y
        self.fit_params = fit_params
        self.bracket = bracket
        self.refit_metric = refit_metric
        self.error_score = error_score
        self.n_jobs = n_jobs
        self.insert_errors = insert_errors
        self.jobs = [
            ScoringJob(scorer, X, y, test, train, score_params, return_train_score, error_score)
            for train, test in splits
        ]
        self.runs: dict = {}
        self.groups: dict = {}
        self.n_batches_trained = 0
        self.params: list = []
        self.out: list = []
        self.more_results: dict = defaultdict(list)

    @property
    def n_batches_read(self) -> list:
        """Training batches read from the streams, per fold."""
        read = [0] * len(self.splits)
        for group in self.groups.values():
            read[group.fold] += group.position
        return read

    def run(self) -> list:
        """Run every round; return the candidates left after the last one.

        ``params``, ``out`` and ``more_results`` then hold every round's rows, in the form
        scikit-learn's ``_format_results`` takes.
        """
        live = list(range(len(self.candidates)))
        rungs = self.bracket.rungs
        try:
            with Parallel(n_jobs=self.n_jobs, pre_dispatch="2*n_jobs") as parallel:
                self._start(live)
                for itr, rung in enumerate(rungs):
                    results = self._round(parallel, rung)
                    rows = [[results[c, f] for f in range(len(self.splits))] for c in live]
                    self._collect(itr, rung, live, rows)
                    if itr + 1 < len(rungs):
                        live = self._select(live, rows)
        finally:
            for group in self.groups.values():
                group.close()
        return live

    def _start(self, live: list) -> None:
        """Start every (candidate, fold) model and put it in its group."""
        n_samples = len(self.X)
        last = self.bracket.rungs[-1]
        for fold, (train, _) in enumerate(self.splits):
            X_train = _safe_indexing(self.X, train)
            y_train = None if self.y is None else _safe_indexing(self.y, train)
            params = _fold_params(self.fit_params, train, n_samples)
            for candidate in live:
                learner = clone(self.learner)
                learner.set_params(**prefixed(self.candidates[candidate], self.prefix))
                try:
                    run, source = learner._start_run(X_train, y_train, params)
                except Exception:
                    if self.error_score == "raise":
                        raise
                    self._add_failed(fold, candidate, traceback.format_exc())
                    continue
                key = (fold, training_key(learner, candidate))
                if key not in self.groups:
                    self.groups[key] = TrainGroup(fold, source, last)
                self.groups[key].members.append(candidate)
                self.runs[candidate, fold] = run

    def _add_failed(self, fold: int, candidate: int, error: str) -> None:
        group = TrainGroup(fold, None, 0)
        group.broken = error
        group.members.append(candidate)
        self.groups[fold, "failed", candidate] = group
        self.runs[candidate, fold] = _FailedStart(error)

    def _round(self, parallel: Any, rung: int) -> dict:
        """Train every live model to ``rung`` batches and score it; return the results by
        (candidate, fold)."""
        pending = [group for group in self.groups.values() if group.members]
        results: dict = {}
        fit_times: dict = defaultdict(float)
        while pending:
            meta: list = []
            outputs = parallel(self._tasks(pending, rung, meta))
            for (fold, last), outcomes in zip(meta, outputs):
                for outcome in outcomes:
                    key = outcome.candidate, fold
                    self.runs[key] = outcome.run
                    self.n_batches_trained += outcome.n_trained
                    fit_times[key] += outcome.fit_time
                    if last:
                        results[key] = {**outcome.result, "fit_time": fit_times[key]}
            pending = [g for g in pending if (g.members[0], g.fold) not in results]
        return results

    def _tasks(self, groups: list, rung: int, meta: list) -> Any:
        """The tasks of one pass over ``groups``, made lazily: a group's batches are read
        when joblib asks for its tasks."""
        n_slots = 2 * effective_n_jobs(self.n_jobs)
        for group in groups:
            chunk = self._read(group, rung)
            last = group.broken is not None or group.position >= rung
            job = self.jobs[group.fold] if last else None
            n_slices = min(len(group.members), max(1, ceil(n_slots / len(groups))))
            for start in range(n_slices):
                part = group.members[start::n_slices]
                runs = [(c, self.runs[c, group.fold]) for c in part]
                meta.append((group.fold, last))
                yield delayed(run_slice)(runs, chunk, job, self.error_score)

    def _read(self, group: TrainGroup, rung: int) -> BatchChunk:
        if group.broken is not None or group.position >= rung:
            return BatchChunk([])
        try:
            return group.read(rung, CHUNK_BUDGET)
        except Exception:
            if self.error_score == "raise":
                raise
            for candidate in group.members:  # a fresh fit would fail at the same batch
                self.runs[candidate, group.fold].broken = group.broken
            return BatchChunk([])

    def _collect(self, itr: int, rung: int, live: list, rows: list) -> None:
        """Record one round's rows as scikit-learn's halving search does."""
        out = [result for splits in rows for result in splits]
        _warn_or_raise_about_fit_failures(out, self.error_score)
        if self.insert_errors:
            _insert_error_scores(out, self.error_score)
        self.out.extend(out)
        for candidate in live:
            self.params.append({**self.candidates[candidate], "max_batches": rung})
        self.more_results["iter"].extend([itr] * len(live))
        self.more_results["n_resources"].extend([rung] * len(live))

    def _select(self, live: list, rows: list) -> list:
        """The survivors of a round, worst first; the others' models are dropped."""
        means = mean_scores(rows, self.refit_metric)
        keep = [live[i] for i in top_k(means, self.bracket.survivors(len(live)))]
        dropped = set(live) - set(keep)
        for group in self.groups.values():
            group.members = [c for c in group.members if c not in dropped]
            if not group.members:
                group.close()
        for candidate in dropped:
            for fold in range(len(self.splits)):
                self.runs.pop((candidate, fold), None)
        return keep
