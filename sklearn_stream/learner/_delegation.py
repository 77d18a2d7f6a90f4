"""Methods and attributes a ``StreamLearner`` hands over to its (fitted) estimator.

Each method exists exactly when the wrapped estimator has it (``available_if``), so
``hasattr(learner, "predict_proba")`` tells the truth, and each returns what the same
method of ``estimator_`` returns. Tags and metadata routing come from the estimator too.
"""

import copy
import inspect
from typing import Any

import numpy as np
from sklearn.utils import get_tags
from sklearn.utils._available_if import available_if
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping
from sklearn.utils.validation import _estimator_has, check_is_fitted

from ._fit_data import check_data_stream
from ._scoring import streamed_score
from ._training import add_note

__all__ = ["DelegatedMethods"]


_SEEDS_NOTE = (
    "({name}.{method} got a 1-D X and failed. {method} takes the estimator's features, not "
    "the seeds (e.g. file paths) that stream and eval_stream take. With eval_stream set, "
    "score(seeds) streams the evaluation, so a search over seeds must use scoring=None "
    "(the learner's score) or sklearn_stream.learner.stream_scorer(metric); scoring='r2' "
    "and other scikit-learn scorers call predict on X.)"
)


def _one_dimensional(X: Any) -> bool:
    shape = getattr(X, "shape", None)
    if shape is not None:
        return len(shape) == 1
    try:
        return np.ndim(X) == 1
    except Exception:  # ragged or exotic input: not ours to judge
        return False


def _can_set_output(learner: Any) -> bool:
    return _estimator_has("set_output")(learner) and _estimator_has("transform")(learner)


def _delegate(method: str, summary: str, x_type: str, returns: str) -> Any:
    """A method that calls ``estimator_.<method>(X, **params)``, there when the estimator
    has ``method`` (``available_if``), with its own numpydoc docstring."""

    def delegated(self: Any, X: Any, **params: Any) -> Any:
        return self._call(method, X, **params)

    delegated.__name__ = method
    delegated.__qualname__ = f"DelegatedMethods.{method}"
    delegated.__doc__ = (
        f"{summary}\n\nParameters\n----------\nX : {x_type}\n**params\n"
        f"    Passed to ``estimator_.{method}``.\n\nReturns\n-------\n{returns}\n"
    )
    return available_if(_estimator_has(method))(delegated)


_X = "array-like or sparse matrix of shape (n_samples, n_features)"


class DelegatedMethods:
    """Mixin: prediction, transformation, fitted attributes, tags and routing."""

    # -- scikit-learn protocols ------------------------------------------------------------
    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        if not hasattr(self.estimator, "__sklearn_tags__") or inspect.isclass(self.estimator):
            return tags
        try:
            tags = copy.deepcopy(get_tags(self.estimator))
        except Exception:  # an invalid estimator: fit will reject it with a clear message
            return tags
        tags.requires_fit = True
        return tags

    def get_metadata_routing(self) -> MetadataRouter:
        """Route metadata of ``fit`` and ``partial_fit`` to the estimator's ``partial_fit``.

        Returns
        -------
        sklearn.utils.metadata_routing.MetadataRouter
        """
        return MetadataRouter(owner=self).add(
            estimator=self.estimator,
            method_mapping=MethodMapping()
            .add(caller="fit", callee="partial_fit")
            .add(caller="partial_fit", callee="partial_fit"),
        )

    # -- fitted attributes that follow the estimator -----------------------------------------
    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: fitted attributes (``classes_``, ``coef_``,
        # ``n_features_in_``, ``offset_``, ...) not set on the learner itself are those of
        # ``estimator_``; before fitting they do not exist.
        if name.startswith("_") or not name.endswith("_") or name == "estimator_":
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        if name == "labels_" and self.__dict__.get("_labels_unknown"):
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute 'labels_': it was trained "
                "from a stream (fit with stream set, or iter_fit), whose samples it does not "
                "keep, so it cannot label them all (estimator_.labels_ would label the last "
                "batch only). Label data with predict(X), or fit(X) with stream=None to get "
                "labels_ of X."
            )
        try:
            estimator = self.__dict__["estimator_"]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r} (not fitted yet)"
            ) from None
        try:
            return getattr(estimator, name)
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}, and neither has "
                f"its estimator_ ({type(estimator).__name__})"
            ) from None

    def _call(self, method: str, X: Any, *args: Any, **params: Any) -> Any:
        check_is_fitted(self)
        try:
            return getattr(self.estimator_, method)(X, *args, **params)
        except Exception as exc:
            if _one_dimensional(X) and (
                getattr(self, "stream", None) is not None
                or getattr(self, "eval_stream", None) is not None
            ):
                add_note(exc, _SEEDS_NOTE.format(method=method, name=type(self).__name__))
            raise

    # -- prediction and transformation, straight from estimator_ ------------------------
    predict = _delegate("predict", "Predict with ``estimator_``.", _X, "ndarray")
    predict_proba = _delegate(
        "predict_proba",
        "Class probabilities from ``estimator_``.",
        _X,
        "ndarray of shape (n_samples, n_classes)",
    )
    predict_log_proba = _delegate(
        "predict_log_proba",
        "Log class probabilities from ``estimator_``.",
        _X,
        "ndarray of shape (n_samples, n_classes)",
    )
    decision_function = _delegate(
        "decision_function", "Decision function of ``estimator_``.", _X, "ndarray"
    )
    score_samples = _delegate(
        "score_samples",
        "Per-sample scores of ``estimator_``.",
        _X,
        "ndarray of shape (n_samples,)",
    )
    transform = _delegate("transform", "Transform ``X`` with ``estimator_``.", _X, "array-like")
    inverse_transform = _delegate(
        "inverse_transform",
        "Undo the transformation with ``estimator_``.",
        "array-like or sparse matrix",
        "array-like",
    )

    @available_if(_estimator_has("score"))
    def score(self, X: Any, y: Any = None, **params: Any) -> float:
        """Score of ``estimator_`` on ``(X, y)``, or over the ``eval_stream`` of ``(X, y)``.

        With ``eval_stream`` set, streams every batch of the finite stream that
        ``eval_stream`` makes of ``(X, y)`` and returns the estimator's score (accuracy or
        R², weighted by the batches' ``sample_weight`` if they have one) of all of them
        together, keeping only the predictions and targets in memory.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            With ``eval_stream`` set, whatever its function takes (e.g. file paths).
        y : array-like or None, default=None
        **params
            Passed to ``estimator_.score`` (e.g. ``sample_weight``); not accepted with
            ``eval_stream`` set.

        Returns
        -------
        float

        Raises
        ------
        sklearn_stream.exceptions.EmptyStreamError
            If the evaluation stream yields no batch.
        sklearn_stream.exceptions.BatchError
            If one of its batches has no ``X`` or no target.

        Examples
        --------
        >>> from sklearn.linear_model import SGDClassifier
        >>> from sklearn_stream import Streamer
        >>> from sklearn_stream.learner import StreamLearner
        >>> def chunks(X, y, size=10):
        ...     for start in range(0, len(X), size):
        ...         yield {"X": X[start : start + size], "y": y[start : start + size]}
        >>> X = np.random.default_rng(0).normal(size=(95, 2))
        >>> y = (X[:, 0] > 0).astype(int)
        >>> model = StreamLearner(SGDClassifier(), eval_stream=Streamer(chunks), random_state=0)
        >>> model.fit(X, y).score(X, y) == model.estimator_.score(X, y)
        True
        """
        check_is_fitted(self)
        if getattr(self, "eval_stream", None) is None:
            return self._call("score", X, y, **params)
        if params:
            raise TypeError(
                f"score got {sorted(params)} while eval_stream is set: the evaluation stream "
                "makes its own batches, so put sample_weight in each batch instead."
            )
        check_data_stream(self.eval_stream, "eval_stream")
        return streamed_score(self, X, y)

    @available_if(_estimator_has("get_feature_names_out"))
    def get_feature_names_out(self, input_features: Any = None) -> Any:
        """Output feature names of ``estimator_``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self)
        return self.estimator_.get_feature_names_out(input_features)

    @available_if(_can_set_output)
    def set_output(self, *, transform: str | None = None) -> Any:
        """Choose the container ``transform`` returns (``"default"``, ``"pandas"``, ...).

        The choice is kept on the learner (so :func:`~sklearn.base.clone` keeps it) and
        applied to ``estimator_`` now and whenever it is created; the wrapped ``estimator``
        is not modified.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            None leaves the configuration unchanged.

        Returns
        -------
        self
        """
        if transform is None:
            return self
        config = dict(getattr(self, "_sklearn_output_config", {}))
        config["transform"] = transform
        self._sklearn_output_config = config
        if hasattr(self, "estimator_"):
            self.estimator_.set_output(transform=transform)
        return self

    # -- fit-and-apply ---------------------------------------------------------------------
    @available_if(_estimator_has("fit_predict"))
    def fit_predict(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        """Stream-fit on ``X`` (see :meth:`fit`), then predict ``X``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like or None, default=None
        **fit_params
            Passed to :meth:`fit`.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self.fit(X, y, **fit_params).predict(X)

    @available_if(_estimator_has("fit_transform"))
    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        """Stream-fit on ``X`` (see :meth:`fit`), then transform ``X``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like or None, default=None
        **fit_params
            Passed to :meth:`fit`.

        Returns
        -------
        array-like
        """
        return self.fit(X, y, **fit_params).transform(X)
