"""``StreamHalvingSearchCV`` and ``StreamHyperbandSearchCV``: successive halving over
batches trained, and Hyperband's brackets of it, continuing the survivors instead of
retraining them.
"""

from abc import abstractmethod
from functools import partial
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.base import _fit_context, clone, is_classifier
from sklearn.model_selection import ParameterSampler, check_cv
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils import indexable
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.parallel import delayed
from sklearn.utils.validation import _check_method_params

from ._candidates import as_learner, candidate_list, check_candidates, prefixed
from ._results import best_index
from ._rounds import RoundEngine
from ._schedule import halving_schedule, hyperband_brackets
from ._tasks import early_fit_whole, fit_whole, writable

__all__ = ["StreamHalvingSearchCV", "StreamHyperbandSearchCV"]

_CONSTRAINTS = {
    name: rule
    for name, rule in BaseSearchCV._parameter_constraints.items()
    if name not in ("pre_dispatch", "estimator", "refit")
}


class _BaseStreamSearchCV(BaseSearchCV):
    """The fit shared by the adaptive searches: candidates, brackets, rounds, refit.

    A subclass says which candidates and brackets it runs (:meth:`_plan`), and sets its
    schedule's attributes (:meth:`_set_schedule`).
    """

    _parameter_constraints: ClassVar[dict] = {
        **_CONSTRAINTS,
        # as_learner says how to search an estimator without partial_fit (a Pipeline)
        "estimator": [HasMethods(["fit"])],
        "factor": [Interval(Real, 1, None, closed="neither")],
        "min_batches": [Interval(Integral, 1, None, closed="left"), None],
        "max_batches": [Interval(Integral, 1, None, closed="left"), None],
        "refit": ["boolean", str],
        "random_state": ["random_state"],
        "return_train_score": ["boolean"],
    }
    # Whether cv_results_ has a "bracket" column.
    _with_bracket = False

    @abstractmethod
    def _plan(self, max_batches: int) -> tuple:
        """``(candidates, brackets)``: the candidates, given to the brackets in order."""

    @abstractmethod
    def _set_schedule(self, brackets: list, engine: RoundEngine) -> None:
        """Set the attributes that describe the schedule run (``n_resources_``, ...)."""

    def _resources(self, learner: Any) -> int:
        """The most batches a candidate trains on, checked against ``min_batches``."""
        max_batches = self.max_batches if self.max_batches is not None else learner.max_batches
        if max_batches is None:
            raise ValueError(
                f"{type(self).__name__} needs the most batches a candidate may train on: "
                "set max_batches on the search (or on the StreamLearner it searches)."
            )
        if self.min_batches is not None and self.min_batches > max_batches:
            raise ValueError(
                f"min_batches={self.min_batches} is greater than max_batches={max_batches}: "
                "the first round would train on more batches than any round may."
            )
        return max_batches

    def _check_refit(self) -> None:
        multimetric = not (
            self.scoring is None or isinstance(self.scoring, str) or callable(self.scoring)
        )
        if multimetric and not isinstance(self.refit, str):
            raise ValueError(
                f"With several metrics (scoring={self.scoring!r}), refit must name the one "
                f"that chooses the candidates going on to the next round; got "
                f"refit={self.refit!r}."
            )

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: Any, y: Any = None, **params: Any) -> "_BaseStreamSearchCV":
        """Run the rounds on ``(X, y)``, then refit the best candidate on all of it.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            The data, or what the learner's ``stream`` takes (e.g. a 1-D array of files).
        y : array-like of shape (n_samples,) or None, default=None
        **params
            ``groups`` for the splitter; the rest goes to the learner's ``fit``.

        Returns
        -------
        self : object
            The fitted search.

        Raises
        ------
        ValueError
            If ``max_batches`` is a searched parameter, is not set, is below
            ``min_batches``, several metrics are given without ``refit`` naming one, or
            every fit fails.
        """
        self._check_refit()
        learner, prefix = as_learner(self.estimator, self.max_batches or 1, self.random_state)
        max_batches = self._resources(learner)
        if prefix:
            learner.set_params(n_epochs=max_batches)
        candidates, brackets = self._plan(max_batches)
        check_candidates(candidates)
        scorers, refit_metric = self._get_scorers()
        X, y = indexable(X, y)
        params = _check_method_params(X, params=params)
        routed = self._get_routed_params_for_fit(params)
        cv = check_cv(self.cv, y, classifier=is_classifier(learner))
        splits = list(cv.split(X, y, **routed.splitter.split))
        self.n_splits_ = len(splits)
        self._describe(brackets)
        ends = np.cumsum([bracket.n_candidates[0] for bracket in brackets])
        members = [
            list(range(end - bracket.n_candidates[0], end)) for bracket, end in zip(brackets, ends)
        ]
        engine = RoundEngine(
            learner,
            prefix,
            candidates,
            splits,
            X,
            y,
            routed.estimator.fit,
            routed.scorer.score,
            brackets,
            members,
            scorer=scorers,
            refit_metric=self.refit if isinstance(self.refit, str) else None,
            error_score=self.error_score,
            return_train_score=self.return_train_score,
            n_jobs=self.n_jobs,
            insert_errors=callable(self.scoring),
        )
        if self.refit:  # a last round of one candidate refits it meanwhile (_refit_task)
            fit_data = (X, y, routed.estimator.fit)
            last = brackets[0].rungs[-1]  # the task is used with a single bracket only
            engine.early_task = partial(
                self._refit_task, learner, prefix, candidates, last, fit_data
            )
        engine.run()
        params, out, more = engine.rows(with_bracket=self._with_bracket)
        results = self._format_results(params, self.n_splits_, out, more)
        self._set_schedule(brackets, engine)
        self.n_batches_trained_ = engine.n_batches_trained
        self.n_batches_read_ = np.array(engine.n_batches_read)
        self.n_eval_passes_ = np.array(engine.n_eval_passes)
        self.multimetric_ = isinstance(out[0]["test_scores"], dict)
        metric = self.refit if self.multimetric_ else refit_metric
        self.best_index_ = best_index(results, metric)
        self.best_score_ = results[f"mean_test_{metric}"][self.best_index_]
        self.best_params_ = results["params"][self.best_index_]
        if self.refit:
            self._refit(learner, prefix, X, y, routed.estimator.fit, engine.early_result)
        self.scorer_ = getattr(scorers, "_scorers", scorers)
        self.cv_results_ = results
        return self

    def _describe(self, brackets: list) -> None:
        if not self.verbose:
            return
        for bracket in brackets:
            label = f"bracket {bracket.s}: " if self._with_bracket else ""
            print(
                f"{label}n_iterations: {len(bracket.rungs)}\n"
                f"{label}n_resources: {bracket.rungs}\n"
                f"{label}n_candidates: {bracket.n_candidates}"
            )

    @staticmethod
    def _refit_learner(learner: Any, prefix: str, params: dict) -> Any:
        """A clone of ``learner`` with a candidate's ``params`` (``max_batches`` included)."""
        params = dict(params)
        max_batches = params.pop("max_batches")
        return clone(learner).set_params(
            **prefixed(clone(params, safe=False), prefix), max_batches=max_batches
        )

    def _refit_task(
        self,
        learner: Any,
        prefix: str,
        candidates: list,
        last: int,
        fit_data: tuple,
        candidate: int,
    ) -> Any:
        """The refit of ``candidate``, the only one in the last round of a single bracket
        and so the winner whatever its scores, as a joblib task that runs with that
        round's tasks instead of after them."""
        params = {**candidates[candidate], "max_batches": last}
        return delayed(early_fit_whole)(self._refit_learner(learner, prefix, params), *fit_data)

    def _refit(
        self, learner: Any, prefix: str, X: Any, y: Any, fit_params: dict, early: Any
    ) -> None:
        """Fit the best candidate on all the data, to its final batches (or take the fit
        made with the last round, ``early``)."""
        if early is None:  # no early refit, or it failed: this raises its error again
            early = fit_whole(self._refit_learner(learner, prefix, self.best_params_), X, y,
                              fit_params)  # fmt: skip
        estimator, self.refit_time_ = early
        # a model made in a worker may come back with read-only arrays (Ray): the user's
        # best_estimator_ must take partial_fit
        self.best_estimator_ = writable(estimator)
        if hasattr(estimator, "feature_names_in_"):
            self.feature_names_in_ = estimator.feature_names_in_


class StreamHalvingSearchCV(_BaseStreamSearchCV):
    """Successive halving over the batches trained, continuing the survivors' training.

    Every candidate trains on ``min_batches`` batches of each fold and is scored; the best
    ``1 / factor`` of them go on and *continue* training, from where they stopped, on the
    next batches of the same stream, to ``factor`` times as many batches, and so on up to
    ``max_batches``. Continuing is exact: a candidate's score after ``r`` batches equals
    that of a fresh fit with ``max_batches=r``, so the search gives the ``cv_results_``,
    survivors and winner of ``HalvingGridSearchCV(learner, resource="max_batches")``, at
    the cost of the survivors' final batches only. (``return_train_score`` defaults to
    False here, and to True in ``HalvingGridSearchCV``: set it alike for the same
    ``cv_results_`` columns.) Candidates that stream the same batches
    (the same fold and stream parameters) share one read of the stream.

    Parameters
    ----------
    estimator : StreamLearner or estimator with partial_fit
        A :class:`~sklearn_stream.StreamLearner` (with ``stream`` and
        ``eval_stream``, or in-memory ``fit``); any other estimator with ``partial_fit``
        is wrapped in ``StreamLearner(estimator, batch_size=256, n_epochs=max_batches,
        random_state=random_state)`` (so that in-memory data's epochs never run out before
        ``max_batches``) and the grid names its own parameters (``alpha``, not
        ``estimator__alpha``).
    param_grid : dict or list of dicts
        The candidates' parameters (a grid); with ``n_candidates``, distributions or lists
        to sample from, as :class:`~sklearn.model_selection.RandomizedSearchCV` does.
        ``max_batches`` cannot be among them: it is the resource.
    n_candidates : int >= 1 or None, default=None
        Sample this many candidates from ``param_grid`` (with ``random_state``), as
        ``HalvingRandomSearchCV(n_candidates=...)`` does; None searches the whole grid.
    factor : float > 1, default=3
        The rounds keep ``ceil(n / factor)`` candidates and multiply the batches by it.
    min_batches : int >= 1 or None, default=None
        The batches of the first round; None starts as high as the rounds needed allow
        (scikit-learn's ``min_resources="exhaust"``).
    max_batches : int >= 1 or None, default=None
        The most batches a candidate trains on; None takes the learner's ``max_batches``.
    aggressive_elimination : bool, default=False
        Repeat the first round's batches while too many candidates remain for the rounds
        the batches allow.
    cv : int, cross-validation generator or iterable, default=5
        As in :class:`~sklearn.model_selection.GridSearchCV`; ``groups`` is passed to its
        ``split``. The splits are computed once.
    scoring : str, callable, list, tuple, dict or None, default=None
        As in :class:`~sklearn.model_selection.GridSearchCV`; several metrics need
        ``refit`` to name the one that chooses the survivors.
    n_jobs : int or None, default=None
        Parallel tasks of each round, through joblib (any backend: loky, dask, Ray).
    refit : bool or str, default=True
        Refit the best candidate on all the data (to its final batches); with several
        metrics, the name of the one that chooses.
    random_state : None, int or numpy.random.RandomState, default=None
        Samples the candidates (``n_candidates``) and seeds a wrapped estimator's learner.
        A learner's own ``random_state`` seeds its streams.
    verbose : int, default=0
    error_score : "raise" or float, default=np.nan
        The score of a candidate whose fit fails on a fold, from the round where it fails.
    return_train_score : bool, default=False
        Also score the training part of each fold (it is read once more per round).
        ``HalvingGridSearchCV`` defaults to True.

    Attributes
    ----------
    cv_results_ : dict of arrays
        scikit-learn's halving layout: ``iter``, ``n_resources`` (batches), ``params``
        (with ``max_batches``), ``param_*``, ``split{k}_test_score``, ``mean_test_score``,
        ``std_test_score``, ``rank_test_score``, ``mean_fit_time`` (training time of the
        round), ...
    best_estimator_ : StreamLearner
    best_score_ : float
    best_params_ : dict
    best_index_ : int
    scorer_ : callable or dict
    n_splits_ : int
    refit_time_ : float
    multimetric_ : bool
    n_resources_ : list of int
        The batches of each round.
    n_candidates_ : list of int
        The candidates of each round.
    n_remaining_candidates_ : int
    n_iterations_, n_required_iterations_, n_possible_iterations_ : int
    min_resources_, max_resources_ : int
    n_batches_trained_ : int
        Batches trained over every fold and candidate (``partial_fit`` calls).
    n_batches_read_ : ndarray of shape (n_splits,)
        Training batches read from the streams, per fold.
    n_eval_passes_ : ndarray of shape (n_splits,)
        Passes of ``eval_stream`` over the held-out parts read (once a round, for every
        model scored), per fold.

    See Also
    --------
    sklearn.model_selection.HalvingGridSearchCV : retrains every survivor from scratch.

    Notes
    -----
    With ``eval_stream``, a fold's held-out part is streamed once a round by the process
    running the search and replayed to every model scored on it (up to 256 MiB of
    batches; beyond, each model streams it itself). ``mean_fit_time`` is the training
    time of the row's round only. ``StreamHyperbandSearchCV`` runs Hyperband's brackets
    of this search.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn_stream.learner import StreamLearner
    >>> from sklearn_stream.model_selection import StreamHalvingSearchCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 4))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> learner = StreamLearner(SGDClassifier(), batch_size=20, random_state=0)
    >>> grid = {"estimator__alpha": [1e-4, 1e-2, 1.0]}
    >>> search = StreamHalvingSearchCV(learner, grid, max_batches=9, cv=3).fit(X, y)
    >>> search.n_resources_, search.n_candidates_
    ([3, 9], [3, 1])
    >>> search.best_params_["max_batches"], search.n_batches_trained_
    (9, 45)
    """

    _parameter_constraints: ClassVar[dict] = {
        **_BaseStreamSearchCV._parameter_constraints,
        "param_grid": [dict, list],
        "n_candidates": [Interval(Integral, 1, None, closed="left"), None],
        "aggressive_elimination": ["boolean"],
    }

    def __init__(
        self,
        estimator: Any,
        param_grid: Any,
        *,
        n_candidates: int | None = None,
        factor: float = 3,
        min_batches: int | None = None,
        max_batches: int | None = None,
        aggressive_elimination: bool = False,
        cv: Any = 5,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: bool | str = True,
        random_state: Any = None,
        verbose: int = 0,
        error_score: Any = np.nan,
        return_train_score: bool = False,
    ) -> None:
        super().__init__(
            estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_grid = param_grid
        self.n_candidates = n_candidates
        self.factor = factor
        self.min_batches = min_batches
        self.max_batches = max_batches
        self.aggressive_elimination = aggressive_elimination
        self.random_state = random_state

    def _plan(self, max_batches: int) -> tuple:
        candidates = candidate_list(self.param_grid, self.n_candidates, self.random_state)
        bracket = halving_schedule(
            len(candidates),
            self.min_batches,
            max_batches,
            self.factor,
            self.aggressive_elimination,
        )
        return candidates, [bracket]

    def _set_schedule(self, brackets: list, engine: RoundEngine) -> None:
        (bracket,) = brackets
        self.n_resources_ = list(bracket.rungs)
        self.n_candidates_ = list(bracket.n_candidates)
        self.n_remaining_candidates_ = engine.n_remaining[0]
        self.n_iterations_ = len(bracket.rungs)
        self.n_required_iterations_ = bracket.n_required
        self.n_possible_iterations_ = bracket.n_possible
        self.min_resources_ = bracket.min_batches
        self.max_resources_ = bracket.max_batches


class StreamHyperbandSearchCV(_BaseStreamSearchCV):
    """Hyperband over the batches trained: brackets of successive halving, continuing the
    survivors' training, all from one read of each fold's stream.

    Hyperband hedges over how early candidates can be told apart: bracket ``s`` (from
    ``s_max``, the largest ``s`` with ``factor ** s <= max_batches // min_batches``, down
    to 0) starts ``ceil((s_max + 1) / (s + 1) * factor ** s)`` candidates on
    ``max_batches // factor ** s`` batches and halves them over ``s + 1`` rounds, as
    :class:`~sklearn_stream.model_selection.StreamHalvingSearchCV` does; the last
    bracket trains a few candidates on ``max_batches`` from the start. The candidates
    are sampled from ``param_distributions`` all at once and given to the brackets in
    order. The brackets run in lock-step by batches, so each fold's stream is read once
    for all of them. The winner is the best candidate of any bracket's last round.

    A bracket's rows of ``cv_results_`` are those of
    ``HalvingGridSearchCV(learner, resource="max_batches")`` over its candidates,
    ``min_resources`` and ``max_resources`` when ``factor`` is a whole number and the
    bracket got all the candidates it starts with. Otherwise they differ from the round
    where ``HalvingGridSearchCV`` would stop, as a bracket always runs its ``s + 1``
    rounds: with a ``factor`` that is not a whole number (``factor=2.5``), ``max_batches
    // factor ** s`` is rounded down and may leave fewer rounds to ``HalvingGridSearchCV``;
    when ``param_distributions`` holds lists only, with fewer combinations than the
    brackets start (the candidates are then those combinations, given to the brackets in
    order), a bracket may get fewer candidates than ``factor ** s``, which
    ``HalvingGridSearchCV`` halves in fewer rounds.

    Parameters
    ----------
    estimator : StreamLearner or estimator with partial_fit
        As in :class:`~sklearn_stream.model_selection.StreamHalvingSearchCV`.
    param_distributions : dict or list of dicts
        Distributions (with ``rvs``) or lists to sample the candidates from, as
        :class:`~sklearn.model_selection.RandomizedSearchCV` does. ``max_batches``
        cannot be among them.
    max_batches : int >= 1
        The most batches a candidate trains on (Hyperband's ``R``).
    factor : float > 1, default=3
        The rounds keep ``ceil(n / factor)`` candidates and multiply the batches by it.
    min_batches : int >= 1, default=1
        The fewest batches any round trains on.
    cv : int, cross-validation generator or iterable, default=5
        As in :class:`~sklearn.model_selection.GridSearchCV`; computed once.
    scoring : str, callable, list, tuple, dict or None, default=None
        Several metrics need ``refit`` to name the one that chooses.
    n_jobs : int or None, default=None
        Parallel tasks of each round, through joblib (any backend: loky, dask, Ray).
    refit : bool or str, default=True
        Refit the best candidate on all the data (to its final batches).
    random_state : None, int or numpy.random.RandomState, default=None
        Samples the candidates (and seeds a wrapped estimator's learner).
    verbose : int, default=0
    error_score : "raise" or float, default=np.nan
    return_train_score : bool, default=False
        ``HalvingGridSearchCV`` defaults to True.

    Attributes
    ----------
    cv_results_ : dict of arrays
        The halving layout of
        :class:`~sklearn_stream.model_selection.StreamHalvingSearchCV`, rows ordered by
        bracket (``s_max`` first), round and rank, with a ``bracket`` column (``s``).
        Ranks are over all the rows.
    best_estimator_ : StreamLearner
    best_score_ : float
    best_params_ : dict
    best_index_ : int
    scorer_ : callable or dict
    n_splits_ : int
    refit_time_ : float
    multimetric_ : bool
    n_brackets_ : int
    n_resources_, n_candidates_ : list of lists of int
        Each bracket's batches and candidates per round.
    n_remaining_candidates_ : list of int
    n_iterations_, n_required_iterations_, n_possible_iterations_ : list of int
    min_resources_, max_resources_ : list of int
        Each bracket's first and largest batches.
    n_batches_trained_ : int
    n_batches_read_ : ndarray of shape (n_splits,)
        Training batches read from the streams, per fold: at most ``max_batches`` per
        training stream, whatever the brackets.
    n_eval_passes_ : ndarray of shape (n_splits,)

    See Also
    --------
    sklearn_stream.model_selection.StreamHalvingSearchCV : one bracket, over a grid or
        sampled candidates.

    Notes
    -----
    Every bracket's first-round models are held at once (about ``(s_max + 1) *
    factor ** s_max`` per fold, not all trained alike); a bracket's candidates are
    dropped as it eliminates them. Brackets whose candidates' logarithms fall on
    scikit-learn's floating-point quirk (``floor(log(243, 3)) == 4``) still run
    ``s + 1`` rounds here.

    References
    ----------
    L. Li, K. Jamieson, G. DeSalvo, A. Rostamizadeh, A. Talwalkar. "Hyperband: A Novel
    Bandit-Based Approach to Hyperparameter Optimization", JMLR 18 (2018).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.stats import loguniform
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn_stream.learner import StreamLearner
    >>> from sklearn_stream.model_selection import StreamHyperbandSearchCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 4))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> learner = StreamLearner(SGDClassifier(), batch_size=20, random_state=0)
    >>> space = {"estimator__alpha": loguniform(1e-5, 1.0)}
    >>> search = StreamHyperbandSearchCV(
    ...     learner, space, max_batches=9, cv=3, random_state=0
    ... ).fit(X, y)
    >>> search.n_resources_, search.n_candidates_
    ([[1, 3, 9], [3, 9], [9]], [[9, 3, 1], [5, 2], [3]])
    >>> sorted(set(search.cv_results_["bracket"].tolist()))
    [0, 1, 2]
    >>> int(search.n_batches_read_[0])
    9
    """

    _parameter_constraints: ClassVar[dict] = {
        **_BaseStreamSearchCV._parameter_constraints,
        "param_distributions": [dict, list],
        "max_batches": [Interval(Integral, 1, None, closed="left")],
        "min_batches": [Interval(Integral, 1, None, closed="left")],
    }
    _with_bracket = True

    def __init__(
        self,
        estimator: Any,
        param_distributions: Any,
        *,
        max_batches: int,
        factor: float = 3,
        min_batches: int = 1,
        cv: Any = 5,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: bool | str = True,
        random_state: Any = None,
        verbose: int = 0,
        error_score: Any = np.nan,
        return_train_score: bool = False,
    ) -> None:
        super().__init__(
            estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_distributions = param_distributions
        self.max_batches = max_batches
        self.factor = factor
        self.min_batches = min_batches
        self.random_state = random_state

    def _plan(self, max_batches: int) -> tuple:
        planned = hyperband_brackets(max_batches, self.factor, self.min_batches)
        n_candidates = sum(bracket.n_candidates[0] for bracket in planned)
        sampler = ParameterSampler(
            self.param_distributions, n_candidates, random_state=self.random_state
        )
        candidates = list(sampler)
        brackets = hyperband_brackets(
            max_batches, self.factor, self.min_batches, n_available=len(candidates)
        )
        return candidates, brackets

    def _set_schedule(self, brackets: list, engine: RoundEngine) -> None:
        self.n_brackets_ = len(brackets)
        self.n_resources_ = [list(bracket.rungs) for bracket in brackets]
        self.n_candidates_ = [list(bracket.n_candidates) for bracket in brackets]
        self.n_remaining_candidates_ = engine.n_remaining
        self.n_iterations_ = [len(bracket.rungs) for bracket in brackets]
        self.n_required_iterations_ = [bracket.n_required for bracket in brackets]
        self.n_possible_iterations_ = [bracket.n_possible for bracket in brackets]
        self.min_resources_ = [bracket.min_batches for bracket in brackets]
        self.max_resources_ = [bracket.max_batches for bracket in brackets]
