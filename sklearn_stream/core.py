"""Data sources: objects that start a fresh stream of batches on demand.

:class:`DataSource` is the base of every data source of the package: it derives the
parameters from ``__init__`` (``get_params``, ``set_params``, cloning, ``repr``), validates
them once per started stream, and provides ``generate``, ``iterate``, ``cycle``, calling
(``source(max_iter, cycle)``, as in pescador 3) and the closing of streams. A subclass gives
its parameters' checks and its own stream. :class:`Streamer` wraps a generator function
(whose keyword arguments are its parameters), a re-iterable or another data source; the
:func:`streamable` decorator makes a generator function return such a ``Streamer``.
"""

import copy
import functools
import inspect
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import chain, islice
from types import FunctionType, GeneratorType
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone

from ._checks import check_bool, check_max_batches, close_if_closable, is_data_source
from .exceptions import EmptyStreamError

__all__ = ["DataSource", "Streamer", "check_max_batches", "is_data_source", "streamable"]


# A function decorated with ``streamable`` holds the generator function under this
# attribute; the generator function's ``__qualname__`` may end with it, so that pickle finds
# it by name (see ``_reachable_by_name``).
_ORIGINAL = "_streamable_function"


def _describe(value: Any) -> str:
    """A short, readable stand-in for a value inside a repr."""
    if isinstance(value, np.ndarray):
        if value.ndim <= 1 and value.size <= 8:
            return f"array({value.tolist()})"
        return f"<ndarray shape={value.shape} dtype={value.dtype}>"
    if sp.issparse(value):
        return f"<sparse {value.format} shape={value.shape}>"
    if isinstance(value, (list, tuple)) and len(value) > 6:
        return f"<{type(value).__name__} of {len(value)}>"
    if inspect.isfunction(value) or inspect.isbuiltin(value) or inspect.isclass(value):
        return value.__qualname__.removesuffix(f".{_ORIGINAL}")
    return repr(value)


def _signature(func: Callable) -> inspect.Signature | None:
    """``func``'s signature, or None when it has none to check against (some builtins)."""
    try:
        return inspect.signature(func)
    except (TypeError, ValueError):
        return None


def _bind(func: Callable, args: tuple, kwargs: dict) -> None:
    """Check that ``func(*args, **kwargs)`` is a valid call, without making it."""
    signature = _signature(func)
    if signature is None:
        return
    try:
        signature.bind_partial(*args, **kwargs)
    except TypeError as error:
        raise TypeError(f"invalid arguments for {_describe(func)}: {error}.") from None


def _missing_parameters(signature: inspect.Signature, args: tuple, kwargs: dict) -> list:
    """The required parameters of ``signature`` that ``args`` and ``kwargs`` leave unfilled."""
    missing = []
    positional = len(args)
    for index, parameter in enumerate(signature.parameters.values()):
        if parameter.default is not inspect.Parameter.empty:
            continue
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        by_position = parameter.kind != parameter.KEYWORD_ONLY and index < positional
        if not by_position and parameter.name not in kwargs:
            missing.append(parameter)
    return missing


def _short(value: Any) -> str | None:
    """``repr(value)`` if it is short and plain (a number, a short string, None), else None."""
    if value is None or isinstance(value, (bool, int, float, np.number)):
        return repr(value.item() if isinstance(value, np.generic) else value)
    if isinstance(value, str) and len(value) <= 40:
        return repr(value)
    return None


def _positional_texts(signature: inspect.Signature, args: tuple) -> list:
    """The positional arguments ``args`` as a message shows them: short values as written,
    anything else (arrays, lists of paths) by the name of its parameter."""
    parameters = list(signature.parameters.values())
    texts = []
    for index, arg in enumerate(args):
        text = _short(arg)
        if text is None:
            parameter = parameters[min(index, len(parameters) - 1)] if parameters else None
            text = parameter.name if parameter is not None else "..."
        texts.append(text)
    return texts


def _keyword_texts(kwargs: dict) -> list:
    return [f"{name}={_short(value) or '...'}" for name, value in kwargs.items()]


def _plural(missing: list, one: str, many: str) -> str:
    return many if len(missing) > 1 else one


def _how_to_give(func_text: str, given: list, given_keywords: list, missing: list) -> list:
    """Example calls of ``Streamer`` that give the ``missing`` parameters as well; the last
    gives them by name where it can."""
    keyword_only = [f"{p.name}=..." for p in missing if p.kind == p.KEYWORD_ONLY]
    positional = [p.name for p in missing if p.kind != p.KEYWORD_ONLY]
    calls = [[func_text, *given, *positional, *given_keywords, *keyword_only]]
    if any(p.kind == p.POSITIONAL_OR_KEYWORD for p in missing):
        by_name = [f"{p.name}=..." if p.kind != p.POSITIONAL_ONLY else p.name for p in missing]
        calls.append([func_text, *given, *given_keywords, *by_name])
    return [f"Streamer({', '.join(call)})" for call in calls]


def _missing_message(streamer: Any, signature: inspect.Signature, missing: list) -> str:
    """The message for a stream started with required arguments still missing.

    Arguments are shown by their parameter names unless short (never an array's repr). A
    ``Streamer`` that a learner built from its ``stream`` or ``eval_stream`` parameter (with
    the data of ``fit`` or ``score`` put first) has a ``_data_context``; its message speaks
    of that parameter, as the user wrote it, without the data.
    """
    func, args, kwargs = streamer.streamer, streamer.args, streamer.kwargs
    func_text = _describe(func)
    listing = ", ".join(repr(p.name) for p in missing)
    lacks = (
        f"{func_text}() is missing the required {_plural(missing, 'argument', 'arguments')} "
        f"{listing}"
    )
    context = streamer.__dict__.get("_data_context")
    if context is None:
        given = _positional_texts(signature, args)
        keywords = _keyword_texts(kwargs)
        call = ", ".join([func_text, *given, *keywords])
        return (
            f"Streamer({call}) cannot start a stream: {lacks}. Give "
            f"{_plural(missing, 'it', 'them')} when creating the Streamer, e.g. "
            f"{' or '.join(_how_to_give(func_text, given, keywords, missing))}. (A "
            "StreamLearner's "
            "fit(X, y) puts X and y before the Streamer's own arguments.)"
        )
    return _learner_missing_message(streamer, signature, missing, lacks, context)


def _in_place_of_y(signature: inspect.Signature, missing: list, n_data: int) -> list:
    """The missing parameters that stand where ``y`` goes, when no ``y`` was given."""
    if n_data != 1:
        return []
    positional = [
        p for p in signature.parameters.values() if p.kind != inspect.Parameter.KEYWORD_ONLY
    ]
    return [p for p in missing if positional[1:2] == [p]]


def _learner_missing_message(
    streamer: Any, signature: inspect.Signature, missing: list, lacks: str, context: dict
) -> str:
    """The missing-argument message for a Streamer a learner built around its data."""
    name, n_data, caller = context["name"], context["n_data"], context["caller"]
    own_args = _positional_texts(signature, streamer.args)[n_data:]
    own_kwargs = {k: v for k, v in streamer.kwargs.items() if k in context["own_kwargs"]}
    func_text = _describe(streamer.streamer)
    written = ", ".join([func_text, *own_args, *_keyword_texts(own_kwargs)])
    head = f"{name}=Streamer({written}) cannot start a stream in {caller}: {lacks}. "
    no_y = _in_place_of_y(signature, missing, n_data)
    if no_y:
        return head + (
            f"{caller} was given y=None, so it passes only X to {func_text}, whose next "
            f"parameter {no_y[0].name!r} is where y goes: give {caller} the targets too, "
            f"or give {func_text} a default for {no_y[0].name!r}."
        )
    suggestion = _how_to_give(func_text, own_args, _keyword_texts(own_kwargs), missing)[-1]
    advice = f"{name}={suggestion}"
    prefix = context.get("set_params_prefix")
    settable = [p.name for p in missing if p.kind != p.POSITIONAL_ONLY]
    if prefix is not None and settable:
        values = ", ".join(f"{prefix}{p}=..." for p in settable)
        advice += f", or learner.set_params({values})"
    data = "X, y" if n_data == 2 else "X"
    return head + (
        f"{caller} passes its data ({data}) as the first arguments of {func_text}; give "
        f"the other arguments with the stream parameter: {advice}."
    )


def _check_complete_call(streamer: Any, func: Callable, args: tuple, kwargs: dict) -> None:
    """Raise if ``func(*args, **kwargs)`` would fail to bind, before calling it.

    A ``Streamer`` may be created with arguments missing (a learner's ``fit`` puts the data
    first); when a stream starts, nothing may be missing any more.
    """
    signature = _signature(func)
    if signature is None:
        return
    try:
        signature.bind(*args, **kwargs)
    except TypeError as error:
        missing = _missing_parameters(signature, args, kwargs)
        if not missing:
            raise TypeError(
                f"Streamer({_describe(func)}, ...) cannot start a stream: {error}."
            ) from None
        raise TypeError(_missing_message(streamer, signature, missing)) from None


def _generator_object_message(generator: Any) -> str:
    """Why ``Streamer`` refuses a generator object, with the call that would work, written
    with the name of the function that made it."""
    code = getattr(generator, "gi_code", None) or getattr(generator, "ag_code", None)
    name = getattr(generator, "__name__", None) or getattr(code, "co_name", "")
    if not name.isidentifier():  # a generator expression: no function to name
        return (
            "Streamer cannot restart a generator object: it runs only once. Pass a function "
            "that makes the generator, and its arguments, instead: Streamer(make_batches, "
            "n) for def make_batches(n): yield ..."
        )
    return (
        f"Streamer cannot restart a generator object of {name}(): it runs only once. Pass "
        f"the generator function and its arguments instead: Streamer({name}, ...) rather "
        f"than Streamer({name}(...))."
    )


def _clone_argument(value: Any) -> Any:
    """Copy one argument of a Streamer for :func:`sklearn.base.clone`.

    Data sources are cloned (fresh epoch counters, independent parameters); everything else,
    fitted models included, is deep-copied, so the copy streams exactly what the original
    streams.
    """
    if is_data_source(value):
        return clone(value)
    return copy.deepcopy(value)


class DataSource(ABC):
    """Base class of the data sources: parameters, validation, and starting streams.

    A subclass declares its parameters as the arguments of its ``__init__`` (stored under
    the same names, as in scikit-learn's estimators), checks them in :meth:`_check` and
    starts one stream in :meth:`_start`. The base then gives ``get_params``/``set_params``
    (with ``name__param`` for parameters of nested objects), cloning, a ``repr`` showing
    the parameters that differ from their defaults, and :meth:`generate`, :meth:`iterate`,
    :meth:`cycle` and calling (:meth:`__call__`). Parameters are checked when the object is
    made, when :meth:`set_params` changes them (nothing changes if the new set is invalid)
    and again at each :meth:`generate` (attributes may have been assigned directly).

    Examples
    --------
    >>> from sklearn_stream.core import DataSource
    >>> class Countdown(DataSource):
    ...     def __init__(self, start=3):
    ...         self._init_params(start=start)
    ...     def _check(self, params):
    ...         if params["start"] < 0:
    ...             raise ValueError("start must be >= 0")
    ...         return params
    ...     def _start(self, params, max_batches):
    ...         return ({"X": np.array([i])} for i in range(params["start"], 0, -1))
    >>> source = Countdown(start=2)
    >>> [batch["X"].tolist() for batch in source.generate()], source
    ([[2], [1]], Countdown(start=2))
    """

    # -- to be given by subclasses ---------------------------------------------------------
    # True when the generator _start returns already stops after max_batches: generate then
    # hands it over as it is (a generator, with send and throw), without a wrapper.
    _bounds_itself = False

    def _check(self, params: dict) -> Any:
        """Validate ``params`` (all of them) or raise; return what :meth:`_start` needs."""
        return params

    def _normalized(self, params: dict) -> dict:
        """``params`` as they are stored (e.g. a one-shot iterable turned into a list)."""
        return params

    @abstractmethod
    def _start(self, state: Any, max_batches: int | None) -> Iterable:
        """Start one fresh stream (``max_batches`` is bounded afterwards: a source may use
        it to do less work)."""

    # -- parameters -------------------------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list:
        """The parameters: the named arguments of ``__init__``."""
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
        variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        return [p.name for p in parameters if p.kind not in variadic]

    def _init_params(self, **params: Any) -> None:
        """Check and store the parameters given to ``__init__``."""
        params = self._normalized(params)
        self._check(params)
        self.__dict__.update(params)
        self._epochs = 0  # how many streams were started: each epoch draws anew

    def _init_locals(self, arguments: dict) -> None:
        """:meth:`_init_params` from ``__init__``'s ``locals()``: each parameter by name."""
        self._init_params(**{name: arguments[name] for name in self._param_names()})

    def get_params(self, deep: bool = True) -> dict:
        """Return the parameters.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of parameters that have ``get_params`` (data
            sources, estimators), as ``name__param``.

        Returns
        -------
        dict

        Examples
        --------
        >>> from sklearn_stream import Mux, Streamer
        >>> Mux([Streamer([{"X": [0]}])], 1, lam=4.0).get_params()["lam"]
        4.0
        """
        params = {name: getattr(self, name) for name in self._param_names()}
        if deep:
            for name, value in list(params.items()):
                if hasattr(value, "get_params") and not inspect.isclass(value):
                    for sub, sub_value in value.get_params(deep=True).items():
                        params[f"{name}__{sub}"] = sub_value
        return params

    def set_params(self, **params: Any) -> "DataSource":
        """Change parameters; ``name__param`` changes a parameter of parameter ``name``.

        The new set is checked before anything changes.

        Parameters
        ----------
        **params
            Any of the constructor's parameters, or ``name__param``.

        Returns
        -------
        self : DataSource

        Raises
        ------
        ValueError, TypeError
            For an unknown name or an invalid value; nothing is then changed.

        Examples
        --------
        >>> from sklearn_stream import Mux, Streamer
        >>> source = Mux([Streamer([{"X": [0]}]), Streamer([{"X": [1]}])], 1)
        >>> source.set_params(lam=None, random_state=0).lam is None
        True
        """
        self._apply_change(*self._planned_change(params))
        return self

    def _planned_change(self, params: dict) -> tuple[dict, dict]:
        """``(own, nested)`` parameters of ``set_params(**params)``, all checked (nested
        data sources' too); nothing is changed."""
        names = self._param_names()
        own = {key: value for key, value in params.items() if "__" not in key}
        own = self._normalized(own)
        nested: dict[str, dict] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if sub:
                nested.setdefault(name, {})[sub] = value
        unknown = sorted(set(own) - set(names))
        unknown += sorted(
            f"{name}__{sub}" for name in nested if name not in names for sub in nested[name]
        )
        if unknown:
            raise ValueError(
                f"invalid parameter(s) {unknown} for {type(self).__name__}; valid ones are "
                f"{sorted(names)} (and name__param for the parameters of a parameter)."
            )
        current = self.get_params(deep=False)
        current.update(own)
        self._check(current)
        for name, sub_params in nested.items():
            _check_nested(self, current[name], name, sub_params)
        return own, nested

    def _apply_change(self, own: dict, nested: dict) -> None:
        self.__dict__.update(own)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)

    def __sklearn_clone__(self) -> "DataSource":
        params = self.get_params(deep=False)
        return type(self)(**{name: clone(value, safe=False) for name, value in params.items()})

    def _repr_parts(self) -> list:
        """The parameters a ``repr`` shows: those that differ from their defaults."""
        signature = inspect.signature(type(self).__init__)
        parts = []
        for name in self._param_names():
            default = signature.parameters[name].default
            value = getattr(self, name)
            same = value is default or (type(value) is type(default) and value == default)
            if not same:
                parts.append(f"{name}={_describe(value)}")
        return parts

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self._repr_parts())})"

    # -- streams ------------------------------------------------------------------------------
    def generate(self, max_batches: int | None = None) -> Iterator:
        """Start a fresh stream.

        Parameters
        ----------
        max_batches : int >= 0 or None, default=None
            The most batches to yield; None for no bound.

        Returns
        -------
        iterator of batches
            Stopped after ``max_batches``. Closing it closes the underlying stream.

        Raises
        ------
        TypeError, ValueError
            If ``max_batches`` is not None or an int >= 0, or a parameter is invalid.
        TypeError
            For a :class:`~sklearn_stream.Streamer` whose function still lacks required
            arguments (the message names them and shows how to give them), or returns
            something other than an iterable of batches.

        Examples
        --------
        >>> from sklearn_stream import Streamer
        >>> source = Streamer(range, 3)  # any callable returning an iterable
        >>> list(source.generate()), list(source.generate(max_batches=2))
        ([0, 1, 2], [0, 1])
        """
        max_batches = check_max_batches(max_batches)
        stream = self._start(self._check(self.get_params(deep=False)), max_batches)
        if isinstance(stream, GeneratorType) and (max_batches is None or self._bounds_itself):
            return stream  # nothing to add: hand the generator over unchanged
        return _bounded(stream, max_batches)

    def iterate(self, max_iter: int | None = None) -> Iterator:
        """Start a fresh stream of at most ``max_iter`` batches (same as :meth:`generate`).

        Parameters
        ----------
        max_iter : int >= 0 or None, default=None

        Returns
        -------
        iterator of batches

        Examples
        --------
        >>> from sklearn_stream import Streamer
        >>> list(Streamer([{"X": [0]}, {"X": [1]}]).iterate(max_iter=1))
        [{'X': [0]}]
        """
        return self.generate(check_max_batches(max_iter, "max_iter"))

    def cycle(self, max_iter: int | None = None) -> Iterator:
        """Yield batches forever, restarting the stream each time it ends.

        Parameters
        ----------
        max_iter : int >= 0 or None, default=None
            The most batches to yield in total; None for no bound.

        Returns
        -------
        iterator of batches

        Raises
        ------
        EmptyStreamError
            While iterating, if a fresh stream yields no batch at all: repeating it would
            loop forever without producing anything.

        Examples
        --------
        >>> from sklearn_stream import Streamer
        >>> source = Streamer([{"X": [0]}, {"X": [1]}])
        >>> [int(batch["X"][0]) for batch in source.cycle(max_iter=5)]
        [0, 1, 0, 1, 0]
        """
        return _bounded(self._cycle(), check_max_batches(max_iter, "max_iter"))

    def _cycle(self) -> Iterator:
        while True:
            empty = True
            for batch in self.generate():
                empty = False
                yield batch
            if empty:
                raise EmptyStreamError(
                    f"{self!r} started a stream that yielded no batch; cycle() cannot repeat "
                    "an empty stream."
                )

    def __iter__(self) -> Iterator:
        return self.generate()

    def __call__(self, max_iter: int | None = None, cycle: bool = False) -> Iterator:
        """Start a stream by calling the data source, as in pescador 3.

        ``source(max_iter)`` is :meth:`iterate`, ``source(max_iter, cycle=True)`` is
        :meth:`cycle`, so code written for pescador 3, which calls its streamers (``for
        batch in streamer(max_iter=100)``), runs unchanged. Unlike pescador, which gives an
        empty stream for ``max_iter=-1`` and takes ``max_iter=1.5``, the arguments are
        checked at the call.

        Parameters
        ----------
        max_iter : int >= 0 or None, default=None
            The most batches to yield in total; None for no bound.
        cycle : bool, default=False
            Whether to restart the stream each time it ends (and so yield batches until
            ``max_iter``, or forever).

        Returns
        -------
        iterator of batches
            Closing it closes the underlying stream.

        Raises
        ------
        TypeError, ValueError
            At the call, if ``max_iter`` is not None or an int >= 0, or ``cycle`` is not a
            bool.
        EmptyStreamError
            While iterating with ``cycle=True``, if a fresh stream yields no batch at all.

        See Also
        --------
        iterate : the same as ``source(max_iter)``.
        cycle : the same as ``source(max_iter, cycle=True)``.

        Examples
        --------
        >>> from sklearn_stream import Streamer
        >>> source = Streamer([{"X": [0]}, {"X": [1]}])
        >>> [batch["X"][0] for batch in source()]
        [0, 1]
        >>> [batch["X"][0] for batch in source(max_iter=5, cycle=True)]
        [0, 1, 0, 1, 0]
        """
        max_iter = check_max_batches(max_iter, "max_iter")
        if check_bool("cycle", cycle):
            return self.cycle(max_iter)
        return self.iterate(max_iter)


def _check_nested(owner: Any, value: Any, name: str, params: dict) -> None:
    """Raise unless parameter ``name`` (``value``) of ``owner`` has parameters to set and,
    for a data source, ``params`` are a valid change of them."""
    if not hasattr(value, "set_params") or inspect.isclass(value):
        raise ValueError(
            f"cannot set {sorted(f'{name}__{key}' for key in params)}: {name!r} is not a "
            f"parameter with parameters of its own in {owner!r}."
        )
    if isinstance(value, DataSource):
        value._planned_change(params)


class Streamer(DataSource):
    """A data source: starts a fresh stream of batches each time it is asked.

    A generator object runs once; a ``Streamer`` holds what is needed to start it again
    (a generator function and its arguments, or an iterable that can be iterated again),
    so one object serves many epochs, many processes and many folds of a search.

    Parameters
    ----------
    streamer : callable, re-iterable or data source
        - a generator function, or any callable returning an iterable of batches: it is
          called as ``streamer(*args, **kwargs)`` to start each stream;
        - an iterable that can be iterated more than once (a list of batches, an array);
        - another data source (an object with ``generate``, e.g. a ``Streamer`` or
          :class:`~sklearn_stream.Mux`), whose ``generate()`` starts each stream.

        A function decorated with :func:`streamable` stands for the generator function it
        decorates.
    *args, **kwargs
        Arguments for a callable ``streamer``. The keyword arguments are this object's
        parameters: :meth:`get_params` returns them and :meth:`set_params` changes them,
        so :func:`sklearn.base.clone` and scikit-learn's searches (``stream__sigma``)
        work on them.

    Raises
    ------
    TypeError
        If ``streamer`` is a generator object or another one-shot iterator (it cannot be
        restarted: pass the generator function and its arguments instead), a single batch
        (a dict), or neither callable nor iterable; if arguments are given with a
        ``streamer`` that is not callable; or if ``streamer`` cannot take the arguments
        given (an unknown keyword, too many positional arguments). Arguments may still be
        missing here: a :class:`~sklearn_stream.StreamLearner` puts the data of ``fit(X, y)``
        before them. When a stream starts, :meth:`generate` names any that are still missing.

    See Also
    --------
    Mux : a data source that multiplexes a pool of data sources.
    streamable : a decorator that makes a generator function return a ``Streamer``.

    Examples
    --------
    >>> from sklearn_stream import Streamer
    >>> def counter(n, step=1):
    ...     for i in range(0, n, step):
    ...         yield {"X": np.array([i])}
    >>> source = Streamer(counter, 6, step=2)
    >>> [int(batch["X"][0]) for batch in source.generate()]
    [0, 2, 4]
    >>> [int(batch["X"][0]) for batch in source.generate(max_batches=2)]
    [0, 2]
    >>> source.set_params(step=3).get_params()
    {'step': 3}
    >>> source
    Streamer(counter, 6, step=3)

    An argument missing when the stream starts is named, with a call that gives it:

    >>> Streamer(counter, step=2).generate()
    Traceback (most recent call last):
    ...
    TypeError: Streamer(counter, step=2) cannot start a stream: counter() is missing the
    required argument 'n'. Give it when creating the Streamer, e.g. ...
    """

    def __init__(self, streamer: Any, *args: Any, **kwargs: Any) -> None:
        streamer = _undecorated(streamer)
        if isinstance(streamer, GeneratorType) or inspect.isasyncgen(streamer):
            raise TypeError(_generator_object_message(streamer))
        if isinstance(streamer, Iterator):
            raise TypeError(
                f"Streamer cannot restart a one-shot iterator ({type(streamer).__name__}). "
                "Pass a function that creates the iterator, or a list of batches."
            )
        if isinstance(streamer, Mapping):
            raise TypeError(
                "Streamer got a dict, which is a single batch, not a stream of batches; "
                "wrap it in a list: Streamer([batch])."
            )
        if isinstance(streamer, (str, bytes)):
            raise TypeError(
                f"Streamer got a {type(streamer).__name__}, not a stream of batches; to read "
                "a file, pass a generator function and the path: Streamer(read_file, path)."
            )
        source = is_data_source(streamer)
        if not (source or callable(streamer) or isinstance(streamer, Iterable)):
            raise TypeError(
                "streamer must be a generator function (or other callable returning an "
                "iterable of batches), a re-iterable such as a list of batches, or a data "
                f"source; got a {type(streamer).__name__}."
            )
        if (args or kwargs) and (source or not callable(streamer)):
            raise TypeError(
                f"arguments were given, but streamer ({type(streamer).__name__}) is not a "
                "function to call with them."
            )
        if args or kwargs:
            _bind(streamer, args, kwargs)
        self.streamer = streamer
        self.args = args
        self.kwargs = kwargs

    # -- starting streams -------------------------------------------------------------------
    def _start(self, state: Any, max_batches: int | None) -> Iterable:
        """Start one fresh, unbounded stream."""
        streamer = self.streamer
        if is_data_source(streamer):
            return streamer.generate()
        if callable(streamer):
            args, kwargs = self.args, self.kwargs
            call = (streamer, len(args), tuple(kwargs))
            if call != self.__dict__.get("_checked_call"):  # check once per kind of call
                _check_complete_call(self, streamer, args, kwargs)
                self._checked_call = call
            stream = streamer(*args, **kwargs)
            if not isinstance(stream, Iterable) or isinstance(stream, (Mapping, str, bytes)):
                raise TypeError(
                    f"{_describe(streamer)} returned a {type(stream).__name__}, not an "
                    "iterable of batches."
                )
            return stream
        return streamer

    # -- scikit-learn parameter protocol ------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict:
        """Return the keyword arguments given to the generator function.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of arguments that have ``get_params`` (estimators,
            data sources), as ``name__param``.

        Returns
        -------
        dict

        Examples
        --------
        >>> from sklearn_stream import Streamer
        >>> def rows(n, scale=1.0):
        ...     yield from ({"X": [i * scale]} for i in range(n))
        >>> Streamer(rows, 3, scale=2.0).get_params()
        {'scale': 2.0}
        """
        params = dict(self.kwargs)
        if deep:
            for name, value in self.kwargs.items():
                if hasattr(value, "get_params") and not inspect.isclass(value):
                    for sub, sub_value in value.get_params(deep=True).items():
                        params[f"{name}__{sub}"] = sub_value
        return params

    def set_params(self, **params: Any) -> "Streamer":
        """Set keyword arguments of the generator function; ``name__param`` sets nested ones.

        Parameters
        ----------
        **params
            Keyword arguments the generator function accepts.

        Returns
        -------
        self : Streamer

        Raises
        ------
        ValueError
            If the generator function takes no keyword argument of that name (or receives it
            by position already), or this ``Streamer`` wraps an iterable or a data source
            rather than a function. Nothing is changed then.

        Examples
        --------
        >>> from sklearn_stream import Streamer
        >>> def rows(n, scale=1.0):
        ...     yield from ({"X": [i * scale]} for i in range(n))
        >>> source = Streamer(rows, 3).set_params(scale=10.0)
        >>> [batch["X"][0] for batch in source]
        [0.0, 10.0, 20.0]
        """
        if params:
            self._apply_change(*self._planned_change(params))
        return self

    def _planned_change(self, params: dict) -> tuple[dict, dict]:
        if not callable(self.streamer) or is_data_source(self.streamer):
            raise ValueError(
                f"{self!r} wraps a {type(self.streamer).__name__}, which takes no parameters; "
                f"cannot set {sorted(params)}."
            )
        kwargs = dict(self.kwargs)
        nested: dict[str, dict] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if not sub:
                kwargs[name] = value
            elif hasattr(kwargs.get(name), "set_params"):
                nested.setdefault(name, {})[sub] = value
            else:
                raise ValueError(
                    f"cannot set {key!r}: {name!r} is not an argument with parameters of its "
                    f"own in {self!r}."
                )
        try:
            _bind(self.streamer, self.args, kwargs)
        except TypeError as error:
            raise ValueError(f"invalid parameters for {self!r}: {error}") from None
        for name, sub_params in nested.items():
            _check_nested(self, kwargs[name], name, sub_params)
        return kwargs, nested

    def _apply_change(self, own: dict, nested: dict) -> None:
        self.kwargs = own
        for name, sub_params in nested.items():
            own[name].set_params(**sub_params)

    def __sklearn_clone__(self) -> "Streamer":
        twin = object.__new__(type(self))
        twin.__dict__.update(self.__dict__)
        twin.streamer = (
            _clone_argument(self.streamer) if is_data_source(self.streamer) else (self.streamer)
        )
        twin.args = tuple(_clone_argument(arg) for arg in self.args)
        twin.kwargs = {name: _clone_argument(value) for name, value in self.kwargs.items()}
        return twin

    def __repr__(self) -> str:
        parts = [_describe(self.streamer)]
        parts += [_describe(arg) for arg in self.args]
        parts += [f"{name}={_describe(value)}" for name, value in self.kwargs.items()]
        return f"{type(self).__name__}({', '.join(parts)})"


def _undecorated(func: Any) -> Any:
    """The generator function behind a function decorated with :func:`streamable` (made
    reachable by pickle first); else ``func`` itself."""
    function = getattr(func, _ORIGINAL, None) if isinstance(func, FunctionType) else None
    if function is None:
        return func
    _reachable_by_name(function)
    return function


def _named(module_name: str, qualname: str) -> Any:
    """What ``module_name.qualname`` names now (None if nothing, or a local function)."""
    found = sys.modules.get(module_name)
    for part in qualname.split("."):
        found = getattr(found, part, None)
    return found


def _reachable_by_name(function: Callable) -> None:
    """Let pickle find ``function`` by name when :func:`streamable` has taken its name.

    Pickle saves a function as its module and ``__qualname__``, and checks that the name
    leads back to it. After ``@streamable`` (or ``gen = streamable(gen)``) the name ``gen``
    holds the decorated function instead, so ``function.__qualname__`` gets the suffix
    ``._streamable_function``: ``module.gen._streamable_function`` is ``function``. This is
    done when a ``Streamer`` is made (the name is bound by then), and only if the name
    holds a decorated ``function``: after ``other = streamable(gen)``, ``gen`` still names
    ``function``, which then keeps its ``__qualname__``.
    """
    qualname = getattr(function, "__qualname__", None)
    if not isinstance(function, FunctionType) or qualname.endswith(f".{_ORIGINAL}"):
        return
    named = _named(function.__module__, qualname)
    if named is not function and getattr(named, _ORIGINAL, None) is function:
        function.__qualname__ = f"{qualname}.{_ORIGINAL}"


def _check_streamable(function: Any) -> None:
    if is_data_source(function):
        raise TypeError(
            f"streamable decorates a generator function; got a {type(function).__name__}, "
            "which is a data source already: call it, or pass it where a stream is expected."
        )
    if isinstance(function, type):
        raise TypeError(
            f"streamable decorates functions; got the class {function.__qualname__}, whose "
            "Streamers could not be pickled once its name holds the decorated function. "
            f"Use Streamer({function.__name__}, ...) where a data source is needed."
        )
    if not callable(function):
        hint = ""
        if isinstance(function, GeneratorType):
            hint = " Decorate the generator function itself, not a generator object it made."
        raise TypeError(
            "streamable decorates a generator function (or another callable returning an "
            f"iterable of batches); got a {type(function).__name__}.{hint}"
        )


def streamable(function: Callable) -> Callable:
    """Make a generator function return a :class:`Streamer` instead of a generator.

    After ``@streamable``, ``gen(*args, **kwargs)`` is ``Streamer(gen_function, *args,
    **kwargs)``: a data source that can restart the stream as often as asked, rather than a
    generator that runs once. The arguments are checked against the function's signature
    at the call, as ``Streamer`` checks them. Use it for generator functions that are only
    ever used as data sources (seeds of a mux, the ``stream`` of a learner, worker
    processes).

    The decorated function keeps the name, docstring and signature of ``function`` (which
    stays available as its ``__wrapped__``). A module-level function decorated this way,
    and every ``Streamer`` it makes, pickles by reference, so the data sources it makes
    work in worker processes, joblib and clusters. (So that pickle finds ``function`` by its
    name, which the decorated function now holds, ``function.__qualname__`` gets the
    suffix ``._streamable_function`` when the first ``Streamer`` is made.) Passing a
    decorated function to ``Streamer``, or decorating it again, has the same effect as
    passing the generator function itself.

    Parameters
    ----------
    function : callable
        A generator function, or any callable returning an iterable of batches.

    Returns
    -------
    callable
        A function with the signature of ``function`` that returns a ``Streamer``.

    Raises
    ------
    TypeError
        If ``function`` is not callable (a generator object, say), is a class, or is a
        data source already.

    See Also
    --------
    Streamer : the data source the decorated function returns.

    Examples
    --------
    >>> from sklearn_stream import streamable
    >>> @streamable
    ... def counter(n, step=1):
    ...     "Yield one-sample batches 0, step, 2 * step, ..."
    ...     for i in range(0, n, step):
    ...         yield {"X": np.array([i])}
    >>> source = counter(6, step=2)
    >>> source
    Streamer(counter, 6, step=2)
    >>> [int(batch["X"][0]) for batch in source(cycle=True, max_iter=5)]
    [0, 2, 4, 0, 2]
    >>> counter.__name__, counter.__doc__
    ('counter', 'Yield one-sample batches 0, step, 2 * step, ...')
    """
    _check_streamable(function)
    if _undecorated(function) is not function:
        return function  # decorated already
    # a function's attributes are copied; a callable object's __dict__ is not
    updated = functools.WRAPPER_UPDATES if isinstance(function, FunctionType) else ()

    def make_streamer(*args: Any, **kwargs: Any) -> Streamer:
        return Streamer(make_streamer, *args, **kwargs)

    functools.update_wrapper(make_streamer, function, updated=updated)
    setattr(make_streamer, _ORIGINAL, function)
    return make_streamer


def _close(iterator: Iterator) -> Iterator:
    """An empty iterator that closes ``iterator`` when it is reached."""
    close_if_closable(iterator)
    yield from ()


class _Bounded(chain):
    """At most ``max_batches`` items of a stream; the stream is closed at the bound.

    All per-item work runs in C (``chain`` over ``islice``): when the bound or the stream's
    end is reached, the chain moves on to :func:`_close`, which closes the stream; ``close()``
    closes it earlier.
    """

    def __new__(cls, stream: Iterable, max_batches: int | None) -> "_Bounded":
        iterator = iter(stream)
        self = super().__new__(cls, islice(iterator, max_batches), _close(iterator))
        self._source = iterator
        return self

    def close(self) -> None:
        """Close the underlying stream now (if it can be closed)."""
        close_if_closable(self._source)


def _bounded(stream: Iterable, max_batches: int | None) -> Iterator:
    """At most ``max_batches`` items of ``stream``, closing it at the bound or on close()."""
    return _Bounded(stream, max_batches)
