"""The private training helpers of ``StreamLearner``, kept apart from its public methods.

``TrainingHelpers`` is a mixin of :class:`~sklearn_stream.learner.StreamLearner`: it makes
the fresh clone of the estimator, runs the shared training loop over any stream of batches
and records what was consumed, routes metadata, and checks the ``stream`` and
``eval_stream`` parameters beyond what ``_parameter_constraints`` can say. It also keeps
two threads from training one learner at once (see :meth:`TrainingHelpers._exclusive`).
"""

import inspect
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sklearn.utils import check_random_state
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.metadata_routing import _routing_enabled, process_routing

from ..core import is_data_source
from ._fit_data import check_data_stream
from ._monitor import build_monitor, empty_history
from ._scoring import check_eval_estimator
from ._training import (
    TrainingProgress,
    batch_rules,
    check_not_empty,
    fresh_estimator,
    train,
    wants_classes,
)

__all__ = ["TrainingHelpers"]

# The ids of the learners being trained right now, in any thread. A lock on the learner
# itself would have to be left out of pickles and clones; this costs one set operation per
# call of fit, iter_fit or partial_fit.
_TRAINING: set = set()
_TRAINING_LOCK = threading.Lock()


def _generator_name(value: Any) -> str | None:
    """The name of the function that made a generator object (or async generator)."""
    code = getattr(value, "gi_code", None) or getattr(value, "ag_code", None)
    return getattr(value, "__name__", None) or getattr(code, "co_name", None)


# What else the user may have meant, after the common advice, per parameter.
_ONE_SHOT_ALTERNATIVE = {
    "stream": "To train on this very iterator instead, call iter_fit(iterator).",
    "eval_stream": (
        "score(X, y) starts a fresh evaluation stream from its own X and y on every call "
        "(every fold of a search), which an iterator cannot do."
    ),
}


_CALLER = {"stream": "fit(X, y)", "eval_stream": "score(X, y)"}
_FIXED_BATCHES_ALTERNATIVE = {
    "stream": " To train on these batches as they are, call iter_fit(list_of_batches).",
}


def _check_not_one_shot(value: Any, name: str, owner: str) -> None:
    """Refuse a generator object (or another one-shot iterator) as a stream parameter."""
    if not isinstance(value, Iterator) or is_data_source(value) or callable(value):
        return
    what, example = f"a {type(value).__name__}", "make_batches"
    if inspect.isgenerator(value):
        function = _generator_name(value)
        if function is not None and function.isidentifier():
            what, example = f"a generator object of {function}()", function
        else:  # a generator expression (<genexpr>) has no function to name
            what = "a generator object"
    raise InvalidParameterError(
        f"The {name!r} parameter of {owner} must be None, a callable or a data source "
        f"(an object with generate()); got {what}, an iterator that runs only once, so it "
        "cannot be restarted for every fit of a cross-validation or search. Pass the "
        "generator function instead, with its own arguments after the data: "
        f"{name}=Streamer({example}, n_batches=10) for def {example}(X, y, n_batches): ... "
        f"{_ONE_SHOT_ALTERNATIVE.get(name, '')}"
    )


def _check_not_batches(value: Any, name: str, owner: str) -> None:
    """Refuse a list (or another re-iterable) of batches as a stream parameter, naming its
    type and length only: scikit-learn's own message would print every array in it."""
    if value is None or callable(value) or is_data_source(value) or isinstance(value, Iterator):
        return
    if not isinstance(value, Iterable) or isinstance(value, (str, bytes)):
        return
    size = ""
    if hasattr(value, "__len__"):
        size = f" of {len(value)} item{'' if len(value) == 1 else 's'}"
    raise InvalidParameterError(
        f"The {name!r} parameter of {owner} must be None, a callable or a data source "
        f"(an object with generate()); got a {type(value).__name__}{size}, a fixed set of "
        f"batches. {name} is given the data of every {_CALLER[name]} (every fold of a "
        "search), and fixed batches would ignore it, as would Streamer(list_of_batches), "
        "which is refused here for that reason. Pass a function that makes the batches "
        f"from the data instead, {name}=Streamer(make_batches) for def make_batches(X, y): ..."
        f"{_FIXED_BATCHES_ALTERNATIVE.get(name, '')}"
    )


class TrainingHelpers:
    """Mixin: fresh estimators, the training loop's bookkeeping, routing, stream checks."""

    def _fresh(self, rng: Any) -> Any:
        estimator = fresh_estimator(self.estimator, None if self.random_state is None else rng)
        transform = getattr(self, "_sklearn_output_config", {}).get("transform")
        if transform is not None and hasattr(estimator, "set_output"):
            estimator.set_output(transform=transform)
        return estimator

    def _train(
        self,
        stream: Iterable,
        params: dict,
        sample_keys: frozenset,
        what: str,
        *,
        from_stream: bool = True,
    ) -> None:
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
        open_ended = from_stream and self.max_batches is None
        monitor = build_monitor(self, estimator, history, self.max_batches, open_ended)
        before = progress.n_batches
        try:
            train(
                estimator.partial_fit,
                stream,
                max_batches=self.max_batches,
                params=params,
                sample_keys=sample_keys,
                rules=batch_rules(self.estimator, from_stream=from_stream),
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
        # The samples of a stream are gone once trained on: nothing can label them all, and
        # the estimator's own labels_ would label the last batch only (see __getattr__).
        self._labels_unknown = from_stream
        self.estimator_ = estimator
        self.history_ = history
        self.stopped_early_ = monitor is not None and monitor.stopped_early
        self._record(progress)

    @contextmanager
    def _exclusive(self, method: str) -> Iterator[None]:
        """Run the body of ``method`` (a training method) as this learner's only training.

        Training updates ``estimator_`` and the counters together, so two threads training
        one learner would corrupt both; the second call raises instead. As in scikit-learn,
        a learner is not thread-safe: give each thread its own clone.
        """
        key = id(self)
        with _TRAINING_LOCK:
            if key in _TRAINING:
                raise RuntimeError(
                    f"{type(self).__name__}.{method} was called while this learner is "
                    "already training (fit, iter_fit or partial_fit running in another "
                    "thread, or called again from inside its own stream). A learner is not "
                    "thread-safe: training updates estimator_ and n_batches_seen_ together. "
                    "Give each thread its own learner, sklearn.base.clone(learner)."
                )
            _TRAINING.add(key)
        try:
            yield
        finally:
            with _TRAINING_LOCK:
                _TRAINING.discard(key)

    def _validate_params(self) -> None:
        # A generator object given as stream or eval_stream gets the advice Streamer gives,
        # rather than only the list of accepted types.
        owner = type(self).__name__
        for name in ("stream", "eval_stream"):
            _check_not_one_shot(getattr(self, name), name, owner)
            _check_not_batches(getattr(self, name), name, owner)
        super()._validate_params()

    def _needs_classes(self) -> bool:
        """Whether training must be given ``classes`` (a fresh classifier's first call)."""
        continues = self.warm_start and hasattr(self, "estimator_")
        return not continues and wants_classes(self.estimator)

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
