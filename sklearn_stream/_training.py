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
from sklearn.utils import get_tags
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import _num_samples, check_array

from ._unpack import feature_count, unpack_batch
from .core import is_data_source
from .exceptions import BatchError, EmptyStreamError

__all__ = [
    "TrainingProgress",
    "check_not_empty",
    "find_classes",
    "fresh_estimator",
    "open_stream",
    "target_required",
    "train",
    "wants_classes",
]

_SEED_BOUND = np.iinfo(np.int32).max


class TrainingProgress:
    """What a training run consumed: batches, samples, and the feature count seen first."""

    __slots__ = ("n_batches", "n_features", "n_samples")

    def __init__(self, n_batches: int = 0, n_samples: int = 0, n_features: Any = None):
        self.n_batches = n_batches
        self.n_samples = n_samples
        self.n_features = n_features


def _note(exc: BaseException, index: int) -> None:
    note = f"(raised while training on batch {index} of the stream)"
    if hasattr(exc, "add_note"):  # Python >= 3.11
        exc.add_note(note)


def train(
    partial_fit: Any,
    stream: Iterable,
    *,
    max_batches: int | None,
    params: Mapping,
    sample_keys: frozenset,
    target_required: bool,
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
    target_required : bool
        Whether a batch without a target is an error.
    progress : TrainingProgress
        Counts so far (non-zero when training continues); ``n_features`` is checked against
        every batch once known.
    monitor : TrainingMonitor or None, default=None
        Called after every batch (validation scores, progress display); training stops
        when it says so (early stopping). None costs nothing per batch.

    Raises
    ------
    BatchError
        For a malformed batch, a missing target, or a change in the number of features;
        the message names the batch.
    """
    n_features = progress.n_features
    n_samples = progress.n_samples
    batches = stream if max_batches is None else islice(stream, max_batches)
    for index, batch in enumerate(batches, start=progress.n_batches):
        X, y, batch_params = unpack_batch(batch, index, sample_keys)
        if y is None and target_required:
            raise BatchError(
                f"batch {index} of the stream has no target ('Y' or 'y'), but the estimator "
                "is supervised and needs one in every batch."
            )
        width = feature_count(X)
        if width != n_features:
            if n_features is None:
                n_features = width
            elif width is not None:
                raise BatchError(
                    f"batch {index} of the stream has {width} features, but the batches before "
                    f"it had {n_features}; every batch must have the same features."
                )
        try:
            if batch_params:
                partial_fit(X, y, **batch_params, **params)
            else:
                partial_fit(X, y, **params)
        except Exception as exc:
            _note(exc, index)
            raise
        n_samples += _num_samples(X)
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
    """Clone ``estimator``; with ``rng``, seed each of its ``random_state`` left at None.

    Seeding only parameters the user left at None keeps every choice the user made, and
    makes a learner with an int ``random_state`` reproducible as a whole.
    """
    fresh = clone(estimator)
    if rng is not None:
        names = _unset_random_states(fresh)
        if names:
            seeds = rng.randint(_SEED_BOUND, size=len(names))
            fresh.set_params(**{name: int(seed) for name, seed in zip(names, seeds)})
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
    >>> from sklearn_stream._training import find_classes
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
    """Whether ``estimator`` is a classifier whose ``partial_fit`` takes ``classes``."""
    if get_tags(estimator).estimator_type != "classifier":
        return False
    try:
        return "classes" in inspect.signature(estimator.partial_fit).parameters
    except (TypeError, ValueError):
        return False
