"""Re-cutting streams of batches into batches of a fixed size, and the batch helpers.

The helpers for single batches (:func:`batch_length`, :func:`concat_batches`,
:func:`slice_batch`) live in :mod:`sklearn_stream._batch` and are re-exported here.
"""

from collections.abc import Iterable, Iterator, Mapping
from numbers import Integral
from typing import Any

from ._batch import (
    batch_length,
    concat_batches,
    field_length,
    join_fields,
    key_change_message,
    slice_batch,
)
from ._validation import is_data_source
from .exceptions import BatchError

__all__ = [
    "batch_length",
    "buffer_batch",
    "buffer_streamer",
    "concat_batches",
    "slice_batch",
]


def _check_buffer_size(buffer_size: Any) -> int:
    if isinstance(buffer_size, bool) or not isinstance(buffer_size, Integral):
        raise TypeError(
            f"buffer_size must be an int >= 1; got {buffer_size!r} of type "
            f"{type(buffer_size).__name__}."
        )
    if buffer_size < 1:
        raise ValueError(f"buffer_size must be an int >= 1; got {buffer_size!r}.")
    return int(buffer_size)


def _checked_length(batch: Any, index: int) -> int:
    """Length of item ``index`` of a stream, or the error that says what is wrong with it."""
    if not isinstance(batch, Mapping):
        raise BatchError(
            f"item {index} of the stream is a {type(batch).__name__}, not a batch (a dict of "
            "arrays)."
        )
    n = batch_length(batch)
    if n is None:
        raise BatchError(f"batch {index} of the stream has no fields.")
    return n


def _join_pending(pending: list, order: tuple, held: int, first_index: int) -> dict:
    """Join the held-back batches, checking what the per-batch fast path left unchecked.

    Per batch, :func:`_rebatch` only measures the first field. Here, once per output batch,
    every batch must have exactly the stream's keys and every joined field ``held`` rows;
    otherwise the offending batch is found and reported by its position in the stream.
    """
    n_keys = len(order)
    if len(pending) == 1:  # one large batch is cut as it is: slices stay views, no copy
        batch = pending[0]
        if batch.keys() != set(order):
            raise BatchError(key_change_message(order, batch.keys(), first_index))
        _checked_length(batch, first_index)
        return dict(batch)
    try:
        joined = join_fields(pending, order)
        # No KeyError above means every batch has all n_keys keys; equal sizes mean no extras.
        valid = sum(map(len, pending)) == n_keys * len(pending) and all(
            field_length(key, value) == held for key, value in joined.items()
        )
    except KeyError:
        valid = False
    if not valid:
        for offset, batch in enumerate(pending):
            _checked_length(batch, first_index + offset)
            if batch.keys() != set(order):
                raise BatchError(key_change_message(order, batch.keys(), first_index + offset))
    return joined


def _rebatch(stream: Iterable, buffer_size: int) -> Iterator[dict]:
    """The lazy part of :func:`buffer_batch`; its arguments are already checked.

    Per input batch, the loop looks up the length of one field and holds the batch back;
    the full checks (keys, every field's length) run once per output batch, in
    :func:`_join_pending`. Empty batches are held like the others (they add no rows).
    """
    pending: list = []  # batches (or the tail of one) holding fewer than buffer_size rows
    hold = pending.append
    room = buffer_size  # rows that can still be held back before an output batch is full
    first_index = 0  # position in the stream of pending[0]; pending[i] is at first_index + i
    order: tuple = ()
    key = None
    for batch in stream:
        try:
            n = len(batch[key])
        except (KeyError, TypeError, IndexError):
            n = _checked_length(batch, first_index + len(pending))
            if not order:
                order, key = tuple(batch), next(iter(batch))
        if n < room:  # the usual case: hold it back
            hold(batch)
            room -= n
            continue
        index = first_index + len(pending)
        if not pending and n == buffer_size:  # a full batch on its own passes through
            if batch.keys() != set(order):
                raise BatchError(key_change_message(order, batch.keys(), index))
            _checked_length(batch, index)
            yield batch
            first_index = index + 1
            continue
        hold(batch)
        held = buffer_size - room + n
        merged = _join_pending(pending, order, held, first_index)
        pending.clear()
        start = 0
        while held - start >= buffer_size:
            yield (
                merged if held == buffer_size else slice_batch(merged, start, start + buffer_size)
            )
            start += buffer_size
        if start < held:
            hold(slice_batch(merged, start, held))
        room = buffer_size - (held - start)
        first_index = index if pending else index + 1
    if room < buffer_size:
        yield _join_pending(pending, order, buffer_size - room, first_index)


def buffer_batch(generator: Iterable[Mapping], buffer_size: int) -> Iterator[dict]:
    """Re-cut a stream of batches into batches of exactly ``buffer_size`` samples.

    Samples keep their order; only the last batch may be shorter. At most
    ``buffer_size - 1`` samples plus one input batch are held back at any time, so memory
    stays bounded on infinite streams. An input batch that already has ``buffer_size``
    samples while nothing is held back passes through without a copy.

    Parameters
    ----------
    generator : iterable of dict
        The stream to re-cut: any iterable of batches, or a data source such as
        :class:`~sklearn_stream.Streamer` (which starts a fresh stream).
    buffer_size : int >= 1
        The number of samples per output batch.

    Yields
    ------
    batch : dict
        Batches of ``buffer_size`` samples (the last one possibly fewer), with the keys of
        the input batches.

    Raises
    ------
    TypeError
        At the call, if ``buffer_size`` is not an int or ``generator`` is not iterable.
    ValueError
        At the call, if ``buffer_size < 1``.
    BatchError
        While iterating, if an item is not a dict, has no fields, or has other keys than
        the first batch.
    BatchLengthError
        While iterating, if the fields of an input batch differ in length.

    See Also
    --------
    buffer_streamer : the same, starting from a data source.

    Examples
    --------
    >>> from sklearn_stream import buffer_batch
    >>> stream = ({"X": np.full((3, 2), i)} for i in range(3))
    >>> [batch["X"].shape for batch in buffer_batch(stream, 4)]
    [(4, 2), (4, 2), (1, 2)]
    """
    size = _check_buffer_size(buffer_size)
    if not isinstance(generator, Iterable):
        raise TypeError(
            f"generator must be an iterable of batches or a data source; got a "
            f"{type(generator).__name__}."
        )
    return _rebatch(generator, size)


def buffer_streamer(streamer: Any, buffer_size: int, *args: Any, **kwargs: Any) -> Iterator[dict]:
    """Start a stream from a data source and re-cut it into batches of ``buffer_size``.

    Parameters
    ----------
    streamer : Streamer or other data source
        Anything with a ``generate`` method, such as :class:`~sklearn_stream.Streamer`.
    buffer_size : int >= 1
        The number of samples per output batch.
    *args, **kwargs
        Passed to ``streamer.generate``, e.g. ``max_batches``.

    Yields
    ------
    batch : dict
        Batches of ``buffer_size`` samples (the last one possibly fewer).

    Raises
    ------
    TypeError
        At the call, if ``streamer`` has no ``generate`` method or ``buffer_size`` is not
        an int.
    ValueError
        At the call, if ``buffer_size < 1``.

    See Also
    --------
    buffer_batch : the same, for any iterable of batches.

    Examples
    --------
    >>> from sklearn_stream import Streamer, buffer_streamer
    >>> source = Streamer([{"X": np.arange(3)}, {"X": np.arange(3, 5)}])
    >>> [batch["X"].tolist() for batch in buffer_streamer(source, 2)]
    [[0, 1], [2, 3], [4]]
    """
    size = _check_buffer_size(buffer_size)
    if not is_data_source(streamer):
        raise TypeError(
            f"streamer must be a data source with a generate() method, such as "
            f"sklearn_stream.Streamer; got a {type(streamer).__name__}."
        )
    return _rebatch(streamer.generate(*args, **kwargs), size)
