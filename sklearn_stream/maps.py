"""Maps: functions that take a stream and return another, as in pescador 3.

- :func:`tuples` turns each batch into a tuple of some of its fields, for code that takes
  arrays by position;
- :func:`keras_tuples` turns each batch into the ``(inputs, outputs)`` pair that Keras'
  ``Model.fit`` takes from a generator;
- :func:`cache` re-serves recent batches at random, so that a slow source yields more
  batches than it makes;
- :func:`~sklearn_stream.buffer_stream` (defined in ``sklearn_stream.buffer``) stacks
  single samples into batches.

Each function takes a stream (any iterable of batches, or a data source, from which it
starts a fresh stream), checks its other arguments at the call, and returns a generator.
When the input is a data source, the stream started from it belongs to the generator,
which closes it when it ends, is closed, or stops on an error (the source's ``finally``
blocks run then). An iterator given (a generator object, say) stays its owner's: it is
not closed, so that it can still be read or closed by the code that made it, as with
:func:`~sklearn_stream.buffer_batch`.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from operator import itemgetter
from typing import Any

import numpy as np

from ._checks import check_int, check_real, close_if_closable
from ._random import check_random_state_value, epoch_rng
from .buffer import _opened, buffer_stream, not_a_dict
from .exceptions import BatchKeyError

__all__ = ["buffer_stream", "cache", "keras_tuples", "tuples"]

# How many coin flips and cache slots cache() draws at once (Decision 6: in blocks).
_BLOCK = 256
_END = object()  # what next() gives at the end of the input stream


def _input(stream: Any) -> tuple[Iterator, bool]:
    """An iterator over the ``stream`` argument, and whether to close it when done: a data
    source is started here (so its stream is closed here), an iterator given is left to its
    owner, as :func:`~sklearn_stream.buffer_batch` does."""
    iterable, close_input = _opened(stream, "stream")
    return iter(iterable), close_input


def _mapped(stream: tuple[Iterator, bool], convert: Callable[[Any, int], Any]) -> Iterator:
    """``convert(batch, index)`` for each batch of ``stream`` (from :func:`_input`)."""
    iterator, close_input = stream
    try:
        for index, batch in enumerate(iterator):
            yield convert(batch, index)
    finally:
        if close_input:
            close_if_closable(iterator)


def _fields_getter(keys: list) -> Callable[[Any, int], tuple]:
    """A function of ``(batch, index)`` that returns the batch's values of ``keys``, as a
    tuple, or raises an error naming the first key the batch lacks."""
    get = itemgetter(*keys)
    single = len(keys) == 1

    def fields(batch: Any, index: int) -> tuple:
        if type(batch) is not dict and not isinstance(batch, Mapping):
            raise not_a_dict(batch, index)
        try:
            values = get(batch)
        except KeyError:
            missing = next(key for key in keys if key not in batch)
            listing = ", ".join(map(repr, batch))
            raise BatchKeyError(
                f"batch {index} of the stream has no field {missing!r}; its fields are "
                f"[{listing}]."
            ) from None
        return (values,) if single else values

    return fields


def _check_keys(keys: tuple) -> list:
    if not keys:
        raise TypeError("tuples needs at least one key: tuples(stream, 'X', 'y'), say.")
    for key in keys:
        try:
            hash(key)
        except TypeError:
            raise TypeError(
                f"the keys of tuples must be hashable (batch keys); got {key!r} of type "
                f"{type(key).__name__}."
            ) from None
    return list(keys)


def tuples(stream: Iterable[Mapping], *keys: Any) -> Iterator[tuple]:
    """Turn each batch of a stream into the tuple of its values of ``keys``, in that order.

    Use it to feed code that takes arrays by position rather than by name, such as
    ``model.fit(*batch)`` or a deep-learning loop's ``for X, y in stream``. (A
    :class:`~sklearn_stream.StreamLearner` takes dict batches directly.)

    Parameters
    ----------
    stream : iterable of dict
        The batches: any iterable of dicts, or a data source such as
        :class:`~sklearn_stream.Streamer` (which starts a fresh stream).
    *keys : hashable
        One or more keys of the batches.

    Yields
    ------
    tuple
        ``(batch[keys[0]], batch[keys[1]], ...)``, a tuple even for one key.

    Raises
    ------
    TypeError
        At the call, if no key is given, a key is not hashable, or ``stream`` is not an
        iterable of batches (a str, a dict, an array or a DataFrame are refused).
    BatchError
        While iterating, if an item of the stream is not a dict.
    BatchKeyError
        While iterating, if a batch lacks one of ``keys``; the message names the key, the
        batch's position in the stream and the keys it has. It is also a ``KeyError``.

    See Also
    --------
    keras_tuples : ``(inputs, outputs)`` pairs for Keras.

    Notes
    -----
    Differences from pescador 3's ``tuples``: keys are checked at the call, not at the
    first batch; a missing key raises a :class:`~sklearn_stream.exceptions.BatchKeyError`
    (a ``KeyError`` that names the batch and its keys, not only the key); a data source is
    accepted in place of a stream.

    Examples
    --------
    >>> from sklearn_stream.maps import tuples
    >>> stream = [{"X": np.zeros((2, 3)), "y": np.array([0, 1]), "w": np.ones(2)}]
    >>> [(X.shape, y.tolist()) for X, y in tuples(stream, "X", "y")]
    [((2, 3), [0, 1])]
    >>> next(tuples(stream, "w"))
    (array([1., 1.]),)
    """
    fields = _fields_getter(_check_keys(keys))
    return _mapped(_input(stream), fields)


def _keras_side(name: str, value: Any) -> list | None:
    """The keys of ``inputs`` or ``outputs``: None, [key] for a str, or the list given."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(key, str) for key in value):
        if not value:
            raise ValueError(
                f"{name} is an empty list; give None to leave {name} out, a key (a str) or "
                "a list of keys."
            )
        return list(value)
    raise TypeError(f"{name} must be None, a key (a str) or a list of keys (str); got {value!r}.")


def _arranged(value: Any, start: int, stop: int) -> Callable[[tuple], Any]:
    """How one side of the pair is cut from the values of all keys: None, one array (a str
    was given) or a list of arrays (a list was given)."""
    if value is None:
        return lambda values: None
    if isinstance(value, str):
        return itemgetter(start)
    return lambda values: list(values[start:stop])


def keras_tuples(
    stream: Iterable[Mapping], inputs: Any = None, outputs: Any = None
) -> Iterator[tuple]:
    """Turn each batch of a stream into the ``(inputs, outputs)`` pair that Keras takes.

    Use it to train a Keras model from a stream: ``model.fit(keras_tuples(stream, "X",
    "y"), steps_per_epoch=...)``. Each side of the pair is None when its argument is None,
    the one array of that key when it is a str, or the list of the arrays of those keys
    when it is a list (for models with several inputs or outputs).

    Parameters
    ----------
    stream : iterable of dict
        The batches: any iterable of dicts, or a data source such as
        :class:`~sklearn_stream.Streamer` (which starts a fresh stream).
    inputs : str, list of str or None, default=None
        The key, or keys, of the model's inputs.
    outputs : str, list of str or None, default=None
        The key, or keys, of the model's outputs (targets).

    Yields
    ------
    (x, y) : tuple
        ``x`` is None, an array, or a list of arrays as ``inputs`` says; ``y`` likewise as
        ``outputs`` says.

    Raises
    ------
    TypeError
        At the call, if ``inputs`` or ``outputs`` is neither None, a str, nor a list or
        tuple of str, or ``stream`` is not an iterable of batches.
    ValueError
        At the call, if both ``inputs`` and ``outputs`` are None, or one is an empty list.
    BatchError
        While iterating, if an item of the stream is not a dict.
    BatchKeyError
        While iterating, if a batch lacks one of the keys; the message names it.

    See Also
    --------
    tuples : a tuple of any number of fields.

    Notes
    -----
    Differences from pescador 3's ``keras_tuples``: the arguments are checked at the call;
    a tuple of keys works as a list does (pescador fails on a tuple) and an empty list is
    an error (pescador reads it as None); a missing key raises a
    :class:`~sklearn_stream.exceptions.BatchKeyError` naming the batch and its keys; a data
    source is accepted in place of a stream.

    Examples
    --------
    >>> from sklearn_stream.maps import keras_tuples
    >>> stream = [{"X": np.zeros((2, 3)), "mask": np.ones((2, 3)), "y": np.array([0, 1])}]
    >>> x, y = next(keras_tuples(stream, inputs="X", outputs="y"))
    >>> x.shape, y.tolist()
    ((2, 3), [0, 1])
    >>> x, y = next(keras_tuples(stream, inputs=["X", "mask"]))
    >>> [array.shape for array in x], y
    ([(2, 3), (2, 3)], None)
    """
    input_keys = _keras_side("inputs", inputs)
    output_keys = _keras_side("outputs", outputs)
    if input_keys is None and output_keys is None:
        raise ValueError("keras_tuples needs inputs, outputs or both; both are None.")
    split = len(input_keys or ())
    keys = (input_keys or []) + (output_keys or [])
    fields = _fields_getter(keys)
    x_of = _arranged(inputs, 0, split)
    y_of = _arranged(outputs, split, len(keys))

    def pair(batch: Any, index: int) -> tuple:
        values = fields(batch, index)
        return x_of(values), y_of(values)

    return _mapped(_input(stream), pair)


def _check_prob(prob: Any) -> float:
    """``prob`` of :func:`cache` as a float in (0, 1]; a message that says what it means."""
    try:
        valid = check_real("prob", prob, 0.0) <= 1.0
    except ValueError:  # not finite, or <= 0
        valid = False
    if not valid:
        raise ValueError(
            "prob must be in (0, 1]: it is the probability of taking a new batch from the "
            f"stream (1 turns the cache off, as in pescador); got {prob!r}."
        )
    return float(prob)


def _cached(
    stream: tuple[Iterator, bool], n_cache: int, prob: float, rng: np.random.Generator
) -> Iterator:
    """The lazy part of :func:`cache`; its arguments are checked."""
    iterator, close_input = stream
    held: list = []
    try:
        for batch in islice(iterator, n_cache):  # the cache fills up: the stream as it is
            held.append(batch)
            yield batch
        if len(held) < n_cache:
            return
        while True:
            takes = (rng.random(_BLOCK) < prob).tolist()
            slots = rng.integers(n_cache, size=_BLOCK).tolist()
            for take, slot in zip(takes, slots):
                if not take:
                    yield held[slot]
                    continue
                batch = next(iterator, _END)
                if batch is _END:
                    return
                held[slot] = batch
                yield batch
    finally:
        if close_input:
            close_if_closable(iterator)


def cache(
    stream: Iterable[Mapping], n_cache: int, prob: float = 0.5, random_state: Any = None
) -> Iterator[dict]:
    """Serve a slow stream's batches more than once, from a cache of recent batches.

    Use it when making batches is the bottleneck (they are read over a network, decoded or
    augmented at great cost) and a model may see some of them more than once: with
    ``prob=0.25``, a consumer gets about four batches for every one the stream makes.

    The first ``n_cache`` batches of the stream are yielded in order, and fill the cache.
    From then on, each step flips a coin: with probability ``prob`` a new batch is taken
    from the stream, yielded, and put in the cache in place of a batch chosen at random;
    otherwise a batch chosen at random from the cache is yielded again. The output ends
    when a new batch is asked for and the stream has ended (or when it ends before the
    cache is full): every batch of the stream is yielded, in order among the new ones,
    plus about ``(1 - prob) / prob`` re-served batches per new one.

    The re-served batches change the statistics of the stream: recent batches are
    over-represented, and a batch may come twice in a row. A re-served batch is the very
    object yielded before, not a copy: do not modify batches in place. At most
    ``n_cache`` batches are held.

    Parameters
    ----------
    stream : iterable of dict
        The batches: any iterable of batches, or a data source such as
        :class:`~sklearn_stream.Streamer` (which starts a fresh stream). The batches are
        not looked into: they are yielded as they are.
    n_cache : int >= 1
        How many batches the cache holds.
    prob : float in (0, 1], default=0.5
        The probability, at each step once the cache is full, of taking a new batch from
        the stream (as in pescador). ``prob=1`` turns the cache off: the output is the
        stream. Small values re-serve much.
    random_state : None, int, RandomState or Generator, default=None
        The coin flips and the choice of cached batches. An int gives the same choices at
        every call; a ``numpy.random.Generator`` is advanced by each call, so each call
        draws new ones.

    Yields
    ------
    batch : dict
        The batches of ``stream`` (each once, in order) and batches re-served from the
        cache.

    Raises
    ------
    TypeError
        At the call, if ``n_cache`` is not an int, ``prob`` is not a real number,
        ``random_state`` is of another type, or ``stream`` is not an iterable of batches (a
        str, a dict, an array or a DataFrame are refused).
    ValueError
        At the call, if ``n_cache < 1``, ``prob`` is not in (0, 1], or ``random_state`` is
        a negative int.

    See Also
    --------
    sklearn_stream.shuffle_buffer : mix a stream's rows without repeating any.

    Notes
    -----
    Differences from pescador 3's ``cache``: ``n_cache`` must be an int (pescador accepts
    ``1.5``); ``random_state`` also takes a ``numpy.random.Generator``, and None draws
    fresh entropy rather than using numpy's global state; a data source is accepted in place
    of a stream.

    Examples
    --------
    >>> from sklearn_stream.maps import cache
    >>> stream = ({"X": np.array([i])} for i in range(6))
    >>> [int(batch["X"][0]) for batch in cache(stream, n_cache=2, prob=0.5, random_state=0)]
    [0, 1, 1, 2, 2, 3, 4, 4, 5, 5]
    """
    n_cache = check_int("n_cache", n_cache, 1)
    prob = _check_prob(prob)
    check_random_state_value(random_state)
    rng = epoch_rng(random_state, 0)
    return _cached(_input(stream), n_cache, prob, rng)
