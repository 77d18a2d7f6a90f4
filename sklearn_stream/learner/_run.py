"""A learner's training run held open between batches, and where a fit's batches come from.

:class:`FitRun` is everything a training run carries from batch to batch (the estimator, the
counts, the monitor and its history, the constant ``partial_fit`` parameters, the batch
rules): :meth:`StreamLearner.fit` and ``iter_fit`` train one run to its end, and an adaptive
search (:mod:`sklearn_stream.model_selection`) continues a run round after round on the
next batches of the same stream, possibly in another process (a run pickles; the open
stream does not). :class:`FitSource` stays in the process that reads: it opens the batch
sequence of one ``fit``, which does not depend on ``max_batches`` beyond its length, so a
run continued to ``r`` batches is exactly a fresh ``fit`` with ``max_batches=r``.
"""

import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sklearn.utils import check_random_state

from ..exceptions import EmptyStreamError, ShortStreamError
from ._array_source import ArraySource
from ._fit_data import require_batches, start_data_stream
from ._training import BatchRules, TrainingProgress, add_note, check_not_empty, train

__all__ = ["FitRun", "FitSource"]


class FitRun:
    """One training run of a learner: trained batch after batch, finished once.

    Parameters
    ----------
    learner : StreamLearner
        The learner being trained; its fitted attributes are set by :meth:`snapshot`.
    estimator : estimator
        The estimator trained (a fresh clone, or ``estimator_`` when continuing).
    progress : TrainingProgress
        The counts so far.
    history : dict of lists
        The validation history (``history_``).
    monitor : TrainingMonitor or None
    params : dict
        Constant ``partial_fit`` parameters (e.g. ``classes``).
    sample_keys : frozenset of str
        Per-sample batch fields passed on (e.g. ``sample_weight``).
    rules : BatchRules
    what : str
        The batches' origin, for the message of an empty run.
    from_stream : bool
        Whether the batches come from a stream (``labels_`` cannot be computed then).
    warm : bool
        Whether ``estimator`` is the learner's ``estimator_`` (updated in place: its counts
        follow even after an error).

    Attributes
    ----------
    broken : str or None
        The formatted traceback of the error that stopped the run; a broken run trains no
        more.
    """

    def __init__(
        self,
        learner: Any,
        estimator: Any,
        progress: TrainingProgress,
        history: dict,
        monitor: Any,
        params: dict,
        sample_keys: frozenset,
        rules: BatchRules,
        what: str,
        *,
        from_stream: bool,
        warm: bool = False,
    ) -> None:
        self.learner = learner
        self.estimator = estimator
        self.progress = progress
        self.history = history
        self.monitor = monitor
        self.params = params
        self.sample_keys = sample_keys
        self.rules = rules
        self.what = what
        self.from_stream = from_stream
        self.warm = warm
        self.broken: str | None = None
        self._start = progress.n_batches

    @property
    def stopped_early(self) -> bool:
        """Whether the monitor stopped training (early stopping)."""
        return self.monitor is not None and self.monitor.stopped_early

    def train_on(self, batches: Iterable, max_batches: int | None = None) -> None:
        """Continue training on ``batches`` (at most ``max_batches`` of them).

        Nothing is trained once the run is broken or stopped early. An error marks the run
        broken (with its traceback) and propagates.
        """
        if self.broken is not None or self.stopped_early:
            return
        partial_fit = self.learner._partial_fit_of(self.estimator, self.progress.n_batches)
        try:
            train(
                partial_fit,
                batches,
                max_batches=max_batches,
                params=self.params,
                sample_keys=self.sample_keys,
                rules=self.rules,
                progress=self.progress,
                monitor=self.monitor,
            )
        except BaseException:
            self.broken = traceback.format_exc()
            raise

    def snapshot(self, *, strict: bool = True) -> Any:
        """Set the learner's fitted attributes to the run's state now; return the learner.

        The monitor is not finished (a run continued later must not score an extra final
        point), so the learner is what ``fit`` would give with ``max_batches`` equal to
        the batches trained, except for that final validation score.

        Raises
        ------
        EmptyStreamError
            If the run has trained on no batch.
        ValueError
            If ``strict`` and training ended within ``preprocessing_batches``.
        """
        self._check(strict)
        return self._set_attributes()

    def finish(self, *, strict: bool = True) -> Any:
        """End the run: check it, score the final model, set the learner's attributes.

        Raises
        ------
        EmptyStreamError, ValueError
            As :meth:`snapshot`.
        """
        try:
            try:
                self._check(strict)
            except BaseException:
                if self.monitor is not None:
                    self.monitor.abort()
                raise
            if self.monitor is not None:
                self.monitor.finish(self.progress.n_batches, self.progress.n_samples)
        finally:
            if self.warm:  # updated in place: the counts follow, even after an error
                self.learner._record(self.progress)
        return self._set_attributes()

    def abort(self) -> None:
        """Close the monitor's display after a failure; a warm estimator keeps its counts."""
        if self.monitor is not None:
            self.monitor.abort()
        if self.warm:
            self.learner._record(self.progress)

    def _check(self, strict: bool) -> None:
        check_not_empty(self.progress, self._start, self.what)
        self.learner._check_last_step_trained(self.progress.n_batches, strict)

    def _set_attributes(self) -> Any:
        learner = self.learner
        learner.__dict__.pop("labels_", None)  # labels of an earlier fit's data, now stale
        # The samples of a stream are gone once trained on: nothing can label them all, and
        # the estimator's own labels_ would label the last batch only.
        learner._labels_unknown = self.from_stream
        learner.estimator_ = self.estimator
        learner.history_ = self.history
        learner.stopped_early_ = self.stopped_early
        learner._record(self.progress)
        return learner

    def complete(self, batches: Iterable, max_batches: int | None, *, strict: bool) -> Any:
        """Train on ``batches`` to their end (or ``max_batches``), then :meth:`finish`."""
        try:
            self.train_on(batches, max_batches)
        except BaseException:
            self.abort()
            raise
        return self.finish(strict=strict)


class FitSource:
    """Where the batches of one ``fit`` come from: opened in the process that reads them.

    Parameters
    ----------
    learner : StreamLearner
        Its ``stream`` (None: mini-batches of in-memory data), ``batch_size``,
        ``n_epochs``, ``shuffle`` and ``random_state`` say how to stream.
    data : tuple
        ``(X, y)``, or ``(X,)`` for a stream without a target.
    per_sample : dict
        In-memory fits: per-sample parameters cut with each batch.
    state : int or None
        Stream fits: the ``random_state`` int given to the stream.
    where : str or None
        Stream fits: the stream and the fit, for messages; None for in-memory data.
    """

    def __init__(
        self,
        learner: Any,
        data: tuple,
        *,
        per_sample: dict | None = None,
        state: int | None = None,
        where: str | None = None,
    ) -> None:
        self.learner = learner
        self.data = data
        self.per_sample = per_sample or {}
        self.state = state
        self.where = where

    @property
    def from_stream(self) -> bool:
        """Whether the batches come from the learner's ``stream``."""
        return self.where is not None

    def open(self, max_batches: int | None) -> Iterator:
        """Start the fit's batch sequence, at most ``max_batches`` long.

        In-memory data is shuffled from a ``check_random_state`` of the learner's
        ``random_state`` made now (the permutations are drawn as batches are read); a
        stream must yield ``max_batches`` batches (:class:`ShortStreamError` otherwise).
        """
        learner = self.learner
        if not self.from_stream:
            X, y = self.data
            rng = check_random_state(learner.random_state)
            source = ArraySource(
                X, y, self.per_sample, learner.batch_size, learner.n_epochs, learner.shuffle, rng
            )
            return source.generate(max_batches)
        caller = f"{type(learner).__name__}.fit"
        started = start_data_stream(
            learner.stream, self.data, self.state, max_batches, caller=caller
        )
        return require_batches(started, max_batches, self.where)

    @contextmanager
    def noted(self) -> Iterator[None]:
        """Add a note naming the stream and the fit to an error raised inside (streams only;
        the messages of empty and short streams name them already)."""
        try:
            yield
        except (EmptyStreamError, ShortStreamError):
            raise
        except Exception as exc:
            if self.from_stream:
                add_note(exc, f"(raised while training on {self.where})")
            raise
