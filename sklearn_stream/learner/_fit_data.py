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
:func:`check_data_stream`); so are a generator object, which runs only once, and a list of
batches, which would ignore ``X`` too (see :func:`check_stream_parameter`). A fit's stream
must yield ``max_batches`` batches (see :func:`require_batches`).
"""

import inspect
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

from .._random import epoch_rng
from ..core import Streamer, is_data_source
from ..exceptions import EmptyStreamError, ShortStreamError
from ..mux import Mux
from ._training import add_note

__all__ = [
    "check_data_stream",
    "check_stream_parameter",
    "describe_data",
    "describe_stream",
    "require_batches",
    "start_data_stream",
    "stream_random_ints",
]

_RANDOM_INT_BOUND = np.iinfo(np.int32).max
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


def check_stream_parameter(value: Any, name: str, owner: str) -> None:
    """Refuse a one-shot iterator or a fixed set of batches as ``stream``/``eval_stream``,
    with advice, rather than only the list of accepted types.

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        If ``value`` is an iterator (a generator object) or an iterable of batches (a
        list) rather than None, a callable or a data source.
    """
    _check_not_one_shot(value, name, owner)
    _check_not_batches(value, name, owner)


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


def stream_random_ints(random_state: Any) -> tuple:
    """The ``random_state`` ints of the training stream and of the evaluation stream, drawn
    from a learner's ``random_state``.

    None gives ``(None, None)``: the stream's own default is kept. An int gives the same
    pair in every process; a ``RandomState`` is advanced.

    Examples
    --------
    >>> from sklearn_stream.learner._fit_data import stream_random_ints
    >>> stream_random_ints(0) == stream_random_ints(0), stream_random_ints(None)
    (True, (None, None))
    """
    if random_state is None:
        return None, None
    rng = epoch_rng(random_state, 0)
    train_state, eval_state = rng.integers(_RANDOM_INT_BOUND, size=2)
    return int(train_state), int(eval_state)


def _with_random_state(func: Any, args: tuple, kwargs: dict, state: int | None) -> dict:
    """``kwargs``, plus ``random_state=state`` if ``func`` takes it and it is unset (None)."""
    if state is None:
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
    return {**kwargs, "random_state": state}


def start_data_stream(
    value: Any,
    data: tuple,
    state: int | None,
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
    state : int or None
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
    >>> from sklearn_stream.learner._fit_data import start_data_stream
    >>> def rows(X, step=1):
    ...     for i in range(0, len(X), step):
    ...         yield {"X": X[i : i + step]}
    >>> stream = start_data_stream(Streamer(rows, step=2), (np.arange(6),), None, None)
    >>> [batch["X"].tolist() for batch in stream]
    [[0, 1], [2, 3], [4, 5]]
    """
    context = {"name": name, "caller": caller, "set_params_prefix": f"{name}__"}
    return _with_data(value, data, state, context).generate(max_batches=max_batches)


def _with_data(value: Any, data: tuple, state: int | None, context: dict) -> Any:
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
        inner = _with_data(_inner_source(value), data, state, inner_context)
        return clone(value).set_params(source=inner)
    own_kwargs = tuple(kwargs)
    kwargs = _with_random_state(func, args, kwargs, state)
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
    >>> from sklearn_stream.learner._fit_data import describe_stream
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
    >>> from sklearn_stream.learner._fit_data import describe_data
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


def require_batches(stream: Any, max_batches: int | None, where: str) -> Any:
    """Yield the batches of ``stream`` and close it; raise if it ends before ``max_batches``.

    ``where`` names the stream and the fit for the messages.

    Raises
    ------
    EmptyStreamError, ShortStreamError
        If ``stream`` yields no batch, or fewer than ``max_batches``.
    """
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
