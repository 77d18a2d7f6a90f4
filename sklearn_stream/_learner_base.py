"""The private training helpers of ``StreamLearner``, kept apart from its public methods.

``TrainingHelpers`` is a mixin of :class:`~sklearn_stream.learner.StreamLearner`: it makes
the fresh clone of the estimator, runs the shared training loop over any stream of batches
and records what was consumed, routes metadata, and checks the ``stream`` and
``eval_stream`` parameters beyond what ``_parameter_constraints`` can say.
"""

from collections.abc import Iterable
from typing import Any

from sklearn.utils import check_random_state
from sklearn.utils.metadata_routing import _routing_enabled, process_routing

from ._fit_streams import check_data_stream
from ._monitor import build_monitor, empty_history
from ._scoring import check_eval_estimator
from ._training import (
    TrainingProgress,
    check_not_empty,
    fresh_estimator,
    target_required,
    train,
)

__all__ = ["TrainingHelpers"]


class TrainingHelpers:
    """Mixin: fresh estimators, the training loop's bookkeeping, routing, stream checks."""

    def _fresh(self, rng: Any) -> Any:
        estimator = fresh_estimator(self.estimator, None if self.random_state is None else rng)
        transform = getattr(self, "_sklearn_output_config", {}).get("transform")
        if transform is not None and hasattr(estimator, "set_output"):
            estimator.set_output(transform=transform)
        return estimator

    def _train(self, stream: Iterable, params: dict, sample_keys: frozenset, what: str) -> None:
        if self.warm_start and hasattr(self, "estimator_"):
            estimator = self.estimator_
            progress = TrainingProgress(
                self.n_batches_seen_, self.n_samples_seen_, getattr(self, "_n_features_seen", None)
            )
        else:
            estimator = self._fresh(check_random_state(self.random_state))
            progress = TrainingProgress()
        warm = estimator is getattr(self, "estimator_", None)
        history = self.history_ if warm and hasattr(self, "history_") else empty_history()
        monitor = build_monitor(self, estimator, history, self.max_batches)
        before = progress.n_batches
        try:
            train(
                estimator.partial_fit,
                stream,
                max_batches=self.max_batches,
                params=params,
                sample_keys=sample_keys,
                target_required=target_required(self.estimator),
                progress=progress,
                monitor=monitor,
            )
            check_not_empty(progress, before, what)
        except BaseException:
            if monitor is not None:
                monitor.abort()
            raise
        else:
            if monitor is not None:
                monitor.finish(progress.n_batches, progress.n_samples)
        finally:
            # A fresh estimator becomes estimator_ only when training succeeds; a warm one
            # was updated in place, so its counts must follow even after an error.
            if warm:
                self._record(progress)
        self.__dict__.pop("labels_", None)  # labels of an earlier fit's data, now stale
        self.estimator_ = estimator
        self.history_ = history
        self.stopped_early_ = monitor is not None and monitor.stopped_early
        self._record(progress)

    def _check_streams(self) -> None:
        check_data_stream(self.stream, "stream")
        check_data_stream(self.eval_stream, "eval_stream")
        if self.eval_stream is not None:
            check_eval_estimator(self.estimator)

    def _record(self, progress: TrainingProgress) -> None:
        self.n_batches_seen_ = progress.n_batches
        self.n_samples_seen_ = progress.n_samples
        self._n_features_seen = progress.n_features

    def _route(self, method: str, params: dict) -> dict:
        if _routing_enabled():
            return dict(process_routing(self, method, **params).estimator.partial_fit)
        return dict(params)
