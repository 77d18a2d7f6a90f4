"""The training loop shared by ``fit``, ``iter_fit`` and ``partial_fit``, and its helpers.

The loop is the hot path (it runs once per batch, possibly millions of times): it does no
parameter validation, only the per-batch checks that give a clear error, and calls the
estimator's bound ``partial_fit`` directly.
"""

import inspect
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils import get_tags
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import _num_samples, check_array

from ..core import is_data_source
from ..exceptions import BatchError, BatchShapeError, EmptyStreamError
from ._pipeline import final_step
from ._unpack import check_lengths, feature_count, one_dimensional_rows, unpack_batch

__all__ = [
    "BatchRules",
    "TrainingProgress",
    "add_note",
    "batch_rules",
    "check_not_empty",
    "find_classes",
    "fresh_estimator",
    "open_stream",
    "target_required",
    "train",
    "wants_classes",
]

_RANDOM_INT_BOUND = np.iinfo(np.int32).max


class TrainingProgress:
    """What a training run consumed: batches, samples, and the feature count seen first."""

    __slots__ = ("n_batches", "n_features", "n_samples")

    def __init__(self, n_batches: int = 0, n_samples: int = 0, n_features: Any = None):
        self.n_batches = n_batches
        self.n_samples = n_samples
        self.n_features = n_features


def add_note(exc: BaseException, note: str) -> None:
    """Add ``note`` to ``exc`` (shown under its message), unless it is there already.

    The one place where the package adds notes to errors it passes on: an error that goes
    through several layers (a batch, the fit that streamed it) gets each note once.

    Examples
    --------
    >>> from sklearn_stream.learner._training import add_note
    >>> error = ValueError("bad value")
    >>> add_note(error, "(raised while training on batch 3 of the stream)")
    >>> add_note(error, "(raised while training on batch 3 of the stream)")
    >>> error.__notes__
    ['(raised while training on batch 3 of the stream)']
    """
    if note not in getattr(exc, "__notes__", ()):
        exc.add_note(note)


class BatchRules:
    """What every batch must satisfy for one estimator, decided once per training run.

    Parameters
    ----------
    target_required : bool
        A batch without a target is an error (a supervised estimator).
    target_refused : bool
        A batch with a target is an error (an unsupervised estimator, fed from a stream).
    rows_required : bool
        A 1-D numeric ``X`` is an error (the estimator takes 2-D ``X``, and the batches
        come from a stream, whose author may have yielded a single row by mistake).
    name : str
        The estimator's class name, for messages.
    source : str, default="the stream"
        What the batches are, for the note added to an error of ``partial_fit``: "the
        stream", or "the training data" when ``fit`` cuts mini-batches of ``X`` itself.
    """

    __slots__ = ("name", "rows_required", "source", "target_refused", "target_required")

    def __init__(
        self,
        target_required: bool,
        target_refused: bool,
        rows_required: bool,
        name: str,
        source: str = "the stream",
    ) -> None:
        self.target_required = target_required
        self.target_refused = target_refused
        self.rows_required = rows_required
        self.name = name
        self.source = source


def batch_rules(estimator: Any, *, from_stream: bool) -> BatchRules:
    """The :class:`BatchRules` of ``estimator``.

    Targets are refused only for an unsupervised estimator (neither classifier nor
    regressor, no target required) trained ``from_stream``: a stream that provides targets
    to such an estimator is almost certainly a mistake, whereas ``fit(X, y)`` takes a ``y``
    it ignores, as every scikit-learn estimator does.

    Examples
    --------
    >>> from sklearn.cluster import MiniBatchKMeans
    >>> from sklearn_stream.learner._training import batch_rules
    >>> rules = batch_rules(MiniBatchKMeans(), from_stream=True)
    >>> rules.target_required, rules.target_refused, rules.rows_required
    (False, True, True)
    >>> batch_rules(MiniBatchKMeans(), from_stream=False).target_refused
    False
    """
    tags = get_tags(estimator)
    required = tags.target_tags.required
    unsupervised = not required and tags.estimator_type not in ("classifier", "regressor")
    return BatchRules(
        required,
        from_stream and unsupervised,
        from_stream and tags.input_tags.two_d_array,
        type(estimator).__name__,
        "the stream" if from_stream else "the training data",
    )


def _check_target(y: Any, index: int, rules: BatchRules) -> None:
    if y is None and rules.target_required:
        raise BatchError(
            f"batch {index} of the stream has no target ('Y' or 'y'), but the estimator "
            f"({rules.name}) is supervised and needs one in every batch."
        )
    if y is not None and rules.target_refused:
        raise BatchError(
            f"batch {index} of the stream has a target ('Y' or 'y'), but the estimator "
            f"({rules.name}) is unsupervised and would ignore it. Yield batches with 'X' "
            "only (as pescador 0.1.3 asked), e.g. map the stream through "
            "(lambda batch: {'X': batch['X']})."
        )


def _check_rows(X: Any, index: int, rules: BatchRules) -> None:
    if rules.rows_required and one_dimensional_rows(X):
        shape = getattr(X, "shape", (len(X),))
        raise BatchShapeError(  # a ValueError, as scikit-learn's "Expected 2D array" is
            f"batch {index} of the stream has a 1-D X of shape {tuple(shape)}, but "
            f"{rules.name} takes a 2-D X of shape (n_samples, n_features). If it is a single "
            "sample, yield it as a batch of one row, X[None, :] (with its target as a "
            "sequence of one value)."
        )


def train(
    partial_fit: Any,
    stream: Iterable,
    *,
    max_batches: int | None,
    params: Mapping,
    sample_keys: frozenset,
    rules: BatchRules,
    progress: TrainingProgress,
    monitor: Any = None,
) -> TrainingProgress:
    """Call ``partial_fit`` on each batch of ``stream``; update and return ``progress``.

    Parameters
    ----------
    partial_fit : callable
        The estimator's bound ``partial_fit``.
    stream : iterable of batches
        Consumed up to ``max_batches`` batches; not closed here.
    max_batches : int or None
    params : dict
        Keyword arguments passed with every batch (e.g. ``classes``).
    sample_keys : frozenset of str
        Per-sample batch fields passed on as keyword arguments (e.g. ``sample_weight``).
    rules : BatchRules
        What every batch must satisfy (see :func:`batch_rules`).
    progress : TrainingProgress
        Counts so far (non-zero when training continues); ``n_features`` is checked against
        every batch once known.
    monitor : TrainingMonitor or None, default=None
        Called after every batch (validation scores, progress display); training stops
        when it says so (early stopping). None costs nothing per batch.

    Raises
    ------
    BatchError
        For a malformed batch, a missing or refused target, or a change in the number of
        features; the message names the batch.
    BatchShapeError
        For a 1-D ``X`` where rows are needed; the message names the batch.
    BatchLengthError
        If the fields of a batch (``X``, the target, ``sample_weight``) differ in length.
    """
    n_features = progress.n_features
    n_samples = progress.n_samples
    batches = stream if max_batches is None else islice(stream, max_batches)
    for index, batch in enumerate(batches, start=progress.n_batches):
        X, y, batch_params = unpack_batch(batch, index, sample_keys)
        _check_target(y, index, rules)
        width = feature_count(X)
        if width is None:
            _check_rows(X, index, rules)
        elif width != n_features:
            if n_features is None:
                n_features = width
            else:
                raise BatchError(
                    f"batch {index} of the stream has {width} features, but the batches before "
                    f"it had {n_features}; every batch must have the same features."
                )
        length = check_lengths(X, y, batch_params, index)
        try:
            if batch_params:
                partial_fit(X, y, **batch_params, **params)
            else:
                partial_fit(X, y, **params)
        except Exception as exc:
            add_note(exc, f"(raised while training on batch {index} of {rules.source})")
            raise
        n_samples += _num_samples(X) if length is None else length
        progress.n_batches = index + 1
        progress.n_samples = n_samples
        progress.n_features = n_features
        if monitor is not None and monitor.after_batch(index + 1, n_samples):
            break
    return progress


def check_not_empty(progress: TrainingProgress, before: int, what: str) -> None:
    """Raise ``EmptyStreamError`` if no batch was consumed since ``before``."""
    if progress.n_batches == before:
        raise EmptyStreamError(
            f"{what} yielded no batch: there is nothing to train on. Check that the stream "
            "is not exhausted (a generator runs only once) and that max_batches is not 0."
        )


def _unset_random_states(estimator: Any) -> list:
    params = estimator.get_params(deep=True)
    return sorted(
        name
        for name, value in params.items()
        if (name == "random_state" or name.endswith("__random_state")) and value is None
    )


def fresh_estimator(estimator: Any, rng: np.random.RandomState | None) -> Any:
    """Clone ``estimator``; with ``rng``, set each of its ``random_state`` parameters left
    at None to an int drawn from ``rng``.

    Setting only parameters the user left at None keeps every choice the user made, and
    makes a learner with an int ``random_state`` reproducible as a whole.
    """
    fresh = clone(estimator)
    if rng is not None:
        names = _unset_random_states(fresh)
        if names:
            states = rng.randint(_RANDOM_INT_BOUND, size=len(names))
            fresh.set_params(**{name: int(state) for name, state in zip(names, states)})
    return fresh


def find_classes(y: Any) -> Any:
    """All class labels of ``y``, in the form ``partial_fit(classes=...)`` expects.

    A multi-output target (2-D, not a label indicator) gives one array per column, as
    ``MultiOutputClassifier.partial_fit`` expects; anything else gives
    :func:`~sklearn.utils.multiclass.unique_labels` (``arange(n_labels)`` for a multilabel
    indicator matrix).

    Raises
    ------
    ValueError
        If ``y`` holds NaN or infinity, or is continuous (not class labels).

    Examples
    --------
    >>> from sklearn_stream.learner._training import find_classes
    >>> find_classes(["b", "a", "b"]).tolist()
    ['a', 'b']
    >>> find_classes(np.array([[1, 0], [0, 1], [1, 1]])).tolist()
    [0, 1]
    """
    check_array(y, ensure_2d=False, dtype=None, input_name="y")  # NaN, inf: a clear error
    kind = type_of_target(y)
    if kind == "multiclass-multioutput":
        array = np.asarray(y)
        return [np.unique(array[:, j]) for j in range(array.shape[1])]
    return unique_labels(y)


def open_stream(stream: Any, max_batches: int | None) -> tuple:
    """Start ``stream``: return ``(iterator, owned)``; ``owned`` iterators are ours to close.

    A data source is started with ``generate(max_batches=...)`` and a re-iterable is
    iterated afresh (both owned); an iterator given as such is used as it is (not owned).

    Raises
    ------
    TypeError
        If ``stream`` is neither a data source nor an iterable of batches.
    """
    if is_data_source(stream):
        return stream.generate(max_batches=max_batches), True
    if isinstance(stream, Iterator):
        return stream, False
    if isinstance(stream, Iterable) and not isinstance(stream, (Mapping, str, bytes)):
        return iter(stream), True
    hint = " To train on a single batch, use partial_fit." if isinstance(stream, Mapping) else ""
    raise TypeError(
        "stream must be an iterable of batches (dicts with 'X' and 'Y', or tuples (X, y)) or "
        f"a data source such as sklearn_stream.Streamer; got a {type(stream).__name__}.{hint}"
    )


def target_required(estimator: Any) -> bool:
    """Whether ``estimator`` is supervised (its tags say a target is required)."""
    return get_tags(estimator).target_tags.required


def wants_classes(estimator: Any) -> bool:
    """Whether ``estimator`` is a classifier whose ``partial_fit`` takes ``classes`` (for
    a Pipeline: its last step)."""
    estimator = final_step(estimator)
    if isinstance(estimator, (str, type(None), FrozenEstimator)):
        return False  # nothing is trained: a frozen or passthrough last step
    if get_tags(estimator).estimator_type != "classifier":
        return False
    try:
        return "classes" in inspect.signature(estimator.partial_fit).parameters
    except (TypeError, ValueError):
        return False
