"""The round loop of an adaptive search: every live model trains on to the round's batches,
from one read of its group's stream, then the candidates due are scored and the best ones
go on.

The process running the search owns the open streams (one per fold and training key, see
:class:`~sklearn_stream.model_selection._groups.TrainGroup`): it reads each round's
batches once and dispatches, through joblib, tasks that each continue a slice of a group's
models on them and score them (:func:`~sklearn_stream.model_selection._tasks.run_slice`).
A held-out fold's ``eval_stream`` is read once a round too, and replayed to every model
scored on it.

Several brackets (Hyperband's) run in lock-step by batches: each round trains every live
model of every bracket to the smallest next rung of any bracket, and the brackets whose
rung it is score and select. All the live models of a group are then at the same position,
so one read serves all brackets. Only the models of the candidates still in a bracket are
kept.
"""

import copy
import traceback
from collections import defaultdict
from itertools import chain
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
from sklearn.utils.validation import _check_method_params

from ..learner._training import TrainingProgress
from ._candidates import evaluation_key, prefixed, training_key
from ._groups import BatchChunk, EvalReplay, TrainGroup, read_evaluation
from ._results import mean_scores, top_k
from ._schedule import Bracket
from ._tasks import ScoringJob, run_slice

__all__ = ["RoundEngine"]

# The most bytes of training batches read for one group before its tasks are dispatched:
# a longer round is trained in several passes, each scored only at the end.
CHUNK_BUDGET = 64 * 2**20
# The most bytes of one evaluation pass (a fold's held-out part through eval_stream) read
# by the process running the search to replay to every model scored; above it, each model
# streams the evaluation itself.
EVAL_BUDGET = 256 * 2**20


class _FailedStart:
    """The run of a (candidate, fold) whose fit failed before its first batch."""

    def __init__(self, error: str) -> None:
        self.broken = error
        self.progress = TrainingProgress()

    def train_on(self, batches: Any, max_batches: int | None = None) -> None:
        """Train nothing: the fit failed already."""


class _BracketRun:
    """One bracket in the loop: its live candidates, its round, its rows of results."""

    def __init__(self, schedule: Bracket, candidates: list) -> None:
        self.schedule = schedule
        self.live = list(candidates)
        self.itr = 0
        self.n_remaining = len(self.live)
        self.params: list = []
        self.out: list = []
        self.iters: list = []
        self.rungs: list = []

    @property
    def next_rung(self) -> int | None:
        """The batches of the bracket's next round; None once it is over."""
        rungs = self.schedule.rungs
        return rungs[self.itr] if self.itr < len(rungs) else None


class RoundEngine:
    """Runs the rounds of one or several successive-halving brackets, in lock-step.

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
    brackets : list of Bracket
    members : list of list of int
        The candidates of each bracket (positions in ``candidates``).
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
    runs : dict
        The models kept, by (candidate, fold): those of the live candidates only.
    n_batches_trained : int
    n_batches_read : list of int
        Training batches read from the streams, per fold.
    n_eval_passes : list of int
        Evaluation passes read by this process to replay, per fold.
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
        brackets: list,
        members: list,
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
        self.brackets = [_BracketRun(b, m) for b, m in zip(brackets, members)]
        self.refit_metric = refit_metric
        self.error_score = error_score
        self.n_jobs = n_jobs
        self.insert_errors = insert_errors
        self.scorer = scorer
        self.score_params = score_params
        self.return_train_score = return_train_score
        self.runs: dict = {}
        self.groups: dict = {}
        self.eval_keys: dict = {}
        self.eval_learners: dict = {}
        self.n_batches_trained = 0
        self.n_eval_passes = [0] * len(splits)
        self._fit_times: dict = defaultdict(float)
        # Set by the search: a function of the one candidate left for a single bracket's
        # last round, giving a joblib task (the refit) that runs with that round's tasks.
        self.early_task: Any = None
        self.early_result: Any = None

    @property
    def n_batches_read(self) -> list:
        """Training batches read from the streams, per fold."""
        read = [0] * len(self.splits)
        for group in self.groups.values():
            read[group.fold] += group.position
        return read

    @property
    def n_remaining(self) -> list:
        """The candidates each bracket would keep after its last round."""
        return [bracket.n_remaining for bracket in self.brackets]

    def run(self) -> None:
        """Run every round of every bracket."""
        try:
            with Parallel(n_jobs=self.n_jobs, pre_dispatch="2*n_jobs") as parallel:
                self._start([c for bracket in self.brackets for c in bracket.live])
                while True:
                    rungs = [b.next_rung for b in self.brackets if b.next_rung is not None]
                    if not rungs:
                        break
                    due = [b for b in self.brackets if b.next_rung == min(rungs)]
                    scored = {c for bracket in due for c in bracket.live}
                    extra = self._early_task()
                    self._end_round(due, self._round(parallel, min(rungs), scored, extra))
        finally:
            for group in self.groups.values():
                group.close()

    def rows(self, *, with_bracket: bool) -> tuple:
        """Every round's rows, bracket after bracket, in the form scikit-learn's
        ``_format_results`` takes: ``(params, out, more_results)``."""
        params, out, more = [], [], defaultdict(list)
        for bracket in self.brackets:
            params += bracket.params
            out += bracket.out
            more["iter"] += bracket.iters
            more["n_resources"] += bracket.rungs
            if with_bracket:
                more["bracket"] += [bracket.schedule.s] * len(bracket.iters)
        return params, out, more

    def _start(self, live: list) -> None:
        """Start every (candidate, fold) model and put it in its group."""
        last = max(bracket.schedule.rungs[-1] for bracket in self.brackets)
        for fold, (train, _) in enumerate(self.splits):
            X_train = _safe_indexing(self.X, train)
            y_train = None if self.y is None else _safe_indexing(self.y, train)
            params = _check_method_params(self.X, self.fit_params, train)
            for candidate in live:
                learner = clone(self.learner)
                # clones of the values, as scikit-learn's searches set them: the grid's
                # objects (a stream, an estimator) are neither shared nor changed
                values = clone(self.candidates[candidate], safe=False)
                learner.set_params(**prefixed(values, self.prefix))
                self._note_evaluation(candidate, learner)
                try:
                    run, source = learner._start_run(X_train, y_train, params)
                except Exception:
                    if self.error_score == "raise":
                        raise
                    self._add_failed(fold, candidate, traceback.format_exc())
                    continue
                key = (fold, training_key(learner, candidate))
                if key not in self.groups:
                    # a copy of its own, so the group keeps no member's fitted model
                    source.learner = copy.copy(source.learner)
                    self.groups[key] = TrainGroup(fold, source, last)
                self.groups[key].members.append(candidate)
                self.runs[candidate, fold] = run

    def _note_evaluation(self, candidate: int, learner: Any) -> None:
        """Record the candidate's evaluation key, and a learner to read its passes with."""
        if candidate not in self.eval_keys:
            key = evaluation_key(learner)
            self.eval_keys[candidate] = key
            if key is not None and key not in self.eval_learners:
                self.eval_learners[key] = clone(learner)

    def _add_failed(self, fold: int, candidate: int, error: str) -> None:
        group = TrainGroup(fold, None, 0)
        group.broken = error
        group.members.append(candidate)
        self.groups[fold, "failed", candidate] = group
        self.runs[candidate, fold] = _FailedStart(error)

    def _early_task(self) -> Any:
        """The search's early task, when the round about to run is the last of the only
        bracket and trains one candidate: the winner is then known before it is scored."""
        if self.early_task is None or len(self.brackets) != 1:
            return None
        bracket = self.brackets[0]
        if bracket.itr != len(bracket.schedule.rungs) - 1 or len(bracket.live) != 1:
            return None
        return self.early_task(bracket.live[0])

    def _round(self, parallel: Any, rung: int, scored: set, extra: Any = None) -> dict:
        """Train every live model to ``rung`` batches and score those of ``scored``;
        return their results by (candidate, fold). ``extra``, a joblib task, runs with
        the first pass's tasks; its output goes to :attr:`early_result`."""
        pending = [group for group in self.groups.values() if group.members]
        results: dict = {}
        cache: dict = {}
        while pending:
            folds: list = [None] if extra is not None else []
            before = [group.position for group in pending]
            tasks = self._tasks(pending, rung, scored, folds, cache)
            outputs = parallel(chain([extra], tasks) if extra is not None else tasks)
            if extra is not None:
                self.early_result, extra = outputs[0], None
            for fold, outcomes in zip(folds, outputs):
                if fold is None:
                    continue
                for outcome in outcomes:
                    key = outcome.candidate, fold
                    self.runs[key] = outcome.run
                    self.n_batches_trained += outcome.n_trained
                    self._fit_times[key] += outcome.fit_time
                    if outcome.result is not None:
                        results[key] = {**outcome.result, "fit_time": self._fit_times.pop(key)}
            left = [group for group in pending if not group.reached(rung)]
            if len(left) == len(pending) and before == [group.position for group in left]:
                raise RuntimeError(  # a bug: the loop would never end
                    f"Internal error of the search: a pass of the round to {rung} batches "
                    "read no batch and ended no stream."
                )
            pending = left
        return results

    def _tasks(self, groups: list, rung: int, scored: set, folds: list, cache: dict) -> Any:
        """The tasks of one pass over ``groups``, made lazily: a group's batches are read
        when joblib asks for its tasks."""
        n_slots = 2 * effective_n_jobs(self.n_jobs)
        for group in groups:
            chunk = self._read(group, rung)
            due = {c for c in group.members if c in scored} if group.reached(rung) else set()
            job = self._job(group.fold, cache) if due else None
            replay = self._replay(group.fold, due, cache)
            n_slices = min(len(group.members), max(1, ceil(n_slots / len(groups))))
            for start in range(n_slices):
                part = group.members[start::n_slices]
                runs = [(c, self.runs[c, group.fold]) for c in part]
                keys = {c: self.eval_keys[c] for c in part if c in due}
                folds.append(group.fold)
                yield delayed(run_slice)(runs, chunk, job, keys, replay, self.error_score)

    def _read(self, group: TrainGroup, rung: int) -> BatchChunk:
        if group.reached(rung):
            return BatchChunk([])
        try:
            return group.read(rung, CHUNK_BUDGET)
        except Exception:
            if self.error_score == "raise":
                raise
            for candidate in group.members:  # a fresh fit would fail at the same batch
                self.runs[candidate, group.fold].broken = group.broken
            return BatchChunk([])

    def _job(self, fold: int, cache: dict) -> ScoringJob:
        """The scoring job of ``fold`` this round, made once: ``cache`` keeps the one of
        the fold being dispatched (a fold's groups come one after the other), and drops
        those of the folds done."""
        if cache.get("fold") != fold:
            cache.clear()
            cache["fold"] = fold
        if "job" not in cache:
            train, test = self.splits[fold]
            rows = {"test": test, "train": train} if self.return_train_score else {"test": test}
            cache["job"] = ScoringJob.of_fold(
                self.scorer, (self.X, self.y), rows, self.score_params, self.error_score
            )
        return cache["job"]

    def _replay(self, fold: int, due: set, cache: dict) -> EvalReplay | None:
        """The evaluation passes of the ``due`` candidates on ``fold`` this round, read
        once: ``cache`` keeps them for the fold's other groups (see :meth:`_job`)."""
        keys = frozenset(self.eval_keys[c] for c in due if self.runs[c, fold].broken is None) - {
            None
        }
        if not keys:
            return None
        job = self._job(fold, cache)
        if keys not in cache:
            passes = {}
            for key in keys:
                for name, (X, y, _) in job.parts.items():
                    batches = read_evaluation(self.eval_learners[key], X, y, EVAL_BUDGET)
                    if batches is not None:
                        passes[key, name] = batches
                        self.n_eval_passes[fold] += 1
            cache[keys] = EvalReplay(passes) if passes else None
        return cache[keys]

    def _end_round(self, due: list, results: dict) -> None:
        """Record the rows of the brackets ``due`` and keep their best candidates."""
        for bracket in due:
            rows = [[results[c, f] for f in range(len(self.splits))] for c in bracket.live]
            self._record(bracket, rows)
            bracket.itr += 1
            survivors = bracket.schedule.survivors(len(bracket.live))
            keep: list = []
            if bracket.next_rung is None:
                bracket.n_remaining = survivors
            else:
                means = mean_scores(rows, self.refit_metric)
                keep = [bracket.live[i] for i in top_k(means, survivors)]
            self._drop(set(bracket.live) - set(keep))
            bracket.live = keep

    def _record(self, bracket: _BracketRun, rows: list) -> None:
        """Record one round's rows as scikit-learn's halving search does."""
        out = [result for splits in rows for result in splits]
        _warn_or_raise_about_fit_failures(out, self.error_score)
        if self.insert_errors:
            _insert_error_scores(out, self.error_score)
        bracket.out.extend(out)
        rung = bracket.schedule.rungs[bracket.itr]
        for candidate in bracket.live:
            bracket.params.append({**self.candidates[candidate], "max_batches": rung})
        bracket.iters.extend([bracket.itr] * len(bracket.live))
        bracket.rungs.extend([rung] * len(bracket.live))

    def _drop(self, dropped: set) -> None:
        """Forget the models of ``dropped``; close the streams no one reads any more."""
        for group in self.groups.values():
            group.members = [c for c in group.members if c not in dropped]
            if not group.members:
                group.close()
        for candidate in dropped:
            for fold in range(len(self.splits)):
                self.runs.pop((candidate, fold), None)
