"""Scoring a learner's fitted estimator over its finite evaluation stream (``eval_stream``).

A classifier's ``score`` (scikit-learn's ``ClassifierMixin``: accuracy) and a regressor's
(``RegressorMixin``: R²) are functions of the predictions and the targets only, so they can
be computed over a stream of batches by keeping the predictions, targets and sample weights
of every batch, never the features, and applying the same metric to their concatenation:
the result is the score of the concatenated batches. The k-means score (minus the inertia)
is a sum over samples, so it is the sum of the batches' scores. Any other ``score`` method
(a density's mean log-likelihood, say) is not known to decompose, so the batches are joined
and scored once: exact, at the cost of holding the evaluation data in memory.

``StreamLearner.score`` computes its score this way when ``eval_stream`` is set, and
:func:`stream_scorer` makes a scorer of any metric of the responses to the stream.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.cluster import KMeans
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.validation import _num_samples, check_is_fitted

from ..buffer import concat_batches
from ..exceptions import BatchError, EmptyStreamError
from ._fit_data import describe_data, describe_stream, start_data_stream, stream_random_ints
from ._pipeline import final_step
from ._training import add_note
from ._unpack import check_lengths, unpack_batch

__all__ = [
    "Evaluation",
    "StreamScorer",
    "check_eval_estimator",
    "replayed_evaluations",
    "stream_scorer",
    "streamed_score",
]

_METRICS = {ClassifierMixin.score: accuracy_score, RegressorMixin.score: r2_score}
# Scores that are sums over the samples (KMeans and MiniBatchKMeans share this one): the
# score of the concatenated batches is the sum of the batches' scores.
_SUMMED_SCORES = frozenset({KMeans.score})
_WEIGHTS = frozenset({"sample_weight"})
# The evaluation passes replayed in this context: (learner, X, y, batches) each.
_REPLAYS: ContextVar[tuple] = ContextVar("sklearn_stream_replayed_evaluations", default=())


def _score_method(estimator: Any) -> Any:
    """The ``score`` of ``estimator``'s class; for a Pipeline, of its last step's (which
    ``Pipeline.score`` calls on the transformed batch)."""
    estimator = final_step(estimator)
    if isinstance(estimator, FrozenEstimator):
        estimator = estimator.estimator
    return getattr(type(estimator), "score", None)


def _metric(estimator: Any) -> Any:
    return _METRICS.get(_score_method(estimator))


def check_eval_estimator(estimator: Any) -> None:
    """Raise if ``estimator`` has no ``score`` to compute over an evaluation stream.

    Raises
    ------
    TypeError
        If ``estimator`` has no ``score`` method.
    """
    if not hasattr(estimator, "score"):
        raise TypeError(
            f"eval_stream is set, but {type(estimator).__name__} has no score method to "
            "evaluate with; eval_stream is how score(X, y) streams its data, so it needs an "
            "estimator with score. Leave eval_stream at None for this estimator."
        )


def _concatenate(parts: list) -> Any:
    if any(sp.issparse(part) for part in parts):
        return sp.vstack(parts, format="csr")
    return np.concatenate([np.asarray(part) for part in parts])


class Evaluation:
    """The batches a learner's ``eval_stream`` makes of ``(X, y)``, streamed by :meth:`visit`.

    Parameters
    ----------
    eval_stream : Streamer or callable
        The learner's ``eval_stream``, accepted by ``check_data_stream``.
    random_state : None, int or numpy.random.RandomState
        The learner's ``random_state``; the stream gets the evaluation's int drawn from it.
    X, y : object
        The data given to the stream (``y`` may be None).
    caller : str
        What scores, for messages (``"StreamClassifier.score"``).
    """

    def __init__(self, eval_stream: Any, random_state: Any, X: Any, y: Any, caller: str):
        self.eval_stream = eval_stream
        self.random_state = random_state
        self.X = X
        self.y = y
        self.caller = caller

    @property
    def where(self) -> str:
        """The evaluation stream, the caller and the data, for messages."""
        stream_name = describe_stream("eval_stream", self.eval_stream)
        return f"{stream_name} in {self.caller} on {describe_data(self.X)}"

    def start(self) -> Any:
        """Start the evaluation stream (a generator of raw batches, not yet checked)."""
        data = (self.X,) if self.y is None else (self.X, self.y)
        state = stream_random_ints(self.random_state)[1]
        return start_data_stream(
            self.eval_stream, data, state, None, name="eval_stream", caller=self.caller
        )

    def _replayed(self) -> Any:
        """The batches replayed for this evaluation, or None (see
        :func:`replayed_evaluations`)."""
        for learner, X, y, batches in _REPLAYS.get():
            if (
                X is self.X
                and y is self.y
                and learner.eval_stream is self.eval_stream
                and learner.random_state is self.random_state
            ):
                return (batch for batch in batches)
        return None

    def visit(self, function: Any) -> None:
        """Call ``function(X_batch, y_batch, params, index)`` on every batch; an error (of
        the stream or of ``function``) gets a note naming the stream.

        Raises
        ------
        EmptyStreamError
            If the stream yields no batch.
        """
        where = self.where
        stream = self._replayed()
        if stream is None:
            stream = self.start()
        count = 0
        try:
            for index, batch in enumerate(stream):
                X_batch, y_batch, params = unpack_batch(batch, index, _WEIGHTS)
                check_lengths(X_batch, y_batch, params, index)
                function(X_batch, y_batch, params, index)
                count += 1
        except Exception as exc:
            add_note(exc, f"(raised while scoring on {where})")
            raise
        finally:
            stream.close()
        if count == 0:
            raise EmptyStreamError(f"{where} yielded no batch: there is nothing to score on.")


@contextmanager
def replayed_evaluations(learner: Any, passes: Iterable) -> Iterator[None]:
    """Inside, evaluations of ``learner`` on the given data go over batches already read.

    An :class:`Evaluation` made inside (by ``learner.score``, a :func:`stream_scorer` or a
    scorer calling either) with ``learner``'s own ``eval_stream`` and ``random_state`` and
    exactly the objects ``X`` and ``y`` of one of ``passes`` iterates that pass's batches
    instead of starting the stream again; everything else about it (checks, notes,
    errors) is unchanged. Several models can so be scored from one read of a stream. A
    learner whose ``random_state`` is a ``RandomState`` or ``Generator`` is never
    replayed (each evaluation advances it).

    Parameters
    ----------
    learner : StreamLearner
    passes : iterable of (X, y, list)
        The data an evaluation is given, and the raw batches its stream made of it
        (:meth:`Evaluation.start`, read to its end).

    Examples
    --------
    >>> from sklearn.linear_model import SGDRegressor
    >>> from sklearn_stream.learner import StreamLearner
    >>> from sklearn_stream.learner._scoring import replayed_evaluations
    >>> def chunks(X, y):
    ...     yield {"X": X, "y": y}
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> y = X.sum(axis=1)
    >>> learner = StreamLearner(SGDRegressor(), eval_stream=chunks, random_state=0).fit(X, y)
    >>> with replayed_evaluations(learner, [(X, y, [{"X": X[:5], "y": y[:5]}])]):
    ...     replayed = learner.score(X, y)
    >>> bool(replayed == learner.estimator_.score(X[:5], y[:5]))
    True
    """
    if isinstance(learner.random_state, (np.random.RandomState, np.random.Generator)):
        yield
        return
    token = _REPLAYS.set((*_REPLAYS.get(), *((learner, X, y, b) for X, y, b in passes)))
    try:
        yield
    finally:
        _REPLAYS.reset(token)


def _responses(estimator: Any, evaluation: Evaluation, method: str) -> tuple:
    """``(y_true, responses, sample_weight)`` over every batch of the evaluation stream."""
    respond = getattr(estimator, method)
    responses, targets, weights = [], [], []

    def keep(X_batch: Any, y_batch: Any, params: dict, index: int) -> None:
        if y_batch is None:
            raise BatchError(
                f"batch {index} of the stream has no target ('Y' or 'y'): scoring needs "
                "the true values of every batch."
            )
        responses.append(respond(X_batch))
        targets.append(y_batch)
        weights.append(params.get("sample_weight"))

    evaluation.visit(keep)
    sample_weight = None
    if any(w is not None for w in weights):
        sample_weight = np.concatenate(
            [
                np.ones(_num_samples(r)) if w is None else np.asarray(w, dtype=float)
                for r, w in zip(responses, weights)
            ]
        )
    return _concatenate(targets), _concatenate(responses), sample_weight


def _score_of(estimator: Any, X: Any, y: Any, params: dict) -> float:
    return estimator.score(X, **params) if y is None else estimator.score(X, y, **params)


def _own_score(estimator: Any, evaluation: Evaluation) -> float:
    """The estimator's own ``score`` over the evaluation stream: summed batch by batch when
    it is a sum over samples, else computed once on the joined batches."""
    if _score_method(estimator) in _SUMMED_SCORES:
        scores = []
        evaluation.visit(
            lambda X_b, y_b, params, _: scores.append(_score_of(estimator, X_b, y_b, params))
        )
        return float(np.sum(scores))
    batches = []

    def keep(X_batch: Any, y_batch: Any, params: dict, index: int) -> None:
        fields = {"X": X_batch, **params}
        if y_batch is not None:
            fields["y"] = y_batch
        batches.append(fields)

    evaluation.visit(keep)
    joined = concat_batches(batches)
    X_all, y_all = joined.pop("X"), joined.pop("y", None)
    return float(_score_of(estimator, X_all, y_all, joined))


def streamed_score(estimator: Any, evaluation: Evaluation) -> float:
    """The score of the fitted ``estimator`` over every batch of ``evaluation``; equal to
    its score on the concatenated batches.

    A classifier's accuracy and a regressor's R² keep only predictions and targets; the
    k-means score is summed batch by batch; any other ``score`` is computed once on the
    joined batches (holding the evaluation data in memory).

    Raises
    ------
    BatchError
        For a batch without ``X``, or without a target where the score needs one.
    EmptyStreamError
        If the evaluation stream yields no batch.
    """
    check_eval_estimator(estimator)
    metric = _metric(estimator)
    if metric is None:
        return _own_score(estimator, evaluation)
    y_true, y_pred, sample_weight = _responses(estimator, evaluation, "predict")
    return float(metric(y_true, y_pred, sample_weight=sample_weight))


class StreamScorer:
    """A scorer for searches over seeds: a metric of the responses to ``eval_stream``.

    Made by :func:`stream_scorer`; called as ``scorer(learner, X, y=None)`` like any
    scikit-learn scorer.
    """

    def __init__(self, score_func: Any, response_method: str, sign: int, kwargs: dict):
        self.score_func = score_func
        self.response_method = response_method
        self.sign = sign
        self.kwargs = kwargs

    def __call__(self, estimator: Any, X: Any, y: Any = None) -> float:
        if getattr(estimator, "eval_stream", None) is None:
            raise TypeError(
                f"{self!r} scores a StreamLearner over its eval_stream; got "
                f"{type(estimator).__name__}"
                + ("" if hasattr(estimator, "eval_stream") else " (not a StreamLearner)")
                + " with no eval_stream. Set eval_stream, or use an ordinary scorer."
            )
        check_is_fitted(estimator)
        caller = f"{self!r} of {type(estimator).__name__}"
        evaluation = Evaluation(estimator.eval_stream, estimator.random_state, X, y, caller)
        y_true, responses, weights = _responses(
            estimator.estimator_, evaluation, self.response_method
        )
        kwargs = dict(self.kwargs)
        if weights is not None:
            kwargs["sample_weight"] = weights
        return self.sign * float(self.score_func(y_true, responses, **kwargs))

    def __repr__(self) -> str:
        name = getattr(self.score_func, "__name__", repr(self.score_func))
        return f"stream_scorer({name}, response_method={self.response_method!r})"


def stream_scorer(
    score_func: Any,
    *,
    response_method: str = "predict",
    greater_is_better: bool = True,
    **kwargs: Any,
) -> StreamScorer:
    """Make a scorer that evaluates a learner over its ``eval_stream``, for any metric.

    The counterpart of :func:`sklearn.metrics.make_scorer` for data that is a list of seeds
    (files): ``scorer(learner, X, y)`` streams every batch ``learner.eval_stream`` makes of
    ``(X, y)``, keeps only the estimator's responses (``predict``, ``predict_proba``,
    ``decision_function``, ...) and the batches' targets (and ``sample_weight``), and
    returns ``score_func(targets, responses, **kwargs)`` over all of them together
    (negated when ``greater_is_better`` is False, as scikit-learn's scorers are). Use it
    as ``GridSearchCV(..., scoring=stream_scorer(mean_squared_error,
    greater_is_better=False))``: ordinary scorers such as ``scoring="r2"`` call
    ``predict`` on ``X``, which holds seeds, not features.

    Parameters
    ----------
    score_func : callable
        ``score_func(y_true, y_response, **kwargs)``, e.g.
        :func:`sklearn.metrics.mean_absolute_error` or :func:`sklearn.metrics.roc_auc_score`.
    response_method : str, default="predict"
        The estimator's method whose output ``score_func`` takes, passed as the method
        returns it (``predict_proba`` gives one column per class: for a binary
        ``roc_auc_score``, use ``"decision_function"``).
    greater_is_better : bool, default=True
    **kwargs
        Passed to ``score_func``.

    Returns
    -------
    StreamScorer

    Examples
    --------
    >>> from sklearn.linear_model import SGDRegressor
    >>> from sklearn.metrics import mean_absolute_error
    >>> from sklearn_stream.learner import StreamLearner, stream_scorer
    >>> def chunks(X, y, size=10):
    ...     for start in range(0, len(X), size):
    ...         yield {"X": X[start : start + size], "y": y[start : start + size]}
    >>> X = np.random.default_rng(0).normal(size=(50, 2))
    >>> y = X @ [1.0, 2.0]
    >>> learner = StreamLearner(SGDRegressor(), eval_stream=chunks, random_state=0).fit(X, y)
    >>> scorer = stream_scorer(mean_absolute_error, greater_is_better=False)
    >>> scorer
    stream_scorer(mean_absolute_error, response_method='predict')
    >>> bool(scorer(learner, X, y) == -mean_absolute_error(y, learner.predict(X)))
    True
    """
    if not callable(score_func):
        raise TypeError(f"score_func must be a callable metric; got {score_func!r}.")
    if not isinstance(response_method, str):
        raise TypeError(f"response_method must be a method name; got {response_method!r}.")
    return StreamScorer(score_func, response_method, 1 if greater_is_better else -1, kwargs)
