"""Watching a training run: validation scores, early stopping and the progress display.

:class:`TrainingMonitor` is called by the training loop after every batch, only when the
learner asked for something to watch (``verbose``, ``validation_data``); otherwise the loop
runs without it. It records ``history`` (batches and samples seen, score, wall time), decides
when to stop early, the way scikit-learn's SGD estimators do, and shows progress with tqdm
when it is installed, or with plain log lines when it is not.
"""

import time
from numbers import Integral, Real
from typing import Any

from sklearn.metrics import get_scorer_names
from sklearn.utils._param_validation import Interval, StrOptions

from ._unpack import feature_count

__all__ = [
    "HISTORY_KEYS",
    "MONITOR_ATTRIBUTES_DOC",
    "MONITOR_CONSTRAINTS",
    "MONITOR_PARAMS_DOC",
    "ProgressDisplay",
    "TrainingMonitor",
    "empty_history",
]

HISTORY_KEYS = ("n_batches", "n_samples", "score", "time")


class ProgressDisplay:
    """A progress bar (tqdm) or periodic log lines: batches, samples, rate, latest score.

    The bar is used when tqdm can be imported; otherwise a log line goes to standard
    output every ``every`` seconds, and whenever there is a new validation score.

    Parameters
    ----------
    total : int or None
        Batches expected (``max_batches``), for the bar's length.
    name : str, default="StreamLearner"
        The label of the bar and of the log lines: the learner's class name.
    """

    every = 1.0  # seconds between log lines

    def __init__(self, total: int | None, *, name: str = "StreamLearner") -> None:
        self.bar = None
        self.name = name
        try:
            from tqdm.auto import tqdm
        except ImportError:
            pass
        else:
            self.bar = tqdm(total=total, unit="batch", desc=name, leave=True)
        self.start = time.perf_counter()
        self.next_line = self.start + self.every
        self.score: float | None = None

    def _describe(self, n_batches: int, n_samples: int) -> str:
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        text = (
            f"{n_batches:,} batches, {n_samples:,} samples, {n_batches / elapsed:,.1f} batches/s"
        )
        if self.score is not None:
            text += f", validation score {self.score:.4g}"
        return text

    def _postfix(self, n_samples: int) -> str:
        # A string, so that tqdm shows 123,456 rather than formatting the number as 1.23e+05.
        postfix = f"samples={n_samples:,}"
        if self.score is not None:
            postfix += f", score={self.score:.4g}"
        return postfix

    def say(self, text: str) -> None:
        """Show a line of text above the bar (or among the log lines)."""
        if self.bar is not None:
            self.bar.write(f"[{self.name}] {text}")
        else:
            print(f"[{self.name}] {text}")

    def update(self, n_batches: int, n_samples: int, score: float | None = None) -> None:
        """Show that ``n_batches`` batches (``n_samples`` samples) are done so far."""
        if score is not None:
            self.score = score
        if self.bar is not None:
            # tqdm decides when to redraw, inside update(); the postfix it draws must already
            # count this batch's samples. Assigning the text is cheaper than set_postfix.
            self.bar.postfix = self._postfix(n_samples)
            self.bar.update(n_batches - self.bar.n)
            return
        now = time.perf_counter()
        if now >= self.next_line or score is not None:
            self.next_line = now + self.every
            print(f"[{self.name}] {self._describe(n_batches, n_samples)}")

    def close(self, n_batches: int, n_samples: int, reason: str = "") -> None:
        """Finish the display with a summary (and why training stopped, if early)."""
        if self.bar is not None:
            self.bar.postfix = self._postfix(n_samples)
            self.bar.update(n_batches - self.bar.n)
            self.bar.close()
            if reason:
                print(f"[{self.name}] {reason}")
            return
        summary = f"[{self.name}] done: {self._describe(n_batches, n_samples)}"
        print(summary + (f"; {reason}" if reason else ""))


class TrainingMonitor:
    """Validation, early stopping and progress for one training run.

    Parameters
    ----------
    estimator : estimator
        The estimator being trained (scored in place, never copied).
    scorer : callable or None
        ``scorer(estimator, X, y)``; None when there is no validation data.
    validation_data : tuple or None
        ``(X_val,)`` or ``(X_val, y_val)``.
    eval_every : int
        Batches between two validation scores.
    early_stopping : bool
        Stop when the score has not improved by ``tol`` for ``n_iter_no_change`` scores.
    n_iter_no_change : int
    tol : float or None
        None never counts a score as "not improved".
    display : ProgressDisplay or None
    history : dict of lists
        Continued in place (``warm_start`` keeps a learner's history).
    unscored_batches : int, default=0
        No score is taken until more batches than this were trained on: the preprocessing
        batches of a pipeline, during which its last step is not trained yet.
    """

    def __init__(
        self,
        estimator: Any,
        *,
        scorer: Any,
        validation_data: tuple | None,
        eval_every: int,
        early_stopping: bool,
        n_iter_no_change: int,
        tol: float | None,
        display: ProgressDisplay | None,
        history: dict,
        unscored_batches: int = 0,
    ) -> None:
        self.estimator = estimator
        self.unscored_batches = unscored_batches
        self.scorer = scorer
        self.validation_data = validation_data
        self.eval_every = eval_every
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.display = display
        self.history = history
        self.best_score = max(history["score"], default=-float("inf"))
        self.no_improvement = 0
        self.stopped_early = False
        self.features_checked = scorer is None
        self.clock_offset = history["time"][-1] if history["time"] else 0.0
        self.start = time.perf_counter()

    def _evaluate(self, n_batches: int, n_samples: int) -> float:
        score = float(self.scorer(self.estimator, *self.validation_data))
        record = (
            n_batches,
            n_samples,
            score,
            self.clock_offset + time.perf_counter() - self.start,
        )
        for key, value in zip(HISTORY_KEYS, record):
            self.history[key].append(value)
        if self.tol is not None and score < self.best_score + self.tol:
            self.no_improvement += 1
        else:
            self.no_improvement = 0
        self.best_score = max(self.best_score, score)
        return score

    def _check_features(self) -> None:
        """Compare ``X_val``'s width with the estimator's, once it has one (after the first
        batch), so that a wrong validation set fails before ``eval_every`` batches."""
        self.features_checked = True
        expected = getattr(self.estimator, "n_features_in_", None)
        width = feature_count(self.validation_data[0])
        if expected is not None and width is not None and width != expected:
            raise ValueError(
                f"validation_data has an X_val of {width} features, but "
                f"{type(self.estimator).__name__} is trained on batches of {expected} "
                "(its n_features_in_): the model could not score it. Give "
                "validation_data the same features as the training batches."
            )

    def _due(self, n_batches: int) -> bool:
        """Whether the model can be scored after ``n_batches`` batches."""
        return self.scorer is not None and n_batches > self.unscored_batches

    def after_batch(self, n_batches: int, n_samples: int) -> bool:
        """Record what is due after a batch; return True when training should stop.

        Raises
        ------
        ValueError
            After the first batch, if ``X_val`` has a different number of features than
            the estimator was trained on.
        """
        if not self.features_checked:
            self._check_features()
        score = None
        if self._due(n_batches) and n_batches % self.eval_every == 0:
            score = self._evaluate(n_batches, n_samples)
        if self.display is not None:
            self.display.update(n_batches, n_samples, score)
        if self.early_stopping and self.no_improvement >= self.n_iter_no_change:
            self.stopped_early = True
        return self.stopped_early

    def abort(self) -> None:
        """Close the display after a failed run (no final score, no summary)."""
        if self.display is not None and self.display.bar is not None:
            self.display.bar.close()

    def finish(self, n_batches: int, n_samples: int) -> None:
        """Score the final model (unless just scored) and close the display."""
        history = self.history
        if self._due(n_batches) and (
            not history["n_batches"] or history["n_batches"][-1] != n_batches
        ):
            score = self._evaluate(n_batches, n_samples)
            if self.display is not None:
                self.display.score = score
        if self.display is not None:
            reason = ""
            if self.stopped_early:
                reason = (
                    f"stopped early: no improvement of the validation score by tol={self.tol} "
                    f"in {self.n_iter_no_change} evaluations"
                )
            self.display.close(n_batches, n_samples, reason)


MONITOR_CONSTRAINTS = {
    "validation_data": [tuple, None],
    "eval_every": [Interval(Integral, 1, None, closed="left")],
    "scoring": [StrOptions(set(get_scorer_names())), callable, None],
    "early_stopping": ["boolean"],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left"), None],
    "verbose": ["verbose"],
}

# The parameters of StreamLearner that drive the monitor, as the learner declares and
# documents them (substituted into its docstring, so that they are written once).
MONITOR_PARAMS_DOC = """\
    validation_data : tuple ``(X_val, y_val)`` or ``(X_val,)``, or None, default=None
        Held-out data scored during :meth:`fit` and :meth:`iter_fit` every
        ``eval_every`` batches and once at the end; each score is recorded in
        ``history_``.
    eval_every : int >= 1, default=100
        Batches between two validation scores.
    scoring : str, callable or None, default=None
        How the validation data is scored: a scikit-learn scorer name or callable
        ``scorer(estimator, X, y)``; None uses the estimator's ``score``.
    early_stopping : bool, default=False
        Stop training when the validation score has not improved on the best one by at
        least ``tol`` for ``n_iter_no_change`` evaluations in a row, as
        :class:`~sklearn.linear_model.SGDClassifier` does. Needs ``validation_data``.
    n_iter_no_change : int >= 1, default=5
        Evaluations without improvement before stopping early.
    tol : float >= 0 or None, default=1e-3
        The improvement that counts; None never stops early.
    verbose : int, default=0
        0 prints nothing; 1 or more shows progress while training (batches, samples,
        batches per second and the latest validation score): a tqdm progress bar when
        tqdm is installed (``python -m pip install tqdm``, or ``-e '.[progress]'`` in the
        repository), periodic log lines otherwise. When training from a stream with
        ``max_batches=None``, it first says that an endless stream would train for ever."""

MONITOR_ATTRIBUTES_DOC = """\
    history_ : dict of lists
        The validation scores of the training so far: ``"n_batches"``, ``"n_samples"``
        (seen when scored), ``"score"`` and ``"time"`` (seconds since training started),
        one entry per evaluation. Empty lists without ``validation_data``; continued by
        ``warm_start``. See :func:`~sklearn_stream.plot_history`."""


def empty_history() -> dict:
    """A ``history_`` with no evaluation yet."""
    return {key: [] for key in HISTORY_KEYS}
