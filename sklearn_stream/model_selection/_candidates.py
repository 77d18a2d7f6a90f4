"""The candidates of a search, the learner they are set on, and which of them share a stream.

Candidates whose fits stream the same batches (the same fold, and the same values of the
parameters that make the batches: ``batch_size``, ``n_epochs``, ``shuffle``,
``random_state``, ``stream`` and its own parameters) train from one shared read of the
stream: their :func:`training_key` is the same. Likewise candidates whose ``eval_stream``
makes the same batches of a held-out fold are scored from one read of it
(:func:`evaluation_key`).
"""

from collections.abc import Mapping
from typing import Any

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.model_selection import ParameterGrid, ParameterSampler

from ..learner import StreamLearner

__all__ = [
    "as_learner",
    "candidate_list",
    "check_candidates",
    "evaluation_key",
    "training_key",
]

# The learner's parameters that decide the batches a fit streams, with ``random_state``,
# ``stream`` and the stream's own parameters.
_BATCH_PARAMS = ("batch_size", "n_epochs", "shuffle")


def candidate_list(param_grid: Any, n_candidates: int | None, random_state: Any) -> list:
    """Every candidate of ``param_grid``, or ``n_candidates`` of them sampled.

    With ``n_candidates``, ``param_grid`` holds distributions (or lists) sampled as
    :class:`~sklearn.model_selection.RandomizedSearchCV` does, and the candidates are those
    of ``HalvingRandomSearchCV(n_candidates=n_candidates)`` for the same ``random_state``.

    Examples
    --------
    >>> from sklearn_stream.model_selection._candidates import candidate_list
    >>> candidate_list({"alpha": [1, 2], "eta0": [0.1]}, None, None)
    [{'alpha': 1, 'eta0': 0.1}, {'alpha': 2, 'eta0': 0.1}]
    >>> len(candidate_list({"alpha": [1, 2, 3]}, 2, 0))
    2
    """
    if n_candidates is None:
        return list(ParameterGrid(param_grid))
    return list(ParameterSampler(param_grid, n_candidates, random_state=random_state))


def as_learner(estimator: Any, max_batches: int, random_state: Any) -> tuple:
    """The learner a search sets its candidates on, and how a candidate's names map to it.

    A :class:`~sklearn_stream.StreamLearner` is cloned and its names are used as
    they are. Any other estimator with ``partial_fit`` is wrapped in
    ``StreamLearner(estimator, batch_size=256, n_epochs=max_batches,
    random_state=random_state)``: ``n_epochs`` is set to ``max_batches``, so that the
    in-memory data's epochs never run out before ``max_batches`` batches (each epoch
    gives at least one batch), and a candidate's ``alpha`` sets the learner's
    ``estimator__alpha``.

    Returns
    -------
    learner : StreamLearner
    prefix : str
        Put before each candidate's parameter names (``""`` or ``"estimator__"``).

    Raises
    ------
    TypeError
        If ``estimator`` is neither a learner nor has ``partial_fit``.
    """
    if isinstance(estimator, StreamLearner):
        return clone(estimator), ""
    if not hasattr(estimator, "partial_fit"):
        name = type(estimator).__name__
        raise TypeError(
            f"The search trains its candidates batch by batch, so estimator must be a "
            f"StreamLearner or have partial_fit; got {name}, which has no partial_fit. "
            f"Wrap it in a StreamLearner, which also trains a Pipeline batch by batch "
            f"(StreamLearner({name}(...))), and name its parameters estimator__* in the "
            "grid."
        )
    learner = StreamLearner(clone(estimator), n_epochs=max_batches, random_state=random_state)
    return learner, "estimator__"


def prefixed(candidate: Mapping, prefix: str) -> dict:
    """``candidate`` with ``prefix`` before each name."""
    return {f"{prefix}{name}": value for name, value in candidate.items()}


def check_candidates(candidates: list) -> None:
    """Refuse candidates that set ``max_batches``: it is the search's resource (the
    learner's ``max_batches``, or a wrapped estimator's own, named as in the grid).

    Raises
    ------
    ValueError
        If a candidate sets ``max_batches``.
    """
    if any("max_batches" in candidate for candidate in candidates):
        raise ValueError(
            "Cannot search over max_batches: it is the resource the search allocates (the "
            "batches each candidate trains on, round after round). Remove it from the "
            "grid and set min_batches and max_batches instead."
        )


def _is_random_object(value: Any) -> bool:
    return isinstance(value, (np.random.RandomState, np.random.Generator))


def _token(value: Any) -> Any:
    """A hashable token of a parameter's value: equal values give equal tokens.

    Values that do not pickle by reference (a local function, a lambda, a ``Streamer``
    over one) are known by the identity of their functions, the same object in every
    candidate's clone of the learner.
    """
    try:
        return joblib.hash(value)
    except Exception:  # not picklable by reference: fall back to identities
        pass
    if hasattr(value, "get_params") and not isinstance(value, type):
        function = getattr(value, "streamer", None)
        own = value.get_params(deep=False)
        parts = {name: _token(part) for name, part in own.items()}
        args = [_token(arg) for arg in getattr(value, "args", ())]
        return (type(value).__qualname__, id(function), tuple(args), tuple(sorted(parts.items())))
    return (type(value).__qualname__, id(value))


def _key(learner: Any, stream: str) -> tuple:
    """Tokens of ``learner``'s parameters named ``stream``, ``stream__*`` and
    ``random_state``."""
    params = learner.get_params(deep=True)
    names = sorted(
        name
        for name in params
        if name in (stream, "random_state") or name.startswith(f"{stream}__")
    )
    return tuple((name, _token(params[name])) for name in names)


def training_key(learner: Any, index: int) -> Any:
    """A token that is the same for two candidates' learners exactly when their fits on a
    fold stream the same batches.

    A ``random_state`` that is a ``RandomState`` or ``Generator`` object is advanced by
    the estimator's seeds before the batches are drawn, so such a learner shares with no
    other candidate (its key includes the candidate's ``index``).

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn_stream.learner import StreamLearner
    >>> from sklearn_stream.model_selection._candidates import training_key
    >>> learner = StreamLearner(SGDClassifier(), random_state=0)
    >>> a = training_key(learner.set_params(estimator__alpha=1.0), 0)
    >>> a == training_key(learner.set_params(estimator__alpha=2.0), 1)
    True
    >>> a == training_key(learner.set_params(batch_size=32), 2)
    False
    """
    params = learner.get_params(deep=False)
    key = (*((name, _token(params[name])) for name in _BATCH_PARAMS), *_key(learner, "stream"))
    if _is_random_object(learner.random_state):
        key = (*key, ("candidate", index))
    return key


def evaluation_key(learner: Any) -> Any:
    """A token that is the same for two candidates' learners exactly when their
    ``eval_stream`` makes the same batches of a held-out fold; None if the learner has no
    ``eval_stream``, or a ``random_state`` object (advanced by each evaluation).

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn_stream.learner import StreamLearner
    >>> from sklearn_stream.model_selection._candidates import evaluation_key
    >>> def chunks(X, y):
    ...     yield {"X": X, "y": y}
    >>> learner = StreamLearner(SGDClassifier(), eval_stream=chunks, random_state=0)
    >>> a = evaluation_key(learner.set_params(estimator__alpha=1.0, batch_size=8))
    >>> a == evaluation_key(learner.set_params(estimator__alpha=2.0, batch_size=16))
    True
    >>> evaluation_key(learner.set_params(eval_stream=None)) is None
    True
    """
    if learner.eval_stream is None or _is_random_object(learner.random_state):
        return None
    return _key(learner, "eval_stream")
