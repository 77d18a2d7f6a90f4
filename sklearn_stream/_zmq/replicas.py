"""The version of a data source that each ``zmq_stream`` worker runs.

With one worker and no ``random_state``, the worker runs the source as it would run
in-process at the same epoch: a source that counts its epochs (``Mux``) is handed over as if
it had started one stream per earlier epoch of the ``ZMQStreamer``, so an int
``random_state`` gives different, reproducible epochs, as in-process. A source whose
``random_state`` is a ``RandomState`` or ``Generator`` object (which a worker's copy could
not advance) is treated as below, with random ints drawn from that object. Otherwise each
worker gets its own random int, derived from ``random_state`` (or from the source's own
``random_state``) and the epoch, and:

- a :class:`~sklearn_stream.Mux` that promises to use each seed once
  (``with_replacement=False``) is split: worker ``j`` gets every ``n``-th seed of the pool
  (with their weights), so no seed is used by two workers; a ``ShuffledMux``,
  ``RoundRobinMux`` or ``ChainMux`` is split the same way, whatever its mode (its
  ``_worker_shares``), as a file reader splits its blocks;
- any other source with a ``random_state`` parameter (a ``Mux`` with replacement, a
  ``Streamer`` whose function takes ``random_state``) gets a clone with the worker's
  random int as its ``random_state``;
- other sources run unchanged in every worker, which also passes its own random int to
  ``random.seed`` and ``numpy.random.seed`` (Python's and numpy's global generators).

A ``Streamer`` or a mux is changed through a shallow copy, so the workers share the
source's data (copy-on-write with the ``fork`` start method; pickled once for all workers
otherwise) instead of each costing a copy of it in the consumer.
"""

import copy
import inspect
from collections.abc import Iterator
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import clone

from .._random import epoch_rng, spawn_random_ints
from ..core import Streamer, is_data_source
from ..mux import ChainMux, Mux, RoundRobinMux, ShuffledMux, _pool_shares

__all__ = ["worker_sources"]


def _unwrap(source: Any) -> Any:
    """A plain ``Streamer`` around another data source streams exactly that source; one
    around a function that makes a file reader (``read_npy``) streams the reader it makes,
    built here so that the workers can share its rows."""
    while type(source) is Streamer:
        if is_data_source(source.streamer):
            source = source.streamer
        elif getattr(source.streamer, "makes_reader", False):
            source = source.streamer(*source.args, **source.kwargs)
        else:
            break
    return source


def _params(source: Any) -> dict:
    get_params = getattr(source, "get_params", None)
    if get_params is None:
        return {}
    try:
        return dict(get_params(deep=False))
    except TypeError:
        return dict(get_params())


def _takes_random_state(source: Any) -> bool:
    if "random_state" in _params(source):
        return True
    if isinstance(source, Streamer) and callable(source.streamer):
        if is_data_source(source.streamer):
            return False
        return _accepts_random_state(source.streamer)
    return False


def _accepts_random_state(func: Any) -> bool:
    try:
        parameters = inspect.signature(func).parameters
    except (TypeError, ValueError):  # no signature to look at (some builtins)
        return False
    parameter = parameters.get("random_state")
    return parameter is not None and parameter.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    )


def _at_epoch(source: Any, epoch: int) -> Any:
    """``source`` as if it had started ``epoch`` more streams (if it counts them)."""
    inner = _unwrap(source)
    epochs = getattr(inner, "_epochs", None)
    if epoch == 0 or type(epochs) is not int:
        return source
    replica = _shallow(inner)
    replica._epochs = epochs + epoch
    return replica


def _own_random_state(source: Any) -> Any:
    """The source's own ``random_state`` if it is an int, RandomState or Generator."""
    random_state = _params(source).get("random_state")
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        return int(random_state)
    if isinstance(random_state, (np.random.RandomState, np.random.Generator)):
        return random_state
    return None


def _shallow(source: Any) -> Any:
    """A copy whose parameters can be set without touching ``source`` or copying its data:
    ``Streamer`` and the muxes replace, never mutate, what ``set_params`` changes. Other
    data sources are made anew from their parameters, as ``clone`` makes them but without
    copying what the parameters hold (a user's source holding a large array, say)."""
    if type(source) in (Streamer, Mux, ShuffledMux, RoundRobinMux, ChainMux):
        return copy.copy(source)
    if hasattr(source, "get_params"):
        return type(source)(**_params(source))
    return clone(source, safe=False)


def _split_mux(source: Mux, random_ints: list) -> tuple[list, list]:
    """Worker ``j`` gets every ``n``-th seed of the pool (with its weight) and
    ``random_ints[j]`` as its ``random_state``; never more workers than usable seeds."""
    return _pool_shares(source, random_ints, "seed_pool", "pool_weights", copier=_shallow)


def worker_sources(
    source: Any, n_workers: int, random_state: Any, epoch: int
) -> tuple[list, list]:
    """Return the source and the random int (None: leave the worker's generators alone) of
    each worker. A ``Mux`` without replacement and fewer usable seeds than ``n_workers`` gets
    one worker per seed. Worker ``j`` of epoch ``e`` runs the data sources nested in its
    source from a later epoch of theirs (see :class:`_NestedFrom`), unless ``e = j = 0``."""
    sources, random_ints = _top_level(source, n_workers, random_state, epoch)
    sources = [
        _NestedFrom.wrap(replica, epoch * len(sources) + j) for j, replica in enumerate(sources)
    ]
    return sources, random_ints


def _top_level(source: Any, n_workers: int, random_state: Any, epoch: int) -> tuple[list, list]:
    """The sources and random ints of :func:`worker_sources`, before the nested sources'
    epochs are moved on."""
    inner = _unwrap(source)
    own = _own_random_state(inner)
    own_is_object = isinstance(own, (np.random.RandomState, np.random.Generator))
    if n_workers == 1 and random_state is None and not own_is_object:
        return [_at_epoch(source, epoch)], [None]
    base = random_state if random_state is not None else own
    random_ints = spawn_random_ints(epoch_rng(base, epoch), n_workers)
    if hasattr(inner, "_worker_shares"):  # a file reader or a pescador 3 mux: shares
        return inner._worker_shares(random_ints)
    if isinstance(inner, Mux) and not inner.with_replacement:
        return _split_mux(inner, random_ints)
    if _takes_random_state(inner):
        return [_with_random_state(inner, r) for r in random_ints], random_ints
    return [source] * n_workers, random_ints


def _with_random_state(source: Any, random_int: int) -> Any:
    try:
        return _shallow(source).set_params(random_state=random_int)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"zmq_stream cannot give each worker its own random_state: setting it on "
            f"{source!r} failed ({exc}). Pass random_state to the generator function as a "
            "keyword argument (Streamer(func, ..., random_state=0)), not positionally."
        ) from exc


_NESTED_STRIDE = 1 << 32  # epochs a nested source is moved on per step: more than it starts


def _outermost(source: Any) -> Any:
    """``source`` without the plain ``Streamer`` wrappers around a data source: the object
    whose own epochs :func:`_at_epoch` and the random ints already take care of."""
    while type(source) is Streamer and is_data_source(source.streamer):
        source = source.streamer
    return source


def _nested(source: Any) -> Iterator:
    """The data sources among ``source``'s parameters (alone or in a list or tuple)."""
    for value in _params(source).values():
        if is_data_source(value):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from (item for item in value if is_data_source(item))


def _descendants(source: Any) -> Iterator:
    """Every data source nested in ``source``, at any depth, each once."""
    seen: set = set()
    pending = list(_nested(source))
    while pending:
        child = pending.pop()
        if id(child) not in seen:
            seen.add(id(child))
            yield child
            pending.extend(_nested(child))


class _NestedFrom:
    """A worker's source whose nested data sources start from a later epoch of theirs.

    In-process, a mux nested in another counts its own epochs, one per activation, so every
    epoch of the outer one finds it further on. A worker runs a copy of the source that
    starts from the consumer's counts, which never move (the consumer runs nothing), so
    without this every epoch of a ``ZMQStreamer`` would replay the same nested draws, and
    so would every worker of one epoch. :meth:`generate` runs in the worker and moves its
    own copy's nested counts ``step`` strides on (the source's own count is left to
    :func:`_at_epoch`); the consumer's objects never change.
    """

    def __init__(self, source: Any, step: int) -> None:
        self.source = source
        self.step = step

    @classmethod
    def wrap(cls, source: Any, step: int) -> Any:
        """``source`` as worker ``step`` runs it: unchanged for step 0 or when nothing
        nested in it but plain ``Streamer`` objects."""
        if step == 0 or all(type(child) is Streamer for child in _descendants(_outermost(source))):
            return source  # plain Streamers draw nothing from their epoch count
        return cls(source, step)

    def generate(self, max_batches: int | None = None) -> Iterator:
        for child in _descendants(_outermost(self.source)):
            if type(getattr(child, "_epochs", None)) is int:  # a count that draws depend on
                child._epochs += self.step * _NESTED_STRIDE
        return self.source.generate(max_batches)
