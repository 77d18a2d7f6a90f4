"""Scoring a fitted learner over a finite evaluation stream (``eval_stream``).

A classifier's ``score`` (scikit-learn's ``ClassifierMixin``: accuracy) and a regressor's
(``RegressorMixin``: R²) are functions of the predictions and the targets only, so they can
be computed over a stream of batches by keeping the predictions, targets and sample weights
of every batch, never the features, and applying the same metric to their concatenation:
the result is the score of the concatenated batches. Other ``score`` methods (a clusterer's
inertia, a density's log-likelihood) are not known to decompose this way and are rejected
when the learner is fitted (see :func:`check_eval_estimator`).
"""

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.validation import _num_samples

from ._fit_streams import describe_data, describe_stream, start_data_stream
from ._unpack import unpack_batch
from .exceptions import BatchError, EmptyStreamError

__all__ = ["check_eval_estimator", "streamed_score"]

_METRICS = {ClassifierMixin.score: accuracy_score, RegressorMixin.score: r2_score}
_WEIGHTS = frozenset({"sample_weight"})


def _metric(estimator: Any) -> Any:
    return _METRICS.get(getattr(type(estimator), "score", None))


def check_eval_estimator(estimator: Any) -> None:
    """Raise if ``estimator``'s score cannot be computed over an evaluation stream.

    Raises
    ------
    TypeError
        If ``estimator`` has no ``score``, or its ``score`` is not scikit-learn's classifier
        accuracy or regressor R².
    """
    name = type(estimator).__name__
    if not hasattr(estimator, "score"):
        raise TypeError(
            f"eval_stream is set, but {name} has no score method to evaluate with; "
            "eval_stream accepts estimators whose score is scikit-learn's classifier accuracy "
            "(ClassifierMixin.score) or regressor R² (RegressorMixin.score). Leave eval_stream "
            "at None for this estimator."
        )
    if _metric(estimator) is None:
        raise TypeError(
            f"eval_stream is set, but {name}.score is its own method, which cannot be computed "
            "batch by batch from predictions; eval_stream accepts estimators whose score is "
            "scikit-learn's classifier accuracy (ClassifierMixin.score) or regressor R² "
            "(RegressorMixin.score). Leave eval_stream at None for this estimator."
        )


def _concatenate(parts: list) -> Any:
    if any(sp.issparse(part) for part in parts):
        return sp.vstack(parts, format="csr")
    return np.concatenate([np.asarray(part) for part in parts])


def streamed_score(learner: Any, X: Any, y: Any, seed: int | None) -> float:
    """The score of ``learner.estimator_`` over every batch ``learner.eval_stream`` makes of
    ``(X, y)``; equal to the score of the concatenated batches.

    Raises
    ------
    BatchError
        For a batch without ``X`` or without a target.
    EmptyStreamError
        If the evaluation stream yields no batch.
    """
    estimator = learner.estimator_
    metric = _metric(estimator)
    data = (X,) if y is None else (X, y)
    stream_name = describe_stream("eval_stream", learner.eval_stream)
    where = f"{stream_name} in {type(learner).__name__}.score on {describe_data(X)}"
    predictions, targets, weights = [], [], []
    stream = start_data_stream(learner.eval_stream, data, seed, None)
    try:
        for index, batch in enumerate(stream):
            X_batch, y_batch, params = unpack_batch(batch, index, _WEIGHTS)
            if y_batch is None:
                raise BatchError(
                    f"batch {index} of the stream has no target ('Y' or 'y'): scoring needs "
                    "the true values of every batch."
                )
            predictions.append(estimator.predict(X_batch))
            targets.append(y_batch)
            weights.append(params.get("sample_weight"))
    except Exception as exc:
        exc.add_note(f"(raised while scoring on {where})")
        raise
    finally:
        stream.close()
    if not predictions:
        raise EmptyStreamError(f"{where} yielded no batch: there is nothing to score on.")
    sample_weight = None
    if any(w is not None for w in weights):
        sample_weight = np.concatenate(
            [
                np.ones(_num_samples(p)) if w is None else np.asarray(w, dtype=float)
                for p, w in zip(predictions, weights)
            ]
        )
    return float(
        metric(_concatenate(targets), _concatenate(predictions), sample_weight=sample_weight)
    )
