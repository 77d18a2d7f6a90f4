"""Batches: measure them, join them, cut them, and re-cut streams of them.

A *batch* is a ``dict`` whose values share their first-axis length: numpy arrays (at least
one-dimensional), scipy sparse matrices or arrays, lists or tuples, pandas DataFrames or
Series. Every module of the package that looks inside batches uses the helpers of this
module (:func:`batch_length`, :func:`concat_batches`, :func:`slice_batch` and the field
helpers); :func:`buffer_batch` and :func:`buffer_streamer` re-cut a stream into batches of a
fixed size, :func:`buffer_stream` stacks single samples (without a batch axis) into batches,
and :func:`shuffle_buffer` shuffles a stream's rows within a bounded window.

pandas is optional: it is imported only to join values that are pandas objects already.
"""

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial as partial_
from itertools import chain, islice
from numbers import Integral
from operator import attrgetter, itemgetter
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._checks import check_bool, check_int, close_if_closable, is_data_source
from ._random import check_random_state_value, epoch_rng
from .exceptions import BatchError, BatchKeyError, BatchLengthError, BatchShapeError

__all__ = [
    "batch_length",
    "buffer_batch",
    "buffer_stream",
    "buffer_streamer",
    "concat_batches",
    "shuffle_buffer",
    "slice_batch",
]


# Sparse formats that support row slicing directly; others go through CSR once per batch.
_ROW_SLICEABLE = frozenset({"csr", "csc", "lil"})
# Marks a pandas field in the ``formats`` of :func:`row_sliceable`: cut by position (iloc).
_PANDAS = object()
_PANDAS_CLASSES = frozenset({"DataFrame", "Series"})


def is_pandas(value: Any) -> bool:
    """Whether ``value`` is a pandas DataFrame or Series (or a subclass of one).

    Checked by the names of its classes, so pandas is never imported to answer.

    Examples
    --------
    >>> from sklearn_stream.buffer import is_pandas
    >>> is_pandas(np.zeros(3)), is_pandas([1, 2])
    (False, False)
    """
    for cls in type(value).__mro__:
        if cls.__name__ in _PANDAS_CLASSES and cls.__module__.startswith("pandas"):
            return True
    return False


def index_free(batch: Mapping) -> dict:
    """The batch with the index of every pandas value replaced by ``0, 1, ..., n - 1``.

    A batch's rows are identified by their position; an index carried over from the input
    (e.g. the running row numbers of ``pandas.read_csv(chunksize=...)``) would no longer
    match the rows of a re-cut batch, so it is dropped rather than kept half-true.

    Examples
    --------
    >>> from sklearn_stream.buffer import index_free
    >>> index_free({"X": np.arange(2)})
    {'X': array([0, 1])}
    """
    return {
        key: value.reset_index(drop=True) if is_pandas(value) else value
        for key, value in batch.items()
    }


def field_length(key: Any, value: Any) -> int:
    """The first-axis length of one value of a batch (sparse matrices included).

    Parameters
    ----------
    key : object
        The field's key, named in error messages.
    value : array, sparse matrix, list, tuple, DataFrame or Series
        The field's value.

    Returns
    -------
    int

    Raises
    ------
    BatchError
        If ``value`` has no first axis (a 0-d array, a scalar, a 1-d sparse array) or no
        length.
    """
    if sp.issparse(value):  # before len(): len() of a dok matrix counts its stored entries
        if value.ndim != 2:
            raise BatchError(
                f"field {key!r} of the batch is a {value.ndim}-d sparse array; sparse values "
                "must be 2-d, with samples along the first axis."
            )
        return value.shape[0]
    try:
        return len(value)
    except TypeError:
        if isinstance(value, np.ndarray):
            raise BatchError(
                f"field {key!r} of the batch is a 0-d array; batch values need a first axis."
            ) from None
        raise BatchError(
            f"field {key!r} of the batch has no length: got a {type(value).__name__}. "
            "Batch values must be arrays, sparse matrices, lists, tuples, or pandas "
            "DataFrames or Series."
        ) from None


def batch_length(batch: Mapping) -> int | None:
    """Return the number of samples in a batch.

    Parameters
    ----------
    batch : dict
        A batch: each value must have a length (its first axis for arrays and sparse
        matrices), and all values must share it.

    Returns
    -------
    n : int >= 0 or None
        The common length, or None when the batch has no fields.

    Raises
    ------
    BatchError
        If ``batch`` is not a dict, or one of its values has no length. A subclass of
        ``TypeError``.
    BatchLengthError
        If two values have different lengths; the message lists every key with its length.
        A subclass of ``RuntimeError``.

    Examples
    --------
    >>> from sklearn_stream import batch_length
    >>> batch_length({"X": np.zeros((5, 3)), "Y": [0, 1, 0, 1, 1]})
    5
    >>> batch_length({}) is None
    True
    """
    if not isinstance(batch, Mapping):
        raise BatchError(f"a batch must be a dict of arrays; got a {type(batch).__name__}.")
    lengths = {key: field_length(key, value) for key, value in batch.items()}
    if not lengths:
        return None
    values = iter(lengths.values())
    n = next(values)
    for m in values:
        if m != n:
            listing = ", ".join(f"{key!r}: {length}" for key, length in lengths.items())
            raise BatchLengthError(
                f"the fields of a batch must share their length; got lengths {{{listing}}}."
            )
    return n


def _mixed(key: Any, values: Sequence, kind: type) -> BatchError:
    other = next(type(v).__name__ for v in values if not isinstance(v, kind))
    return BatchError(
        f"field {key!r} mixes values of type {type(values[0]).__name__} and {other} across "
        "batches; every batch of a stream must give a field the same kind of value."
    )


def _concat_pandas(key: Any, values: Sequence) -> Any:
    """Join pandas values by position: the result has the index ``0, 1, ..., n - 1``."""
    import pandas as pd  # only reached when the values are pandas objects: it is installed

    first = values[0]
    kind = pd.DataFrame if isinstance(first, pd.DataFrame) else pd.Series
    if not all(isinstance(v, kind) for v in values):
        raise _mixed(key, values, kind)
    if kind is pd.DataFrame:
        for value in values:
            if not value.columns.equals(first.columns):
                raise BatchError(
                    f"field {key!r} is a DataFrame with columns {list(value.columns)} in one "
                    f"batch but {list(first.columns)} in an earlier one; every batch of a "
                    "stream needs the same columns, in the same order."
                )
    return pd.concat(values, ignore_index=True)


def _concat_arrays(key: Any, values: Sequence) -> np.ndarray:
    first = values[0]
    pandas_value = next((v for v in values if is_pandas(v)), None)
    if pandas_value is not None:  # numpy would convert it silently, dropping its columns
        raise _mixed(key, values, np.ndarray)
    try:
        joined = np.concatenate(values)
    except (TypeError, ValueError) as error:
        if not all(isinstance(v, np.ndarray) for v in values):
            raise _mixed(key, values, np.ndarray) from None
        raise BatchError(f"cannot join field {key!r} across batches: {error}") from None
    # numpy converts lists and scalars silently; arrays of other dtypes promote as usual.
    if joined.dtype != first.dtype and not all(isinstance(v, np.ndarray) for v in values):
        raise _mixed(key, values, np.ndarray)
    return joined


def _concat_values(key: Any, values: Sequence) -> Any:
    first = values[0]
    if isinstance(first, np.ndarray):
        return _concat_arrays(key, values)
    if sp.issparse(first):
        if not all(sp.issparse(v) for v in values):
            raise _mixed(key, values, type(first))
        field_length(key, first)  # 2-d only
        return sp.vstack(values, format=first.format)
    if is_pandas(first):
        return _concat_pandas(key, values)
    for kind in (list, tuple):
        if isinstance(first, kind):
            if not all(isinstance(v, kind) for v in values):
                raise _mixed(key, values, kind)
            return kind(chain.from_iterable(values))
    raise BatchError(
        f"cannot join field {key!r}: values of type {type(first).__name__} are not supported; "
        "use numpy arrays, scipy sparse matrices, lists, tuples, or pandas DataFrames or "
        "Series."
    )


def concat_batches(batches: Sequence[Mapping]) -> dict:
    """Join batches with the same keys into one, in order.

    Parameters
    ----------
    batches : sequence of dict
        At least one batch; all must have the keys of the first.

    Returns
    -------
    dict
        A batch whose every field is the concatenation of that field across ``batches``
        (arrays with :func:`numpy.concatenate`, sparse matrices stacked as sparse in the
        format of the first, lists and tuples chained, pandas DataFrames and Series with
        ``pandas.concat``, keeping their columns and giving the result the index
        ``0, 1, ..., n - 1``).

    Raises
    ------
    ValueError
        If ``batches`` is empty.
    BatchError
        If the batches' keys differ, a field mixes kinds of values (sparse and dense,
        DataFrame and array, ...) or holds a type that cannot be joined, or a DataFrame
        field's columns differ between batches.

    Examples
    --------
    >>> from sklearn_stream.buffer import concat_batches
    >>> joined = concat_batches([{"X": np.arange(2)}, {"X": np.arange(3)}])
    >>> joined["X"]
    array([0, 1, 0, 1, 2])
    """
    if not batches:
        raise ValueError("concat_batches needs at least one batch; got none.")
    keys = batches[0].keys()
    for index, batch in enumerate(batches):
        if batch.keys() != keys:
            raise BatchError(key_change_message(keys, batch.keys(), index))
    return {key: _concat_values(key, [batch[key] for batch in batches]) for key in keys}


def row_sliceable(batch: Mapping) -> tuple[dict, dict]:
    """Prepare a batch to be cut many times: sparse fields in formats without row slicing
    are converted to CSR once, and pandas fields are marked to be cut by position. Returns
    the prepared batch and ``{key: original format or pandas marker}`` for those fields,
    to be passed to :func:`slice_batch`."""
    formats = {}
    prepared = dict(batch)
    for key, value in batch.items():
        if sp.issparse(value):
            if value.format not in _ROW_SLICEABLE:
                formats[key] = value.format
                prepared[key] = value.tocsr()
        elif type(value) is not np.ndarray and is_pandas(value):
            formats[key] = _PANDAS
    return prepared, formats


def slice_batch(batch: Mapping, start: int, stop: int, formats: Mapping | None = None) -> dict:
    """Return rows ``start:stop`` of every field of a batch.

    Arrays are sliced as views (no copy); sparse matrices keep their format; pandas
    DataFrames and Series are cut by position and get the index ``0, 1, ..., n - 1``.

    Parameters
    ----------
    batch : dict
        The batch to cut.
    start, stop : int
        Row bounds, as in ``value[start:stop]``.
    formats : dict or None, default=None
        From :func:`row_sliceable`: fields already converted to CSR, and the format each
        slice is given back.

    Returns
    -------
    dict
        A batch with the same keys.

    Examples
    --------
    >>> from sklearn_stream.buffer import slice_batch
    >>> slice_batch({"X": np.arange(5), "Y": list("abcde")}, 1, 3)
    {'X': array([1, 2]), 'Y': ['b', 'c']}
    """
    if formats is None:
        batch, formats = row_sliceable(batch)
    if not formats:
        return {key: value[start:stop] for key, value in batch.items()}
    cut = {}
    for key, value in batch.items():
        fmt = formats.get(key)
        if fmt is None:
            cut[key] = value[start:stop]
        elif fmt is _PANDAS:
            cut[key] = value.iloc[start:stop].reset_index(drop=True)
        else:
            cut[key] = value[start:stop].asformat(fmt)
    return cut


def key_change_message(expected: Any, got: Any, index: int) -> str:
    return (
        f"batch {index} of the stream has keys {sorted(map(str, got))}, but the stream started "
        f"with keys {sorted(map(str, expected))}; every batch of a stream needs the same keys."
    )


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

    def __init__(self, buffer_size: int) -> None:
        self.size = buffer_size
        self.batches: list = []
        self.first = 0  # position of batches[0] in the stream
        self.gaps: list = []  # len(batches) each time an empty batch was skipped
        # The stream's layout, learnt from its first batch: keys in order, a getter per
        # key, the key measured per batch, and how output batches are finished.
        self.order: tuple = ()
        self.keys: frozenset = frozenset()
        self.getters: tuple = ()
        self.key: Any = _NO_KEY
        self.out: Callable = _identity  # index_free once the stream holds pandas values

    def measure(self, batch: Any) -> int:
        """The length of a batch the fast path could not measure (the first one, or one
        whose measured field is missing or has no length), checked in full."""
        index = self.position(len(self.batches))
        if not self.order:
            _checked_length(batch, index)
            self.order, self.keys, self.key = tuple(batch), frozenset(batch), _pick_key(batch)
            self.getters = tuple(map(itemgetter, self.order))
            self.out = index_free if any(map(is_pandas, batch.values())) else _identity
        return _check_batch(batch, self.keys, index)

    def take(self, batch: dict, n: int, room: int) -> tuple[Iterable, int]:
        """Take a batch of ``n`` rows that does not fit in the ``room`` left (or is empty,
        or comes while nothing is held); return the output batches now full and the room
        left after them."""
        index = self.position(len(self.batches))
        if n == 0 or not self.batches:  # on its own: check it fully now
            _check_batch(batch, self.keys, index)
            if n == 0:
                self.gaps.append(len(self.batches))
                return (), room
            if n == self.size:  # a full batch passes through untouched
                self.first = index + 1
                return (self.out(batch),), room
        self.batches.append(batch)
        held = self.size - room + n
        merged = self.join(held)
        return self.release(merged, held, index)

    def rest(self, room: int) -> dict:
        """The last, shorter output batch: everything still held."""
        return self.out(self.join(self.size - room))

    def position(self, offset: int) -> int:
        if not self.gaps:
            return self.first + offset
        return self.first + offset + sum(gap <= offset for gap in self.gaps)

    def restart(self, first: int) -> None:
        self.batches.clear()
        self.gaps.clear()
        self.first = first

    def release(self, merged: dict, held: int, index: int) -> tuple[list, int]:
        """Cut the joined batch ``merged`` (``held`` rows, the last from input batch
        ``index``) into full output batches; hold back the rows left over.

        Returns the output batches and the room left before the next one is full.
        """
        buffer_size, out = self.size, self.out
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

    def join(self, held: int) -> dict:
        """Join the held batches, checking what the per-batch fast path left unchecked.

        Per batch, the loop only measured one field (:attr:`key`). Here, once per output
        batch, every batch must have exactly the stream's keys and fields of equal lengths;
        otherwise the offending batch is found and named by its position in the stream.
        """
        batches, order, keys = self.batches, self.order, self.keys
        if len(batches) == 1:  # one large batch is cut as it is: slices stay views
            _check_batch(batches[0], keys, self.position(0))
            joined = dict(batches[0])
        else:
            columns = _consistent_columns(batches, order, self.getters, self.key, held)
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


def _opened(stream: Any, name: str) -> tuple[Iterable, bool]:
    """``(iterable, close_input)`` for the argument ``name``: a data source's fresh stream
    (to close when done), or the iterable of batches given."""
    if is_data_source(stream):
        return stream.generate(), True
    if (
        not isinstance(stream, Iterable)
        or isinstance(stream, (Mapping, str, bytes))
        or hasattr(stream, "shape")  # an array or a DataFrame: rows, not batches
    ):
        raise TypeError(
            f"{name} must be an iterable of batches or a data source; got a "
            f"{type(stream).__name__}."
        )
    return stream, False


def _rebatch(stream: Iterable, close_input: bool, buffer_size: int) -> Iterator[dict]:
    """The lazy part of :func:`buffer_batch`; its arguments are already checked.

    Per input batch, the loop looks up the length of one field and holds the batch back;
    the full checks (keys, every field's length) run once per output batch, in
    :meth:`_Pending.join`. Empty batches are checked and dropped at once.
    """
    held_back = _Pending(buffer_size)
    hold = held_back.batches.append
    room = buffer_size  # rows that can still be held back before an output batch is full
    key = _NO_KEY
    iterator = iter(stream)
    try:
        for batch in iterator:
            try:
                n = len(batch[key])
            except (KeyError, TypeError, IndexError):
                n = held_back.measure(batch)
                key = held_back.key
            if 0 < n < room:  # the usual case: hold it back
                hold(batch)
                room -= n
                continue
            full, room = held_back.take(batch, n, room)
            yield from full
        if room < buffer_size:
            yield held_back.rest(room)
    finally:
        if close_input:
            close_if_closable(iterator)


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
    buffer_stream : stack single samples, which have no batch axis, into batches.

    Examples
    --------
    >>> from sklearn_stream import buffer_batch
    >>> stream = ({"X": np.full((3, 2), i)} for i in range(3))
    >>> [batch["X"].shape for batch in buffer_batch(stream, 4)]
    [(4, 2), (4, 2), (1, 2)]
    """
    size = _check_buffer_size(buffer_size)
    return _rebatch(*_opened(generator, "generator"), size)


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
    return _rebatch(streamer.generate(*args, **kwargs), True, size)


# -- stacking single samples ---------------------------------------------------------------
def _shape_text(shape: tuple | None) -> str:
    return "no regular shape (a ragged list)" if shape is None else f"shape {shape}"


def _shape_of(value: Any) -> tuple | None:
    """The shape numpy gives ``value``, or None if it has none (a ragged list)."""
    try:
        return np.shape(value)
    except ValueError:
        return None


def not_a_dict(item: Any, index: int, what: str = "batch") -> BatchError:
    """The error for item ``index`` of a stream, which is not a dict (a batch or sample)."""
    return BatchError(
        f"item {index} of the stream is a {type(item).__name__}, not a {what} (a dict of arrays)."
    )


_SHAPE = attrgetter("shape")


def _listing(keys: Iterable) -> str:
    return ", ".join(repr(key) for key in keys)


class _Stacker:
    """Reads a stream of samples ``size`` at a time and stacks each chunk into a batch.

    The stream's first sample sets the keys (and their order in the batches), the first
    batch each field's shape (leaving out the axis along which samples are joined). Per
    chunk, quick looks stand for the full checks, which run only when a quick look fails
    (to name the offending sample): all samples hold as many keys as the first, and each
    of its keys; numpy joins each field's values into one regular array; the joined
    values have the shapes of the last full batch that passed the full check. Only the
    chunk being stacked is held.
    """

    def __init__(self, iterator: Iterator, size: int, partial: bool, axis: int | None):
        self.iterator, self.size, self.partial, self.axis = iterator, size, partial, axis
        self.join: Callable = np.array if axis is None else partial_(np.concatenate, axis=axis)
        self.start = 0  # the position in the stream of the next chunk's first sample
        self.done = False
        self.keys: frozenset | None = None
        self.order: tuple = ()
        self.getters: tuple = ()
        self.str_keys = True
        self.shapes: dict = {}  # per key, the shape of its values without the joining axis
        self.full_shapes: list | None = None  # the joined values' shapes in a full batch

    def next_batch(self) -> dict | None:
        """The next batch, or None once the stream is done."""
        if self.done:
            return None
        chunk = list(islice(self.iterator, self.size))
        if len(chunk) < self.size:
            self.done = True
            if not (chunk and self.partial):
                return None
        if self.keys is None:
            self._learn(chunk[0])
        columns = self._columns(chunk)
        try:
            values = list(map(self.join, columns))
        except (ValueError, TypeError) as error:
            raise self._mismatch(columns, error) from None
        shapes = list(map(_SHAPE, values))
        if shapes != self.full_shapes:
            self._check_shapes(values, columns)
            if len(chunk) == self.size:
                self.full_shapes = shapes
        self.start += len(chunk)
        return dict(zip(self.order, values))

    def _learn(self, first: Any) -> None:
        self._check_sample(first, 0)
        if not first:
            raise BatchError("sample 0 of the stream has no fields.")
        self.keys, self.order = frozenset(first), tuple(first)
        self.getters = tuple(map(itemgetter, self.order))
        self.str_keys = all(isinstance(key, str) for key in self.order)

    def _check_sample(self, sample: Any, index: int) -> None:
        if not isinstance(sample, Mapping):
            raise not_a_dict(sample, index, "sample")
        if self.keys is not None and sample.keys() != self.keys:
            missing = [key for key in self.order if key not in sample]
            extra = [key for key in sample if key not in self.keys]
            differences = [f"lacks {_listing(missing)}"] if missing else []
            differences += [f"has {_listing(extra)} too"] if extra else []
            raise BatchKeyError(
                f"sample {index} of the stream {' and '.join(differences)}: its keys are "
                f"[{_listing(sample)}], the first sample's [{_listing(self.order)}]; every "
                "sample of a stream needs the same keys."
            )

    def _columns(self, chunk: list) -> list:
        """The values of each field (in the order of the keys) across ``chunk``, with the
        keys of every sample checked."""
        count = len(chunk) * len(self.order)
        try:
            # A sample that is not a dict fails a str key's getter; other keys (ints)
            # could index a list or tuple, so then the samples' types are looked at too.
            typed = self.str_keys or set(map(type, chunk)) == {dict}
            if typed and sum(map(len, chunk)) == count:
                return [list(map(get, chunk)) for get in self.getters]
        except (KeyError, TypeError, IndexError, ValueError):  # named below
            pass
        for offset, sample in enumerate(chunk):
            self._check_sample(sample, self.start + offset)
        return [[sample[key] for sample in chunk] for key in self.order]

    def _check_shapes(self, values: list, columns: list) -> None:
        """Check the joined ``values`` in full: no sparse matrices, and each field of the
        shape (without the joining axis) it has had since the first batch."""
        for key, value, column in zip(self.order, values, columns):
            if value.dtype == object and any(map(sp.issparse, column)):
                raise self._mismatch([column], None, key)
            shape = self._outer(value.shape)
            expected = self.shapes.setdefault(key, shape)
            if shape != expected:
                where = "" if self.axis is None else f" (leaving out axis {self.axis})"
                raise BatchShapeError(
                    f"field {key!r} of sample {self.start} of the stream has shape {shape}"
                    f"{where}, but the samples before it have {expected}; every sample of a "
                    "stream needs the same shapes."
                )

    def _outer(self, shape: tuple) -> tuple:
        """``shape`` without the axis along which samples are joined (a valid axis)."""
        axis = 0 if self.axis is None else self.axis % len(shape)
        return shape[:axis] + shape[axis + 1 :]

    def _fits(self, shape: tuple | None, first: tuple | None) -> bool:
        """Whether a sample of ``shape`` can be joined with one of shape ``first``."""
        if shape is None or first is None or len(shape) != len(first):
            return False
        if self.axis is None or not -len(shape) <= self.axis < len(shape):
            return shape == first
        return self._outer(shape) == self._outer(first)

    def _mismatch(self, columns: list, error: Exception | None, key: Any = None) -> Exception:
        """The error for fields whose values numpy could not join (or joined into an array
        of objects): the first field with a sample that is sparse, shaped unlike the first
        sample, or too small for ``axis``."""
        keys = self.order if key is None else (key,)
        for key, column in zip(keys, columns):
            found = self._column_error(key, column)
            if found is not None:
                return found
        return BatchError(f"cannot stack the samples from sample {self.start} on: {error}")

    def _column_error(self, key: Any, column: list) -> Exception | None:
        """The error for the values of field ``key`` across a chunk, if they cannot be
        joined; None if they can."""
        first = _shape_of(column[0])
        if first is None:
            return BatchShapeError(
                f"field {key!r} of sample {self.start} of the stream has no regular shape (a "
                "ragged list), so it cannot be stacked."
            )
        for offset, value in enumerate(column):
            index = self.start + offset
            if sp.issparse(value):
                return BatchError(
                    f"field {key!r} of sample {index} of the stream is a sparse matrix, "
                    "which has a batch axis already: join such batches with buffer_batch."
                )
            shape = _shape_of(value)
            if not self._fits(shape, first):
                return BatchShapeError(
                    f"field {key!r} of sample {index} of the stream has {_shape_text(shape)}, "
                    f"but sample {self.start} has {_shape_text(first)}; every sample of a "
                    "stream needs the same shapes."
                )
        if self.axis is not None and not -len(first) <= self.axis < len(first):
            return BatchShapeError(
                f"axis={self.axis} is out of range for field {key!r}, whose samples have "
                f"{_shape_text(first)}. Samples without a batch axis are stacked along a new "
                "first axis with axis=None."
            )
        return None


def _stacked(stacker: _Stacker, close_input: bool) -> Iterator[dict]:
    """The lazy part of :func:`buffer_stream`; closes an input it started when done or
    closed."""
    try:
        # iter(callable, None) keeps no reference to a batch once it is handed over
        yield from iter(stacker.next_batch, None)
    finally:
        if close_input:
            close_if_closable(stacker.iterator)


def buffer_stream(
    stream: Iterable[Mapping], buffer_size: int, partial: bool = False, axis: int | None = None
) -> Iterator[dict]:
    """Stack single samples into batches of ``buffer_size`` samples (pescador 3's name).

    Use it for a stream of samples without a batch axis, each value of a sample having the
    shape of one sample (a 0-d array for a label, ``(n_features,)`` for a row, ``(h, w)``
    for an image): every ``buffer_size`` samples are stacked along a new first axis, into
    one batch. For streams whose values have a batch axis already (even of length 1), use
    :func:`buffer_batch`, which joins and re-cuts along that axis, or ``axis=0`` here.

    At most ``buffer_size`` samples are held at any time: those of the batch being built,
    which the batch then copies. Samples are checked as they are stacked: the first sample
    of the stream sets the keys, and every sample must have the same keys and, field by
    field, the same shape. The arrays are joined by numpy, so different dtypes are promoted
    (a field that is ``int`` in one sample and ``float`` in another comes out ``float``).
    A data source given is started, and its stream closed when the output ends or is
    closed; an iterator given is left to its owner, as :func:`buffer_batch` does.

    Parameters
    ----------
    stream : iterable of dict
        The samples: any iterable of dicts (of numpy arrays, numbers, lists, strings), or
        a data source such as :class:`~sklearn_stream.Streamer` (which starts a fresh
        stream).
    buffer_size : int >= 1
        The number of samples per batch.
    partial : bool, default=False
        Whether to yield the last, incomplete batch when the stream ends with fewer than
        ``buffer_size`` samples left over; by default they are dropped, so that every batch
        has exactly ``buffer_size`` samples.
    axis : int or None, default=None
        None stacks the values along a new first axis (``numpy.stack``): a batch's value
        has the shape ``(buffer_size, *sample_shape)``. An int joins them along that
        existing axis instead (``numpy.concatenate``): ``axis=0`` joins samples that have
        a batch axis already; shapes must then agree except along ``axis``.

    Yields
    ------
    batch : dict
        Batches with the keys of the first sample, in its order, each value a numpy array.

    Raises
    ------
    TypeError
        At the call, if ``buffer_size`` or ``axis`` is not an int (or None for ``axis``),
        ``partial`` is not a bool, or ``stream`` is not an iterable of samples (a str, a
        dict, an array or a DataFrame are refused).
    ValueError
        At the call, if ``buffer_size < 1``.
    BatchError
        While iterating, if an item is not a dict, the first sample has no fields, or a
        value is a sparse matrix.
    BatchKeyError
        While iterating, if a sample's keys differ from the first sample's; the message
        names the sample's position in the stream and the keys it lacks or adds.
    BatchShapeError
        While iterating, if a field's shape differs from the one it has in the first
        sample, naming the field and the sample's position; or if ``axis`` is out of range
        for the samples' shapes.

    See Also
    --------
    buffer_batch : join and re-cut batches that have a batch axis.

    Notes
    -----
    Differences from pescador 3's ``buffer_stream``: the arguments are checked at the call
    (pescador accepts ``buffer_size=0`` or ``2.5`` and yields batches of one or three);
    samples whose keys or shapes differ raise an error naming the field and the sample
    (pescador drops extra keys and raises numpy's message without a name); sparse values
    are refused rather than stacked into an array of objects; a data source is accepted
    in place of a stream.

    Examples
    --------
    >>> from sklearn_stream import buffer_stream
    >>> samples = ({"x": np.arange(3) + 3 * i, "y": np.array(i % 2)} for i in range(5))
    >>> batches = list(buffer_stream(samples, 2, partial=True))
    >>> [(batch["x"].shape, batch["y"].tolist()) for batch in batches]
    [((2, 3), [0, 1]), ((2, 3), [0, 1]), ((1, 3), [0])]

    Samples that have a batch axis already are joined along it with ``axis=0``:

    >>> rows = [{"x": np.full((1, 2), i)} for i in range(4)]
    >>> [batch["x"].tolist() for batch in buffer_stream(rows, 2, axis=0)]
    [[[0, 0], [1, 1]], [[2, 2], [3, 3]]]
    """
    size = _check_buffer_size(buffer_size)
    partial = check_bool("partial", partial)
    axis = check_int("axis", axis, allow_none=True)
    iterable, close_input = _opened(stream, "stream")
    return _stacked(_Stacker(iter(iterable), size, partial, axis), close_input)


# -- shuffling ----------------------------------------------------------------------------
def take_rows(batch: Mapping, rows: np.ndarray, formats: Mapping | None = None) -> dict:
    """Return the rows ``rows`` (positions, in that order) of every field of ``batch``.

    Arrays and sparse matrices are indexed (a copy), pandas DataFrames and Series are taken
    by position and get the index ``0, 1, ..., n - 1``, lists and tuples keep their type.
    A sparse field is indexed as CSR and given back in ``formats[key]`` when given (in
    CSR otherwise).

    Raises
    ------
    BatchError
        For a field of another kind (a str, say), which cannot be indexed by rows.

    Examples
    --------
    >>> from sklearn_stream.buffer import take_rows
    >>> take_rows({"X": np.arange(5) * 10, "Y": list("abcde")}, np.array([3, 0]))
    {'X': array([30,  0]), 'Y': ['d', 'a']}
    """
    taken = {}
    for key, value in batch.items():
        if isinstance(value, np.ndarray):
            taken[key] = value[rows]
        elif sp.issparse(value):
            rows_of = value if value.format == "csr" else value.tocsr()
            taken[key] = rows_of[rows].asformat((formats or {}).get(key, "csr"))
        elif is_pandas(value):
            taken[key] = value.iloc[rows].reset_index(drop=True)
        elif type(value) in (list, tuple):
            taken[key] = type(value)(value[i] for i in rows.tolist())
        else:
            raise BatchError(
                f"cannot shuffle the rows of field {key!r}: values of type "
                f"{type(value).__name__} are not supported; use numpy arrays, scipy sparse "
                "matrices, lists, tuples, or pandas DataFrames or Series."
            )
    return taken


class _ShuffleWindow:
    """The rows :func:`shuffle_buffer` holds: ``pool`` (a batch of up to ``size`` rows, its
    sparse fields in CSR, or None), the batches come in since it was last mixed, and the
    lengths of the input batches not yet given out, which the output batches take in turn."""

    def __init__(self, size: int, rng: np.random.Generator) -> None:
        self.size, self.rng = size, rng
        self.chunk = max(1, size // 4)  # mix once this many rows came in
        self.pool: dict | None = None
        self.pool_rows = 0
        self.incoming: list = []
        self.incoming_rows = 0
        self.lengths: deque = deque()
        self.formats: dict | None = None  # the sparse fields' formats, given back as such

    def add(self, batch: Mapping, n: int) -> Iterator[dict]:
        """Take one input batch of ``n`` rows; yield the output batches now due."""
        if self.formats is None:
            self.formats = {k: v.format for k, v in batch.items() if sp.issparse(v)}
        self.incoming.append(batch)
        self.incoming_rows += n
        self.lengths.append(n)
        if self.incoming_rows >= self.chunk and self.pool_rows + self.incoming_rows > self.size:
            yield from self._mix(self.pool_rows + self.incoming_rows - self.size)

    def rest(self) -> Iterator[dict]:
        """Yield every row still held, shuffled, in the lengths of the last input batches."""
        if self.incoming or self.pool is not None:
            yield from self._mix(self.pool_rows + self.incoming_rows)

    def _mix(self, due: int) -> Iterator[dict]:
        """Shuffle what is held; give out the output batches that fit in ``due`` rows.

        Everything is cut before the first output is given out, and what was held is let
        go, so that a consumer holding an output batch keeps only that batch alive."""
        held = self.incoming if self.pool is None else [self.pool, *self.incoming]
        total = self.pool_rows + self.incoming_rows
        self.pool, self.incoming, self.incoming_rows = None, [], 0
        joined = held[0] if len(held) == 1 else concat_batches(held)
        del held
        order = self.rng.permutation(total)
        outputs: deque = deque()
        start = 0
        while self.lengths and start + self.lengths[0] <= due:
            n = self.lengths.popleft()
            outputs.append(take_rows(joined, order[start : start + n], self.formats))
            start += n
        if start < total:
            self.pool = take_rows(joined, order[start:])  # sparse fields stay in CSR
        self.pool_rows = total - start
        del joined
        while outputs:
            yield outputs.popleft()


def _shuffled(stream: Iterable, size: int, rng: np.random.Generator, close_input: bool):
    """The lazy part of :func:`shuffle_buffer`; its arguments are already checked."""
    window = _ShuffleWindow(size, rng)
    keys = None
    iterator = iter(stream)
    try:
        for index, batch in enumerate(iterator):
            if keys is None:
                _checked_length(batch, index)  # a batch, whose keys the others must have
                keys = batch.keys()
            n = _check_batch(batch, keys, index)
            if n:
                yield from window.add(batch, n)
        yield from window.rest()
    finally:
        if close_input:
            close_if_closable(iterator)


def shuffle_buffer(stream: Iterable[Mapping], buffer_size: int, random_state: Any = None):
    """Shuffle the rows of a stream of batches within a window of ``buffer_size`` rows.

    Rows from different batches are mixed: each output batch is drawn at random from the
    ``buffer_size`` or so rows held. A row waits in the window a random time, about
    ``buffer_size`` rows on average, with no hard bound: a few rows wait several times
    longer, as in any reservoir shuffle. Every row comes out exactly once, and the output
    batches have the lengths of the input batches, in order; a ``buffer_size`` at least as
    large as the whole stream gives a full shuffle.

    Memory stays bounded whatever the stream's length: about three times ``buffer_size``
    rows, plus a few input batches (the one being read, the one last given out, the
    copies made while mixing). Each row is copied about ten times on its way through.
    Input batches are held as they are until they are mixed, so a producer must not reuse
    their arrays. Fields are joined as :func:`buffer_batch` joins them: a field should keep
    one kind of value and one dtype. Output batches are plain dicts.

    Parameters
    ----------
    stream : iterable of dict
        The batches to shuffle: any iterable of batches, or a data source such as
        :class:`~sklearn_stream.Streamer` (which starts a fresh stream). Their values may be
        numpy arrays, scipy sparse matrices, lists, tuples, or pandas DataFrames or Series.
    buffer_size : int >= 1
        How many rows the window holds.
    random_state : None, int, RandomState or Generator, default=None
        The shuffle's randomness. An int gives the same shuffle at every call; to draw a
        new one for each epoch, pass a ``numpy.random.Generator``, which each call advances
        (as the readers of :mod:`sklearn_stream.io` do).

    Yields
    ------
    batch : dict
        Batches with the keys of the input batches and their lengths, in order.

    Raises
    ------
    TypeError
        At the call, if ``buffer_size`` is not an int, ``random_state`` is of another
        type, or ``stream`` is not an iterable of batches (a str, an array or a DataFrame
        are refused: they hold rows, not batches).
    ValueError
        At the call, if ``buffer_size < 1`` or ``random_state`` is a negative int.
    BatchError, BatchLengthError
        While iterating, for the batches :func:`buffer_batch` refuses (not a dict, no
        fields, other keys than the first batch's, fields of different lengths), and for a
        field whose rows cannot be taken (a str, say).

    See Also
    --------
    buffer_batch : re-cut a stream into batches of a fixed size, keeping the row order.

    Examples
    --------
    >>> from sklearn_stream import shuffle_buffer
    >>> stream = [{"X": np.arange(i, i + 3)} for i in range(0, 12, 3)]
    >>> batches = list(shuffle_buffer(stream, buffer_size=6, random_state=0))
    >>> [len(batch["X"]) for batch in batches]
    [3, 3, 3, 3]
    >>> sorted(np.concatenate([batch["X"] for batch in batches]).tolist()) == list(range(12))
    True
    """
    size = _check_buffer_size(buffer_size)
    check_random_state_value(random_state)
    rng = epoch_rng(random_state, 0)
    iterable, close_input = _opened(stream, "stream")
    return _shuffled(iterable, size, rng, close_input)
