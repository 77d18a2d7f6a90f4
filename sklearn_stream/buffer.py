"""Re-cutting streams of batches into batches of a fixed size, and the batch helpers.

The helpers for single batches (:func:`batch_length`, :func:`concat_batches`,
:func:`slice_batch`) live in :mod:`sklearn_stream._batch` and are re-exported here.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from numbers import Integral
from operator import itemgetter
from typing import Any

import numpy as np

from ._batch import (
    _concat_values,
    batch_length,
    concat_batches,
    field_length,
    index_free,
    is_pandas,
    key_change_message,
    row_sliceable,
    slice_batch,
)
from ._validation import is_data_source
from .exceptions import BatchError, BatchLengthError

__all__ = [
    "batch_length",
    "buffer_batch",
    "buffer_streamer",
    "concat_batches",
    "slice_batch",
]


_NO_KEY = object()  # indexes no batch: sends a stream's first batch down the checked path


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
    try:
        n = batch_length(batch)
    except (BatchError, BatchLengthError) as error:
        raise type(error)(f"batch {index} of the stream: {error}") from None
    if n is None:
        raise BatchError(f"batch {index} of the stream has no fields.")
    return n


def _check_batch(batch: Any, keys: frozenset, index: int) -> int:
    n = _checked_length(batch, index)
    if batch.keys() != keys:
        raise BatchError(key_change_message(keys, batch.keys(), index))
    return n


class _Pending:
    """Batches held back by :func:`_rebatch`, with their positions in the stream."""

    def __init__(self) -> None:
        self.batches: list = []
        self.first = 0  # position of batches[0] in the stream
        self.gaps: list = []  # len(batches) each time an empty batch was skipped

    def position(self, offset: int) -> int:
        if not self.gaps:
            return self.first + offset
        return self.first + offset + sum(gap <= offset for gap in self.gaps)

    def restart(self, first: int) -> None:
        self.batches.clear()
        self.gaps.clear()
        self.first = first

    def release(
        self, merged: dict, held: int, index: int, buffer_size: int, out: Callable
    ) -> tuple[list, int]:
        """Cut the joined batch ``merged`` (``held`` rows, the last from input batch
        ``index``) into full output batches; hold back the rows left over.

        Returns the output batches and the room left before the next one is full.
        """
        if held == buffer_size:
            self.restart(index + 1)
            return [out(merged)], buffer_size
        merged, formats = row_sliceable(merged)
        full = []
        start = 0
        while held - start >= buffer_size:
            full.append(slice_batch(merged, start, start + buffer_size, formats))
            start += buffer_size
        if start == held:
            self.restart(index + 1)
            return full, buffer_size
        self.restart(index)
        self.batches.append(slice_batch(merged, start, held, formats))
        return full, buffer_size - (held - start)

    def join(
        self, order: tuple, getters: tuple, keys: frozenset, measured: Any, held: int
    ) -> dict:
        """Join the held batches, checking what the per-batch fast path left unchecked.

        Per batch, the loop only measured one field (``measured``). Here, once per output
        batch, every batch must have exactly the stream's keys and fields of equal lengths;
        otherwise the offending batch is found and named by its position in the stream.
        """
        batches = self.batches
        if len(batches) == 1:  # one large batch is cut as it is: slices stay views
            _check_batch(batches[0], keys, self.position(0))
            joined = dict(batches[0])
        else:
            columns = _consistent_columns(batches, order, getters, measured, held)
            if columns is None:
                for offset, batch in enumerate(batches):
                    _check_batch(batch, keys, self.position(offset))
                columns = [[batch[key] for batch in batches] for key in order]
            joined = {key: _concat_values(key, column) for key, column in zip(order, columns)}
        for key, value in joined.items():
            if type(value) is np.ndarray and value.ndim:
                length = value.shape[0]
            else:
                length = field_length(key, value)
            if length != held:
                raise BatchError(
                    f"field {key!r} changed from dense to sparse values (or back) mid-stream, "
                    f"near batch {self.position(0)}; keep one kind of value per field."
                )
        return joined


def _consistent_columns(
    batches: list, order: tuple, getters: tuple, measured: Any, held: int
) -> list | None:
    """The values of each field across ``batches`` (in ``order``), if a quick look finds
    every batch with the stream's keys and fields of equal lengths; None otherwise."""
    try:
        columns = [list(map(getter, batches)) for getter in getters]
        count = len(batches)
        if held == count:  # the measured field has one row per batch: so must all
            for key, column in zip(order, columns):
                if key != measured and list(map(len, column)).count(1) != count:
                    return None
        else:
            lengths = [list(map(len, column)) for column in columns]
            if not all(row == lengths[0] for row in lengths):
                return None
    except (KeyError, TypeError):  # a missing key, or sparse values: check each
        return None
    if sum(map(len, batches)) != len(order) * count:  # extra keys
        return None
    return columns


def _pick_key(batch: Mapping) -> Any:
    """The field measured per batch on the fast path: a str key with a dense value."""
    for key, value in batch.items():
        if isinstance(key, str) and (
            isinstance(value, (np.ndarray, list, tuple)) or is_pandas(value)
        ):
            return key
    return _NO_KEY


def _identity(batch: dict) -> dict:
    return batch


def _rebatch(stream: Iterable, buffer_size: int, close_input: bool) -> Iterator[dict]:
    """The lazy part of :func:`buffer_batch`; its arguments are already checked.

    Per input batch, the loop looks up the length of one field and holds the batch back;
    the full checks (keys, every field's length) run once per output batch, in
    :meth:`_Pending.join`. Empty batches are checked and dropped at once.
    """
    held_back = _Pending()
    pending = held_back.batches
    out = _identity  # index_free once the stream turns out to hold pandas values
    hold = pending.append
    room = buffer_size  # rows that can still be held back before an output batch is full
    keys: frozenset = frozenset()
    order: tuple = ()
    getters: tuple = ()
    key = _NO_KEY
    iterator = iter(stream)
    try:
        for batch in iterator:
            try:
                n = len(batch[key])
            except (KeyError, TypeError, IndexError):
                index = held_back.position(len(pending))
                if not order:
                    _checked_length(batch, index)
                    order, keys, key = tuple(batch), frozenset(batch), _pick_key(batch)
                    getters = tuple(map(itemgetter, order))
                    out = index_free if any(map(is_pandas, batch.values())) else _identity
                n = _check_batch(batch, keys, index)
            if 0 < n < room:  # the usual case: hold it back
                hold(batch)
                room -= n
                continue
            index = held_back.position(len(pending))
            if n == 0 or not pending:  # on its own: check it fully now
                _check_batch(batch, keys, index)
                if n == 0:
                    held_back.gaps.append(len(pending))
                    continue
                if n == buffer_size:  # a full batch passes through untouched
                    yield out(batch)
                    held_back.first = index + 1
                    continue
            hold(batch)
            held = buffer_size - room + n
            merged = held_back.join(order, getters, keys, key, held)
            full, room = held_back.release(merged, held, index, buffer_size, out)
            yield from full
        if room < buffer_size:
            yield out(held_back.join(order, getters, keys, key, buffer_size - room))
    finally:
        close = getattr(iterator, "close", None)
        if close_input and close is not None:
            close()


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
    if is_data_source(generator):
        return _rebatch(generator.generate(), size, close_input=True)
    if not isinstance(generator, Iterable):
        raise TypeError(
            f"generator must be an iterable of batches or a data source; got a "
            f"{type(generator).__name__}."
        )
    return _rebatch(generator, size, close_input=False)


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
    return _rebatch(streamer.generate(*args, **kwargs), size, close_input=True)
