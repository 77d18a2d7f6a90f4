"""Turn a learner's ``stream`` / ``eval_stream`` parameter and a fit's data into a stream.

``StreamLearner(stream=...)`` describes how to stream *any* training data: a
:class:`~sklearn_stream.Streamer` over a generator function whose first arguments are the
data, or a plain callable ``f(X, y)``. ``fit(X, y)`` gives it the data of that fit (a
fold's samples, or a fold's list of files), so one learner works for every fold of a
search. The parameter itself is never modified: each fit builds a new ``Streamer`` with
the data put before the parameter's own positional arguments.

A data source that runs another one, given as its ``source`` parameter (such as
:class:`~sklearn_stream.ZMQStreamer`, which runs it in worker processes), is rebuilt
around the rebuilt source: a clone with ``set_params(source=...)``.

Only sources that *can* take data are accepted: a :class:`~sklearn_stream.Mux`, a
``Streamer`` over a list, or any other data source that has no function to call with the
data is rejected, because using it would silently ignore ``X`` (see
:func:`check_data_stream`).
"""

import inspect
from typing import Any

import numpy as np
from sklearn.base import clone

from .._random import epoch_rng
from ..core import Streamer, is_data_source
from ..exceptions import EmptyStreamError, ShortStreamError
from ..mux import Mux
from ._training import add_note, wants_classes

__all__ = [
    "check_data_stream",
    "derived_seeds",
    "describe_data",
    "describe_stream",
    "fit_data_stream",
    "start_data_stream",
]

_SEED_BOUND = np.iinfo(np.int32).max
_WEIGHTS = frozenset({"sample_weight"})
_ACCEPTED = (
    "a Streamer over a generator function whose first arguments are the data "
    "(Streamer(noisy_samples, sigma=1.0) streams noisy_samples(X, y, sigma=1.0)), a "
    "callable f(X, y) returning an iterable of batches, or a data source whose 'source' "
    "parameter is one of those (ZMQStreamer(Streamer(noisy_samples)) runs it in workers)"
)


def check_data_stream(value: Any, name: str) -> None:
    """Reject a ``stream``/``eval_stream`` value that cannot be given a fit's data.

    ``_parameter_constraints`` already ensures ``value`` is None, a callable or a data
    source; this says which data sources cannot take data, and why.

    Raises
    ------
    TypeError
        For a :class:`~sklearn_stream.Mux` or another data source with no function to call
        with the data.
    """
    if value is None or _takes_data(value):
        return
    if isinstance(value, Mux):
        raise TypeError(
            f"{name}={value!r} cannot be given the training data: a Mux has no function to "
            "call with it, and using it as it is would ignore X. To multiplex the fit's "
            "seeds (e.g. its files), pass a generator function that builds the Mux from "
            "them, e.g. Streamer(mux_tracks, lam=8.0) with "
            "def mux_tracks(paths, lam, random_state=None): yield from Mux([Streamer(read, "
            "p) for p in paths], k=4, lam=lam, random_state=random_state).generate(); "
            "its keyword arguments are then tunable as stream__lam. "
            f"{name} accepts {_ACCEPTED}."
        )
    if type(value) is Streamer:
        why = f"it wraps a {type(value.streamer).__name__}, not a function to call with the data"
    else:
        why = (
            f"a {type(value).__name__} is a data source of its own, not a Streamer over a "
            "function that a new Streamer can be built from with the data, nor a data source "
            "whose source parameter is one"
        )
    raise TypeError(
        f"{name}={value!r} cannot be given the training data: {why}, and using it as it is "
        f"would ignore X. {name} accepts {_ACCEPTED}. To train on a fixed stream instead, "
        "use iter_fit(stream)."
    )


def _inner_source(value: Any) -> Any:
    """The ``source`` parameter of a data source that runs another one, else None."""
    if type(value) in (Streamer, Mux):
        return None
    if not (is_data_source(value) and hasattr(value, "set_params")):
        return None
    try:
        return value.get_params(deep=False).get("source")
    except Exception:  # get_params of a foreign object: not one we can rebuild
        return None


def _takes_data(value: Any) -> bool:
    """Whether a new data source can be built from ``value`` with a fit's data."""
    if callable(value) and not is_data_source(value):
        return True
    if type(value) is Streamer:
        return callable(value.streamer) and not is_data_source(value.streamer)
    inner = _inner_source(value)
    return inner is not None and _takes_data(inner)


def derived_seeds(random_state: Any) -> tuple:
    """Seeds for the training stream and the evaluation stream, from a learner's state.

    None gives ``(None, None)``: the stream's own default is kept. An int gives the same
    pair in every process; a ``RandomState`` is advanced.

    Examples
    --------
    >>> from sklearn_stream._fit_streams import derived_seeds
    >>> derived_seeds(0) == derived_seeds(0), derived_seeds(None)
    (True, (None, None))
    """
    if random_state is None:
        return None, None
    rng = epoch_rng(random_state, 0)
    train_seed, eval_seed = rng.integers(_SEED_BOUND, size=2)
    return int(train_seed), int(eval_seed)


def _with_random_state(func: Any, args: tuple, kwargs: dict, seed: int | None) -> dict:
    """``kwargs``, plus ``random_state=seed`` if ``func`` takes it and it is unset (None)."""
    if seed is None:
        return kwargs
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return kwargs
    parameter = signature.parameters.get("random_state")
    if parameter is None or parameter.kind not in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    ):
        return kwargs
    try:
        bound = signature.bind_partial(*args, **kwargs).arguments
    except TypeError:
        return kwargs  # Streamer reports the invalid call itself
    if bound.get("random_state") is not None or (
        "random_state" in bound and "random_state" not in kwargs
    ):
        return kwargs  # set by the user (or given by position): keep it
    return {**kwargs, "random_state": seed}


def start_data_stream(
    value: Any,
    data: tuple,
    seed: int | None,
    max_batches: int | None,
    *,
    name: str = "stream",
    caller: str = "fit",
):
    """Start the stream that ``value`` (a checked ``stream`` parameter) makes of ``data``.

    Parameters
    ----------
    value : Streamer or callable
        Accepted by :func:`check_data_stream`.
    data : tuple
        ``(X, y)``, or ``(X,)`` when there is no target; put before ``value``'s own
        positional arguments.
    seed : int or None
        Passed as ``random_state`` when the function takes one that is unset.
    max_batches : int or None
    name : str, default="stream"
        The learner's parameter ``value`` comes from, for messages.
    caller : str, default="fit"
        The method that gives the data (``"StreamClassifier.fit"``), for messages.

    Returns
    -------
    iterator of batches
        A generator whose ``close()`` closes the user's generator.

    Examples
    --------
    >>> from sklearn_stream import Streamer
    >>> from sklearn_stream._fit_streams import start_data_stream
    >>> def rows(X, step=1):
    ...     for i in range(0, len(X), step):
    ...         yield {"X": X[i : i + step]}
    >>> stream = start_data_stream(Streamer(rows, step=2), (np.arange(6),), None, None)
    >>> [batch["X"].tolist() for batch in stream]
    [[0, 1], [2, 3], [4, 5]]
    """
    context = {"name": name, "caller": caller, "set_params_prefix": f"{name}__"}
    return _with_data(value, data, seed, context).generate(max_batches=max_batches)


def _with_data(value: Any, data: tuple, seed: int | None, context: dict) -> Any:
    """A new data source: ``value`` rebuilt with ``data`` first (recursing into ``source``).

    The new ``Streamer`` keeps a ``_data_context`` (the parameter's name, the method giving
    the data, how many leading arguments are data), so that a missing argument is reported
    as the user wrote the parameter, not with the data it was given.
    """
    if type(value) is Streamer:
        func, args, kwargs = value.streamer, (*data, *value.args), dict(value.kwargs)
    elif callable(value) and not is_data_source(value):
        func, args, kwargs = value, data, {}
        context = {**context, "set_params_prefix": None}  # a function has no parameters
    else:  # a data source running another one (e.g. in worker processes)
        prefix = context["set_params_prefix"]
        inner_context = {**context, "set_params_prefix": prefix and f"{prefix}source__"}
        inner = _with_data(_inner_source(value), data, seed, inner_context)
        return clone(value).set_params(source=inner)
    own_kwargs = tuple(kwargs)
    kwargs = _with_random_state(func, args, kwargs, seed)
    try:
        streamer = Streamer(func, *args, **kwargs)
    except TypeError as exc:
        given = "X, y" if len(data) == 2 else "X"
        add_note(
            exc,
            f"(the function is called with the data first ({given}), then the stream's own "
            "arguments: it must take the data as its first positional parameters)",
        )
        raise
    streamer._data_context = {**context, "n_data": len(data), "own_kwargs": own_kwargs}
    return streamer


def describe_stream(name: str, value: Any) -> str:
    """``name=value`` for error messages, with a function shown by its qualified name.

    Examples
    --------
    >>> from sklearn_stream._fit_streams import describe_stream
    >>> describe_stream("stream", len)
    'stream=len'
    """
    if isinstance(value, Streamer) or not hasattr(value, "__qualname__"):
        return f"{name}={value!r}"
    return f"{name}={value.__qualname__}"


def describe_data(X: Any) -> str:
    """A short description of a fit's ``X`` for error messages: its size and first items.

    A 2-D ``X`` holds samples; a 1-D ``X`` given to a stream usually holds seeds of the
    data (file paths, record ids), which are not samples, so it is described by its items.

    Examples
    --------
    >>> from sklearn_stream._fit_streams import describe_data
    >>> describe_data(np.array(["a.npz", "b.npz", "c.npz", "d.npz"]))
    "a 1-D X of 4 items ['a.npz', 'b.npz', 'c.npz', ...]"
    >>> describe_data(np.zeros((5, 2)))
    '5 samples of shape (5, 2)'
    """
    shape = getattr(X, "shape", None)
    n = shape[0] if shape is not None else len(X)
    if shape is not None and len(shape) != 1:
        return f"{n} samples of shape {tuple(shape)}"
    head = [item.item() if isinstance(item, np.generic) else item for item in list(X[:3])]
    more = ", ..." if n > 3 else ""
    items = "item" if n == 1 else "items"
    return f"a 1-D X of {n} {items} {repr(head)[:-1]}{more}]"


def _require(stream: Any, max_batches: int | None, where: str) -> Any:
    """Yield the batches of ``stream``; raise if it ends before ``max_batches``."""
    count = 0
    try:
        for batch in stream:
            count += 1
            yield batch
    finally:
        stream.close()
    if max_batches is not None and count < max_batches:
        if count == 0:
            raise EmptyStreamError(f"{where} yielded no batch: there is nothing to train on.")
        raise ShortStreamError(
            f"{where} ended after {count} batches, but max_batches={max_batches} asks for "
            f"{max_batches}: fits (and the scores a search compares) would silently train on "
            "less data than requested. Lower max_batches, set it to None to train until the "
            "stream ends, or make the stream longer. (iter_fit, which trains on a stream "
            "given once, stops quietly at its end instead.)"
        )


def fit_data_stream(learner: Any, X: Any, y: Any, params: dict) -> None:
    """Train ``learner`` on the stream its ``stream`` parameter makes of ``(X, y)``.

    Raises
    ------
    TypeError
        If ``sample_weight`` is in ``params`` (weights belong in the stream's batches).
    ValueError
        If the estimator needs ``classes`` and neither ``y`` nor ``params`` gives them.
    EmptyStreamError, ShortStreamError
        If the stream yields no batch, or fewer than ``learner.max_batches``.
    """
    name = type(learner).__name__
    if "sample_weight" in params:
        raise TypeError(
            f"{name}.fit got sample_weight while stream is set: the stream makes its own "
            "batches, so put the weights in each batch ({'X': ..., 'y': ..., "
            "'sample_weight': ...}) instead."
        )
    if "classes" not in params and wants_classes(learner.estimator):
        raise ValueError(
            f"{name}.fit with stream set and y=None needs classes=[...] (e.g. "
            "fit(X, classes=[0, 1]), or GridSearchCV(...).fit(X, classes=[0, 1])): the "
            "first partial_fit call must know every class, and no y was given to find them."
        )
    where = f"{describe_stream('stream', learner.stream)} in {name}.fit on {describe_data(X)}"
    seed, _ = derived_seeds(learner.random_state)
    data = (X,) if y is None else (X, y)
    stream = None
    try:
        started = start_data_stream(
            learner.stream, data, seed, learner.max_batches, caller=f"{name}.fit"
        )
        stream = _require(started, learner.max_batches, where)
        learner._train(stream, params, _WEIGHTS, where)
    except (EmptyStreamError, ShortStreamError):
        raise  # their messages name the stream and the fit already
    except Exception as exc:
        add_note(exc, f"(raised while training on {where})")
        raise
    finally:
        if stream is not None:
            stream.close()  # also when training stopped at max_batches: close the user's
