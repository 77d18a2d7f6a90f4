"""Multiplexers: data sources that merge the streams of a pool of data sources into one.

:class:`Mux` and :func:`mux` (pescador 0.1.3's multiplexer) keep ``k`` seeds of the pool
active and draw each batch from one of them at random, replacing a seed when its lifetime
ends. :class:`ShuffledMux`, :class:`RoundRobinMux` and :class:`ChainMux` (pescador 3's
names) run every stream at once and draw each batch by weight, take one batch from each
stream in turn, or run the streams one after the other.

Per-batch work stays small: random numbers are drawn a block at a time, off the per-batch
path. A ``Mux`` pays for choosing a seed to activate (O(log N), a Fenwick tree over the
weights) and for its lifetime once per activation; a ``ShuffledMux`` reads each batch's
stream from a block of indices drawn in one call.
"""

import copy
import functools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import chain
from typing import Any

import numpy as np

from ._checks import check_bool, check_int, check_real, close_if_closable
from ._random import check_random_state_value, epoch_rng
from .core import DataSource, check_max_batches, is_data_source
from .exceptions import EmptyPoolError, EmptyStreamError

__all__ = ["ChainMux", "Mux", "RoundRobinMux", "ShuffledMux", "mux"]

_BLOCK = 4096  # random numbers are drawn this many at a time, off the per-batch path
_FIRST_BLOCK = 16  # binomial lifetimes: the first block for a new number of active streams
_DISTS = ("poisson", "binomial", "constant")
_MOST_LAM = 1e15  # numpy's Poisson and binomial draws overflow not far above
_ROUND_ROBIN_MODES = ("exhaustive", "cycle", "permuted_cycle")
_CHAIN_MODES = ("exhaustive", "cycle")
_END = object()


class _WeightedPool:
    """Candidates for activation, drawn in proportion to their weights.

    A Fenwick tree over the weights: drawing, removing and re-inserting a seed each cost
    O(log N), so pools of thousands of seeds cost about what small ones do.
    """

    def __init__(self, weights: Sequence[float]) -> None:
        self.weights = [0.0] * len(weights)
        self.base = list(weights)
        self.tree = [0.0] * (len(weights) + 1)
        self.count = 0
        self.total = 0.0
        self.top = 1 << max(len(weights).bit_length() - 1, 0)
        for i, w in enumerate(weights):
            if w > 0:
                self.insert(i)

    def _add(self, i: int, delta: float) -> None:
        i += 1
        tree = self.tree
        while i < len(tree):
            tree[i] += delta
            i += i & -i

    def insert(self, i: int) -> None:
        if self.weights[i] == 0.0 and self.base[i] > 0:
            self.weights[i] = self.base[i]
            self._add(i, self.base[i])
            self.count += 1
            self.total += self.base[i]

    def remove(self, i: int) -> None:
        w = self.weights[i]
        if w > 0:
            self.weights[i] = 0.0
            self._add(i, -w)
            self.count -= 1
            self.total = self.total - w if self.count else 0.0

    def draw(self, u: float) -> int:
        """The candidate at cumulative weight ``u * total`` (``u`` uniform in [0, 1))."""
        target = u * self.total
        pos, step, tree, n = 0, self.top, self.tree, len(self.weights)
        while step:
            nxt = pos + step
            if nxt <= n and tree[nxt] <= target:
                pos = nxt
                target -= tree[nxt]
            step >>= 1
        if pos < n and self.weights[pos] > 0:
            return pos
        # Rounding left the draw on a removed seed: take the nearest live one.
        live = [i for i, w in enumerate(self.weights) if w > 0]
        return min(live, key=lambda i: abs(i - pos))


def _fixed_lifetime(lam: float | None, dist: str) -> int | None:
    """The lifetime of every activation when it is not random (-1: no bound), else None."""
    if lam is None:
        return -1
    if dist == "constant":
        return 1 + math.floor(lam + 0.5)  # lam to the nearest integer, halves up
    return None


class _Lifetimes:
    """The lifetimes of a multiplexer's activations, drawn a block at a time.

    :meth:`draw` returns how many batches a new activation may yield (-1: no bound). Its
    argument, how many streams are active once the idle slots are filled, matters to the
    binomial lifetimes only, never which seed is activated.
    """

    def __init__(self, lam: float | None, dist: str, rng: np.random.Generator) -> None:
        self.lam, self.dist, self.rng = lam, dist, rng
        self.fixed = _fixed_lifetime(lam, dist)
        self.chance = 0.0  # the chance to be picked on a draw that the block was drawn for
        self.size = _BLOCK
        self.block: list = []  # pre-drawn lifetimes, used from the end

    def draw(self, n_active: int) -> int:
        if self.fixed is not None:
            return self.fixed
        chance = 1.0 / n_active if self.dist == "binomial" else 1.0
        if chance != self.chance:  # a block serves one number of active streams only
            self.chance, self.size = chance, _FIRST_BLOCK
            self.block.clear()
        if not self.block:
            self.block.extend(self._more(chance))
        return self.block.pop()

    def _more(self, chance: float) -> list:
        """A block of lifetimes for an activation picked with probability ``chance`` on
        each draw: ``1 + Poisson(lam)`` for a lone stream (and with ``dist="poisson"``),
        else ``1 + Binomial(n, 1 - chance)`` with ``n = lam / (1 - chance)``, rounded down or
        up at random so that the mean is ``1 + lam`` exactly."""
        if chance == 1.0:
            return (1 + self.rng.poisson(self.lam, _BLOCK)).tolist()
        size, self.size = self.size, min(2 * self.size, _BLOCK)  # few at first: A may change
        success = 1.0 - chance
        trials = self.lam / success
        whole = math.floor(trials)
        n = whole + (self.rng.random(size) < trials - whole)
        return (1 + self.rng.binomial(n, success)).tolist()


def _close_all(streams: list) -> None:
    """Close the streams of ``streams`` (last opened first), emptying the list. If closing
    one raises, the others are still closed, then the first error is raised."""
    error = None
    while streams:
        try:
            close_if_closable(streams.pop())
        except BaseException as exc:  # raised below, once all the streams are closed
            error = exc if error is None else error
    if error is not None:
        raise error


def _start(source: Any, opened: list) -> Iterator:
    """Start a stream of ``source``, noting it in ``opened`` (the streams to close)."""
    stream = iter(source.generate())
    opened.append(stream)
    return stream


class _ActiveSlots:
    """The streams a multiplexer draws from, as parallel lists (a slot is removed by
    swapping in the last one), and how each is activated and retired."""

    def __init__(self, seeds: list, pool: _WeightedPool, options: dict, rng: Any) -> None:
        self.seeds, self.pool, self.rng = seeds, pool, rng
        self.k = options["k"]
        self.with_replacement, self.prune = options["with_replacement"], options["prune"]
        self.revive = options["revive"]
        self.lifetimes = _Lifetimes(options["lam"], options["dist"], rng)
        self.uniforms: list = []  # pre-drawn uniform numbers, used from the end
        self.nexts: list = []  # bound __next__ of each active stream
        self.streams: list = []
        self.lives: list = []  # batches left (negative: unbounded)
        self.owners: list = []  # index of the seed
        self.produced: list = []  # whether this activation has yielded anything
        self.empty_since_yield: set = set()  # seeds whose activations came up empty

    def uniform(self) -> float:
        if not self.uniforms:
            self.uniforms.extend(self.rng.random(_BLOCK).tolist())
        return self.uniforms.pop()

    def filled_size(self) -> int:
        """How many streams will be active once the idle slots are filled."""
        idle = self.k - len(self.nexts)
        return len(self.nexts) + (idle if self.with_replacement else min(idle, self.pool.count))

    def activate(self) -> None:
        """Fill the idle slots with streams of seeds drawn by weight."""
        pool = self.pool
        n_active = self.filled_size()
        while len(self.nexts) < self.k and pool.count:
            i = pool.draw(self.uniform())
            if not self.with_replacement:
                pool.remove(i)
            stream = iter(self.seeds[i].generate())
            self.nexts.append(stream.__next__)
            self.streams.append(stream)
            self.lives.append(self.lifetimes.draw(n_active))
            self.owners.append(i)
            self.produced.append(False)

    def deactivate(self, j: int, exhausted: bool) -> None:
        """Retire slot ``j``: close its stream; prune or revive its seed."""
        stream, i = self.streams[j], self.owners[j]
        was_empty = exhausted and not self.produced[j]
        last = len(self.nexts) - 1
        for slots in (self.nexts, self.streams, self.lives, self.owners, self.produced):
            slots[j] = slots[last]
            slots.pop()
        close_if_closable(stream)
        if was_empty and self.prune:
            self.pool.remove(i)  # and never re-inserted: no other activation of i revives it
        elif not self.with_replacement and self.revive:
            self.pool.insert(i)
        if was_empty:
            self.empty_since_yield.add(i)

    def after_exhausted(self, j: int, n_positive: int) -> None:
        """Slot ``j``'s stream ended. Once every seed came up empty since the last batch,
        slots are no longer refilled: the active ones drain, and the stream ends if none
        of them yields."""
        self.deactivate(j, exhausted=True)
        if self.prune or len(self.empty_since_yield) < n_positive:
            self.activate()

    def close(self) -> None:
        _close_all(self.streams)


def multiplex(seeds: list, weights: list, *, rng: np.random.Generator, **options: Any) -> Iterator:
    """Yield batches drawn from ``seeds`` as :class:`~sklearn_stream.Mux` describes.

    The arguments are already checked; ``weights`` are positive-sum proportions; ``options``
    are ``k``, ``lam``, ``dist``, ``with_replacement``, ``prune`` and ``revive``. Active
    slots are drawn uniformly, so seed ``i``'s long-run share of batches is its weight
    (lifetimes do not depend on the seed). Closing the generator closes every active stream.
    """
    pool = _WeightedPool(weights)
    n_positive = pool.count
    slots = _ActiveSlots(seeds, pool, options, rng)
    nexts, lives, produced, uniforms = slots.nexts, slots.lives, slots.produced, slots.uniforms
    try:
        slots.activate()
        while nexts:
            if not uniforms:
                uniforms.extend(rng.random(_BLOCK).tolist())
            j = int(uniforms.pop() * len(nexts))
            try:
                batch = nexts[j]()
            except StopIteration:
                slots.after_exhausted(j, n_positive)
                continue
            if slots.empty_since_yield:  # a batch after empty activations: refill idle slots
                slots.empty_since_yield.clear()
                slots.activate()
            produced[j] = True
            yield batch
            lives[j] -= 1
            if lives[j] == 0:
                slots.deactivate(j, exhausted=False)
                slots.activate()
    finally:
        slots.close()


class _LiveDraws:
    """Indices drawn in proportion to their weights among the live ones, a block at a time.

    A block is drawn for the indices that were live at the last rebuild. A draw that falls
    on an index retired since is skipped, which leaves the chances of the others in
    proportion to their weights; once half the weight is retired, the live indices are
    rebuilt and the block dropped, so fewer than half of the draws are ever skipped.
    """

    def __init__(self, weights: np.ndarray, rng: np.random.Generator) -> None:
        self.weights, self.rng = weights, rng
        self.alive = weights > 0
        self.live = np.flatnonzero(self.alive)
        self.count = len(self.live)
        self.block: list = []  # pre-drawn indices, used from the end
        self._rebuild()

    def _rebuild(self) -> None:
        self.live = self.live[self.alive[self.live]]
        self.cumulative = np.cumsum(self.weights[self.live])
        self.retired, self.limit = 0.0, 0.5 * float(self.cumulative[-1])
        self.block.clear()

    def refill(self) -> None:
        targets = self.rng.random(_BLOCK) * self.cumulative[-1]
        positions = np.searchsorted(self.cumulative, targets, side="right")
        self.block.extend(self.live[np.minimum(positions, len(self.live) - 1)].tolist())

    def retire(self, i: int) -> None:
        self.alive[i] = False
        self.count -= 1
        self.retired += float(self.weights[i])
        if self.count and self.retired >= self.limit:
            self._rebuild()


def shuffle_streams(sources: list, weights: np.ndarray, rng: np.random.Generator) -> Iterator:
    """Yield the batches of every source of positive weight, each drawn from one of those
    still running in proportion to its weight, until all are exhausted, as
    :class:`~sklearn_stream.ShuffledMux` describes. Closing the generator closes them all."""
    draws = _LiveDraws(weights, rng)
    block = draws.block
    nexts: list = [None] * len(sources)
    opened: list = []
    try:
        for i in draws.live.tolist():
            nexts[i] = _start(sources[i], opened).__next__
        while draws.count:
            if not block:
                draws.refill()
            i = block.pop()
            next_batch = nexts[i]
            if next_batch is None:
                continue  # drawn for a stream that has ended since the block was drawn
            try:
                batch = next_batch()
            except StopIteration:
                nexts[i] = None
                draws.retire(i)
                continue
            yield batch
    finally:
        _close_all(opened)


def _round_robin_pass(sources: list, rng: np.random.Generator | None, opened: list) -> Iterator:
    """One pass of a round robin: start every stream (in a random order if ``rng`` is
    given), then take one batch from each in turn; an exhausted stream leaves the rotation."""
    order = range(len(sources)) if rng is None else rng.permutation(len(sources)).tolist()
    nexts = [_start(sources[i], opened).__next__ for i in order]
    while nexts:
        running = []
        for next_batch in nexts:
            try:
                batch = next_batch()
            except StopIteration:
                continue
            running.append(next_batch)
            yield batch
        nexts = running


def _chain_pass(sources: list, rng: Any, opened: list) -> Iterator:
    """One pass of a chain: each stream to its end, one after the other (``rng`` is unused).
    ``itertools.chain`` hands each batch over, so the chain adds no Python frame per batch."""
    return chain.from_iterable(_started_in_turn(sources, opened))


def _started_in_turn(sources: list, opened: list) -> Iterator:
    """Start a stream of each source once the previous one has ended (and close that one)."""
    for source in sources:
        _close_all(opened)
        yield _start(source, opened)


def _repeat_passes(one_pass: Callable[[list], Iterator], mode: str, source: Any) -> Iterator:
    """Yield the batches of ``one_pass(opened)`` once (``mode="exhaustive"``) or for ever,
    closing the streams of each pass when it ends and those still ``opened`` when closed.

    Raises EmptyStreamError when an endless mode's pass yields nothing: it would loop for
    ever without a batch.
    """
    opened: list = []
    try:
        while True:
            batches = one_pass(opened)
            first = next(batches, _END)
            if first is not _END:
                yield first
                yield from batches
            _close_all(opened)
            if mode == "exhaustive":
                return
            if first is _END:
                raise EmptyStreamError(
                    f"{source!r} started a pass over its streams that yielded no batch; "
                    f"mode={mode!r} cannot repeat streams that are all empty."
                )
    finally:
        _close_all(opened)


# -- argument checks ------------------------------------------------------------------------
def _check_seed_pool(seed_pool: Any, name: str = "seed_pool") -> list:
    """The data sources of the pool argument ``name`` as a list, or raise."""
    if is_data_source(seed_pool) or isinstance(seed_pool, (str, bytes, dict, set, frozenset)):
        unordered = " (a set has no fixed order, so draws could not be reproduced)"
        raise TypeError(
            f"{name} must be a list of data sources (e.g. Streamer objects); got a "
            f"{type(seed_pool).__name__}"
            f"{unordered if isinstance(seed_pool, (set, frozenset)) else ''}."
        )
    try:
        items = iter(seed_pool)
    except TypeError:
        raise TypeError(
            f"{name} must be a list of data sources (e.g. Streamer objects); got a "
            f"{type(seed_pool).__name__}."
        ) from None
    seeds = []
    for i, seed in enumerate(items):  # one at a time: a stream of batches stops at its first
        if not is_data_source(seed):
            raise _not_a_source(name, i, seed, one_shot=items is seed_pool)
        seeds.append(seed)
    if not seeds:
        raise EmptyPoolError(f"{name} is empty: a mux needs at least one data source.")
    return seeds


def _type_name(value: Any) -> str:
    """The name of ``value``'s type, with its module when it is not Python's own or ours
    (another library's ``Streamer`` is not ours)."""
    kind = type(value)
    if kind.__module__ == "builtins" or kind.__module__.startswith("sklearn_stream"):
        return kind.__name__
    return f"{kind.__module__}.{kind.__qualname__}"


def _not_a_source(name: str, i: int, seed: Any, one_shot: bool) -> TypeError:
    """The error for item ``i`` of the pool argument ``name``, which is not a data source;
    ``one_shot``: the argument is an iterator, read up to that item."""
    if hasattr(seed, "__next__"):
        hint = (
            " A generator object runs only once; wrap its function instead: "
            "Streamer(noisy_samples, X, Y)."
        )
    else:
        hint = " Wrap it in sklearn_stream.Streamer."
    if one_shot and isinstance(seed, Mapping):
        hint = (
            f" {name} looks like a stream of batches: a mux takes a list of data sources, "
            f"such as [Streamer(batches_of_file, path) for path in paths]; {name} was read "
            "up to this item."
        )
    return TypeError(
        f"{name}[{i}] is a {_type_name(seed)}, not a data source (an object with a "
        f"generate() method, such as sklearn_stream.Streamer).{hint}"
    )


def _check_weights(
    weights: Any, n_sources: int, name: str = "pool_weights", item: str = "seed"
) -> np.ndarray:
    """The weights argument ``name`` (one per ``item``) as proportions summing to 1 (a new
    array: the caller's is never touched), or raise."""
    if weights is None:
        return np.full(n_sources, 1.0 / n_sources)
    try:
        given = np.asarray(weights)
        if given.dtype.kind not in "iuf":  # no text, bools, objects or complex numbers
            raise TypeError
        proportions = np.array(given, dtype=float)  # always a copy
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be None or a 1-d array of {n_sources} real numbers; got {weights!r}."
        ) from None
    if proportions.ndim != 1 or len(proportions) != n_sources:
        raise ValueError(
            f"{name} must have one weight per {item} ({n_sources}); got shape {proportions.shape}."
        )
    if not np.all(np.isfinite(proportions)):
        raise ValueError(f"{name} must be finite; got {weights!r}.")
    if np.any(proportions < 0):
        raise ValueError(f"{name} must be non-negative; got {weights!r}.")
    largest = proportions.max()
    if largest <= 0:
        raise ValueError(f"{name} must have at least one positive weight; all are zero.")
    proportions = proportions / largest  # first, so that huge weights cannot overflow the sum
    return proportions / proportions.sum()


def _check_choice(name: str, value: Any, choices: tuple) -> str:
    """``value`` if it is one of the strings ``choices``, else raise."""
    expected = f"{name} must be one of {', '.join(repr(choice) for choice in choices)}"
    if not isinstance(value, str):
        raise TypeError(f"{expected}; got {value!r} of type {type(value).__name__}.")
    if value not in choices:
        raise ValueError(f"{expected}; got {value!r}.")
    return value


def _check_params(params: dict) -> tuple[list, np.ndarray]:
    seeds = _check_seed_pool(params["seed_pool"])
    check_int("k", params["k"], 1, meaning=" (how many seeds are active)")
    lam = check_real("lam", params["lam"], allow_none=True, what="float")
    if lam is not None and lam > _MOST_LAM:
        raise ValueError(
            f"lam must be at most {_MOST_LAM:.0e} (numpy cannot draw larger lifetimes); got "
            f"{params['lam']!r}. lam=None runs each activation until its seed is exhausted."
        )
    _check_choice("dist", params["dist"], _DISTS)
    for name in ("with_replacement", "prune_empty_seeds", "revive"):
        check_bool(name, params[name])
    check_random_state_value(params["random_state"])
    return seeds, _check_weights(params["pool_weights"], len(seeds))


# -- the data sources ---------------------------------------------------------------------------
class _PoolSource(DataSource):
    """A data source whose first parameter, named ``_pool_name``, is a list of data sources."""

    _pool_name = "seed_pool"

    def _normalized(self, params: dict) -> dict:
        pool = params.get(self._pool_name)
        if pool is None or isinstance(pool, (list, tuple)):
            return params
        return {**params, self._pool_name: _check_seed_pool(pool, self._pool_name)}  # one-shot

    def _repr_parts(self) -> list:
        size = len(getattr(self, self._pool_name))
        sources = "data source" if size == 1 else "data sources"
        return [f"{self._pool_name}=[{size} {sources}]", *super()._repr_parts()[1:]]

    def _new_epoch(self, random: bool = True) -> np.random.Generator | None:
        """Count one more started stream; return its generator (if ``random``)."""
        rng = epoch_rng(self.random_state, self._epochs) if random else None
        self._epochs += 1
        return rng


def _pool_shares(
    source: Any,
    random_ints: list,
    pool_name: str,
    weights_name: str | None = None,
    copier: Callable[[Any], Any] = copy.copy,
) -> tuple[list, list]:
    """Split a mux between ``zmq_stream`` workers: worker ``j`` gets a copy of ``source``
    (made by ``copier``, which must not share what ``set_params`` changes) with every
    ``n``-th data source of its pool ``pool_name`` of positive weight (and its weight),
    and ``random_ints[j]`` as its ``random_state``; never more workers than such sources.
    Returns the copies and their random ints."""
    pool = list(getattr(source, pool_name))
    weights = None if weights_name is None else getattr(source, weights_name)
    weights = None if weights is None else np.asarray(weights, dtype=float)
    usable = [i for i in range(len(pool)) if weights is None or weights[i] > 0]
    n_shares = min(len(random_ints), len(usable))
    shares = []
    for j, random_int in enumerate(random_ints[:n_shares]):
        picked = usable[j::n_shares]
        changes = {pool_name: [pool[i] for i in picked], "random_state": random_int}
        if weights_name is not None:
            changes[weights_name] = None if weights is None else weights[picked]
        shares.append(copier(source).set_params(**changes))
    return shares, random_ints[:n_shares]


class _SplittableMux(_PoolSource):
    """A mux of ``streamers`` that ``zmq_stream`` splits between its workers."""

    _pool_name = "streamers"
    _weights_name: str | None = None

    def _worker_shares(self, random_ints: list) -> tuple[list, list]:
        """The workers' sources: worker ``j`` gets every ``n``-th stream (with its weight),
        and ``random_ints[j]`` as its ``random_state``; never more workers than streams."""
        return _pool_shares(self, random_ints, self._pool_name, self._weights_name)


class _PassMux(_SplittableMux):
    """A mux that makes passes over its streams: one (``mode="exhaustive"``) or endless."""

    _modes: tuple = ()
    _pass: Callable  # one pass over the streams: (streams, rng, opened) -> generator

    def _check(self, params: dict) -> tuple[list, str]:
        streams = _check_seed_pool(params["streamers"], "streamers")
        mode = _check_choice("mode", params["mode"], self._modes)
        check_random_state_value(params["random_state"])
        return streams, mode

    def _start(self, state: tuple, max_batches: int | None) -> Iterator:
        streams, mode = state
        rng = self._new_epoch(random=mode == "permuted_cycle")
        return _repeat_passes(functools.partial(self._pass, streams, rng), mode, self)


class Mux(_PoolSource):
    """A data source that randomly interleaves batches from a pool of data sources.

    Each stream it starts works like this:

    1. draw ``k`` seeds from the pool (in proportion to ``pool_weights``) and start a fresh
       stream from each: these are the *active* seeds;
    2. give each activation a lifetime: a number of batches drawn as ``dist`` says
       (``1 + Poisson(lam)`` by default; no bound when ``lam`` is None);
    3. repeatedly pick an active seed uniformly at random and yield its next batch;
    4. when an active seed reaches its lifetime or runs out, close it and activate another.

    With infinite seeds and a finite ``lam``, seed ``i`` supplies a long-run share
    ``pool_weights[i] / sum(pool_weights)`` of the batches, whatever ``dist`` is: lifetimes
    never depend on which seed is activated. The stream ends when no seed can be activated
    any more (for instance when ``with_replacement=False`` and every seed has been used, or
    when every seed in the pool turned out to be empty).

    Parameters
    ----------
    seed_pool : list of data sources
        :class:`Streamer` objects (or anything with ``generate()``, including other muxes).
        Any other iterable of them is turned into a list.
    k : int >= 1
        How many seeds are active at a time.
    lam : float > 0 or None, default=256.0
        The scale of the lifetimes (see ``dist``); None runs each activation until its seed
        is exhausted, whatever ``dist`` is.
    dist : {"poisson", "binomial", "constant"}, default="poisson"
        How each activation's lifetime is drawn when ``lam`` is set:

        - ``"poisson"``: ``1 + Poisson(lam)`` batches (mean ``1 + lam``), as in pescador
          0.1.3;
        - ``"binomial"``: ``1 + Binomial(n, 1 - 1/A)`` batches, where ``A`` is how many
          seeds are active once the idle slots are filled and ``n = lam / (1 - 1/A)``,
          rounded down or up at random so that the mean is ``1 + lam`` exactly; with a
          single active seed (``A = 1``), ``1 + Poisson(lam)``, the limit of those draws.
          The mean is that of ``"poisson"`` but the variance is about ``lam / A`` instead
          of ``lam``, so activations end at steadier intervals as ``k`` grows (see Notes);
        - ``"constant"``: ``1 + lam`` batches exactly, with ``lam`` rounded to the nearest
          integer (halves up: ``lam=2.5`` gives 4 batches, ``lam=0.2`` gives 1); for a
          whole-number ``lam``, the mean of the other two.
    pool_weights : array-like of shape (len(seed_pool),) or None, default=None
        Non-negative weights, not all zero (integers are fine): the sampling proportions of
        the seeds. None means uniform. The array given is never modified.
    with_replacement : bool, default=True
        If True, a seed can be activated again after it ends, and even be active in several
        slots at once. If False, each seed is activated at most once (see ``revive``).
    prune_empty_seeds : bool, default=True
        If True, a seed whose activation yielded no batch is never activated again.
    revive : bool, default=False
        With ``with_replacement=False``: put a seed back into the pool when its activation
        ends, so each seed is active at most once at any time but may come back later.
        With replacement every seed stays in the pool anyway, so this changes nothing.
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator, \
default=None
        Controls the draws. With an int, the sequence of streams produced by successive
        calls of :meth:`generate` is the same in every process and run, while each stream
        (epoch) differs from the previous one.

    Raises
    ------
    TypeError
        If ``seed_pool`` holds something that is not a data source (e.g. a generator
        object), or a parameter has the wrong type.
    ValueError
        If ``k < 1``, ``lam <= 0``, ``dist`` is not one of the three names, or
        ``pool_weights`` has the wrong length, a negative or non-finite entry, or sums to
        zero.
    EmptyPoolError
        If ``seed_pool`` is empty (a subclass of ``RuntimeError``).

    See Also
    --------
    mux : start a bounded stream from a ``Mux`` in one call.
    ShuffledMux : every stream active at once, each batch drawn by weight.
    RoundRobinMux : one batch from each stream in turn.
    ChainMux : the streams one after another.

    Notes
    -----
    pescador 3's ``StochasticMux`` (whose ``rate`` is the mean lifetime) draws a binomial
    lifetime as ``1 + Binomial((rate - 1) / (1 - p), 1 - p)``, with ``p`` the new stream's
    chance to be picked on each draw (its share of the active streams' weights), the
    number of trials truncated to an integer, and falls back on ``1 + Poisson(rate - 1)``
    when ``p`` is almost 1. Here ``lam`` plays the part of ``rate - 1``, as in the
    Poisson lifetimes, and ``p`` is ``1 / A``: a ``Mux`` picks among its active seeds
    uniformly (the weights act when seeds are activated), so a lifetime never depends on
    the seed and ``pool_weights`` keep their meaning. The trials are rounded at random
    rather than truncated, so that the mean does not fall short of ``1 + lam``. With
    ``p = 1 / A``, a seed stays active for about ``A * (1 + lam)`` batches of the mux, as
    with constant lifetimes, but without every activation having the same length.

    Examples
    --------
    >>> from sklearn_stream import Mux, Streamer
    >>> def constant(value):
    ...     while True:
    ...         yield {"X": np.array([value])}
    >>> pool = [Streamer(constant, v) for v in range(3)]
    >>> source = Mux(pool, k=2, lam=4, pool_weights=[1, 1, 2], random_state=0)
    >>> draws = [int(batch["X"][0]) for batch in source.generate(max_batches=20000)]
    >>> np.bincount(draws) / len(draws)  # close to the weights' shares 1/4, 1/4, 1/2
    array([0.25185, 0.2427 , 0.50545])

    Constant lifetimes: with one active seed, each runs for exactly ``1 + lam`` batches.

    >>> source = Mux(pool, k=1, lam=3, dist="constant", random_state=0)
    >>> [int(batch["X"][0]) for batch in source.generate(max_batches=12)]
    [0, 0, 0, 0, 2, 2, 2, 2, 1, 1, 1, 1]
    """

    def __init__(
        self,
        seed_pool: Any,
        k: int,
        *,
        lam: float | None = 256.0,
        dist: str = "poisson",
        pool_weights: Any = None,
        with_replacement: bool = True,
        prune_empty_seeds: bool = True,
        revive: bool = False,
        random_state: Any = None,
    ) -> None:
        self._init_params(
            seed_pool=seed_pool,
            k=k,
            lam=lam,
            dist=dist,
            pool_weights=pool_weights,
            with_replacement=with_replacement,
            prune_empty_seeds=prune_empty_seeds,
            revive=revive,
            random_state=random_state,
        )

    def _check(self, params: dict) -> tuple[list, np.ndarray]:
        return _check_params(params)

    def _start(self, state: tuple, max_batches: int | None) -> Iterator:
        seeds, weights = state
        return multiplex(
            seeds,
            weights.tolist(),
            k=int(self.k),
            lam=None if self.lam is None else float(self.lam),
            dist=self.dist,
            with_replacement=bool(self.with_replacement),
            prune=bool(self.prune_empty_seeds),
            revive=bool(self.revive),
            rng=self._new_epoch(),
        )


class ShuffledMux(_SplittableMux):
    """A data source that runs all its streams at once, drawing each batch by weight.

    Each stream it starts begins a fresh stream of every data source of ``streamers``
    (those of positive weight), then draws each batch from stream ``i`` with probability
    ``weights[i]`` divided by the sum of the weights of the streams still running. An
    exhausted stream drops out, and the stream ends when all are exhausted, so every
    batch of every finite stream is yielded exactly once, in a random order of streams
    that keeps each stream's own order.

    Parameters
    ----------
    streamers : list of data sources
        :class:`~sklearn_stream.Streamer` objects or other data sources (muxes too). Any
        other iterable of them is turned into a list.
    weights : array-like of shape (len(streamers),) or None, default=None
        Non-negative weights, not all zero: the sampling proportions of the streams while
        they all run (for infinite streams, the long-run shares of the batches). None
        means uniform. A stream of weight zero is never started. The array given is never
        modified.
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator, \
default=None
        Controls the draws. With an int, successive calls of :meth:`generate` (epochs)
        differ, and their sequence is the same in every process and run.

    Raises
    ------
    TypeError
        If ``streamers`` is not a list of data sources (a generator object in it runs
        only once: wrap its function in a ``Streamer``), or a parameter has the wrong type.
    ValueError
        If ``weights`` has the wrong length, a negative or non-finite entry, or sums to
        zero.
    EmptyPoolError
        If ``streamers`` is empty.

    See Also
    --------
    Mux : only ``k`` streams active at a time, each for a random number of batches.
    RoundRobinMux : one batch from each stream in turn.
    ChainMux : the streams one after another.

    Notes
    -----
    pescador 3's ``ShuffledMux`` restarts a stream when it ends, so it never stops. This
    one stops, so that an epoch holds each batch of finite streams exactly once; for a mux
    that never stops, give endless streams, e.g. ``Streamer(source.cycle)`` for each
    ``source``. Its shares then follow the weights, where pescador's do not quite for
    short streams (it draws among the streams still running, and one that restarts often
    is out of the draw while it restarts).

    Through ``zmq_stream`` workers (:class:`~sklearn_stream.ZMQStreamer` with
    ``n_workers > 1``), worker ``j`` of ``n`` runs a copy of this mux over every ``n``-th
    stream of positive weight, with its weight and its own ``random_state``; no more
    workers start than there are such streams. Together the workers yield every batch of
    every finite stream exactly once per epoch. Each worker draws among its own streams
    by weight; how the workers' batches interleave depends on their speed, and so do the
    shares of endless streams that different workers hold.

    Examples
    --------
    >>> from sklearn_stream import ShuffledMux, Streamer
    >>> def batches(*values):
    ...     return Streamer([{"X": np.array([value])} for value in values])
    >>> source = ShuffledMux([batches(1, 2, 3), batches(10, 20)], random_state=2)
    >>> [int(batch["X"][0]) for batch in source.generate()]
    [10, 1, 20, 2, 3]
    >>> [int(batch["X"][0]) for batch in source.generate()]  # the next epoch differs
    [1, 2, 10, 3, 20]

    Endless streams, one drawn three times as often as the other:

    >>> def constant(value):
    ...     while True:
    ...         yield {"X": np.array([value])}
    >>> source = ShuffledMux(
    ...     [Streamer(constant, 0), Streamer(constant, 1)], weights=[3, 1], random_state=0
    ... )
    >>> draws = [int(batch["X"][0]) for batch in source.generate(max_batches=10000)]
    >>> np.bincount(draws) / len(draws)
    array([0.7546, 0.2454])
    """

    _weights_name = "weights"

    def __init__(self, streamers: Any, weights: Any = None, random_state: Any = None) -> None:
        self._init_params(streamers=streamers, weights=weights, random_state=random_state)

    def _check(self, params: dict) -> tuple[list, np.ndarray]:
        streams = _check_seed_pool(params["streamers"], "streamers")
        check_random_state_value(params["random_state"])
        return streams, _check_weights(params["weights"], len(streams), "weights", "stream")

    def _start(self, state: tuple, max_batches: int | None) -> Iterator:
        streams, weights = state
        return shuffle_streams(streams, weights, self._new_epoch())


class RoundRobinMux(_PassMux):
    """A data source that takes one batch from each of its streams in turn.

    Each stream it starts begins a fresh stream of every data source of ``streamers``,
    then yields the next batch of the first, of the second, and so on, and again from the
    first; an exhausted stream leaves the rotation. What happens once all are exhausted
    depends on ``mode``.

    Parameters
    ----------
    streamers : list of data sources
        :class:`~sklearn_stream.Streamer` objects or other data sources (muxes too). Any
        other iterable of them is turned into a list.
    mode : {"exhaustive", "cycle", "permuted_cycle"}, default="exhaustive"
        - ``"exhaustive"``: stop; every batch of every stream is yielded exactly once;
        - ``"cycle"``: start every stream again and go on, for ever;
        - ``"permuted_cycle"``: as ``"cycle"``, but each pass (the first one too) takes
          the streams in a new random order.
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator, \
default=None
        Controls the orders of ``"permuted_cycle"`` (the other modes draw nothing). With
        an int, successive calls of :meth:`generate` (epochs) differ, and their sequence is
        the same in every process and run.

    Raises
    ------
    TypeError
        If ``streamers`` is not a list of data sources (a generator object in it runs
        only once: wrap its function in a ``Streamer``), or a parameter has the wrong type.
    ValueError
        If ``mode`` is not one of the three names.
    EmptyPoolError
        If ``streamers`` is empty.
    EmptyStreamError
        While iterating, in the endless modes, if a whole pass yields no batch.

    See Also
    --------
    ShuffledMux : every stream active at once, each batch drawn by weight.
    ChainMux : the streams one after another.
    Mux : only ``k`` streams active at a time, each for a random number of batches.

    Notes
    -----
    As in pescador 3, ``"cycle"`` restarts the streams once all of them are exhausted,
    not each one as it ends, so a pass is exactly one ``"exhaustive"`` stream. pescador 3
    keeps the given order for the first pass of ``"permuted_cycle"``; here every pass is
    shuffled, so that no stream always comes first in an epoch.

    Through ``zmq_stream`` workers (:class:`~sklearn_stream.ZMQStreamer` with
    ``n_workers > 1``), worker ``j`` of ``n`` runs a copy of this mux over every ``n``-th
    stream (``streamers[j::n]``) with its own ``random_state``; no more workers start than
    there are streams. With ``"exhaustive"``, together they yield every batch of every
    finite stream exactly once per epoch: the rotation holds within a worker's streams,
    and how the workers' batches interleave depends on their speed. In the endless modes
    each worker cycles through its own streams.

    Examples
    --------
    >>> from sklearn_stream import RoundRobinMux, Streamer
    >>> def batches(*values):
    ...     return Streamer([{"X": np.array([value])} for value in values])
    >>> streams = [batches(1, 2), batches(10, 20, 30), batches(100)]
    >>> [int(batch["X"][0]) for batch in RoundRobinMux(streams).generate()]
    [1, 10, 100, 2, 20, 30]
    >>> cycle = RoundRobinMux(streams, mode="cycle")
    >>> [int(batch["X"][0]) for batch in cycle.generate(max_batches=9)]
    [1, 10, 100, 2, 20, 30, 1, 10, 100]
    >>> permuted = RoundRobinMux(streams, mode="permuted_cycle", random_state=4)
    >>> [int(batch["X"][0]) for batch in permuted.generate(max_batches=12)]
    [100, 1, 10, 2, 20, 30, 10, 100, 1, 20, 2, 30]
    """

    _modes = _ROUND_ROBIN_MODES
    _pass = staticmethod(_round_robin_pass)

    def __init__(self, streamers: Any, mode: str = "exhaustive", random_state: Any = None) -> None:
        self._init_params(streamers=streamers, mode=mode, random_state=random_state)


class ChainMux(_PassMux):
    """A data source that runs its streams one after another, as ``itertools.chain``.

    Each stream it starts runs a fresh stream of the first data source of ``streamers`` to
    its end, then one of the second, and so on; only one stream is open at a time. What
    happens after the last one depends on ``mode``.

    Parameters
    ----------
    streamers : list of data sources
        :class:`~sklearn_stream.Streamer` objects or other data sources (muxes too). Any
        other iterable of them (a generator of ``Streamer`` objects, say) is turned into a
        list, so that every epoch can run them all again.
    mode : {"exhaustive", "cycle"}, default="exhaustive"
        - ``"exhaustive"``: stop after the last stream; every batch of every stream is
          yielded exactly once;
        - ``"cycle"``: start again from the first, for ever.
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator, \
default=None
        Accepted, as pescador 3 does, but a chain draws nothing: it changes nothing.

    Raises
    ------
    TypeError
        If ``streamers`` is not a list of data sources (a generator object in it runs
        only once: wrap its function in a ``Streamer``), or a parameter has the wrong type.
    ValueError
        If ``mode`` is not ``"exhaustive"`` or ``"cycle"`` (pescador 3 has no permuted
        chain either).
    EmptyPoolError
        If ``streamers`` is empty.
    EmptyStreamError
        While iterating, with ``mode="cycle"``, if a whole pass yields no batch.

    See Also
    --------
    RoundRobinMux : one batch from each stream in turn.
    ShuffledMux : every stream active at once, each batch drawn by weight.
    Mux : only ``k`` streams active at a time, each for a random number of batches.

    Notes
    -----
    Through ``zmq_stream`` workers (:class:`~sklearn_stream.ZMQStreamer` with
    ``n_workers > 1``), worker ``j`` of ``n`` chains every ``n``-th stream
    (``streamers[j::n]``); no more workers start than there are streams. With
    ``"exhaustive"``, together they yield every batch of every finite stream exactly once
    per epoch: the chain's order holds within a worker's streams, and how the workers'
    batches interleave depends on their speed. With ``"cycle"`` each worker chains its own
    streams for ever.

    Examples
    --------
    >>> from sklearn_stream import ChainMux, Streamer
    >>> def batches(*values):
    ...     return Streamer([{"X": np.array([value])} for value in values])
    >>> streams = [batches(1, 2), batches(), batches(10, 20, 30)]
    >>> [int(batch["X"][0]) for batch in ChainMux(streams).generate()]
    [1, 2, 10, 20, 30]
    >>> cycle = ChainMux(streams, mode="cycle")
    >>> [int(batch["X"][0]) for batch in cycle.generate(max_batches=8)]
    [1, 2, 10, 20, 30, 1, 2, 10]
    """

    _modes = _CHAIN_MODES
    _pass = staticmethod(_chain_pass)

    def __init__(self, streamers: Any, mode: str = "exhaustive", random_state: Any = None) -> None:
        self._init_params(streamers=streamers, mode=mode, random_state=random_state)


def mux(
    seed_pool: Any,
    n_samples: int | None,
    k: int,
    lam: float | None = 256.0,
    pool_weights: Any = None,
    with_replacement: bool = True,
    prune_empty_seeds: bool = True,
    revive: bool = False,
    random_state: Any = None,
    dist: str = "poisson",
) -> Iterator:
    """Stochastically multiplex a pool of data sources into one stream of batches.

    ``mux(seed_pool, n_samples, k, ...)`` is ``Mux(seed_pool, k, ...).generate(n_samples)``;
    see :class:`Mux` for how batches are drawn. Arguments are checked when this function is
    called, not when the stream is first read.

    Parameters
    ----------
    seed_pool : list of data sources
        :class:`Streamer` objects or other data sources.
    n_samples : int >= 0 or None
        How many batches to yield at most; None for no bound.
    k : int >= 1
        How many seeds are active at a time.
    lam : float > 0 or None, default=256.0
        The scale of each activation's lifetime (``1 + Poisson(lam)`` batches with the
        default ``dist``); None for no bound.
    pool_weights : array-like or None, default=None
        Sampling proportions of the seeds; None for uniform. Never modified.
    with_replacement : bool, default=True
        Whether a seed may be activated again (and several times at once).
    prune_empty_seeds : bool, default=True
        Never re-activate a seed whose activation yielded nothing.
    revive : bool, default=False
        With ``with_replacement=False``: return ended seeds to the pool.
    random_state : None, int, RandomState or Generator, default=None
        Controls the draws; an int makes the stream reproducible.
    dist : {"poisson", "binomial", "constant"}, default="poisson"
        How lifetimes are drawn from ``lam``: see :class:`Mux`.

    Returns
    -------
    iterator of batches

    Raises
    ------
    TypeError, ValueError, EmptyPoolError
        As :class:`Mux` does, and for a negative or non-integer ``n_samples``.

    See Also
    --------
    Mux : the data source this function starts a stream of.

    Examples
    --------
    >>> from sklearn_stream import Streamer, mux
    >>> pool = [Streamer([{"X": np.array([i])}] * 3) for i in range(4)]
    >>> stream = mux(pool, None, k=2, lam=None, with_replacement=False, random_state=0)
    >>> sorted(int(batch["X"][0]) for batch in stream)
    [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    """
    n_samples = check_max_batches(n_samples, "n_samples")
    source = Mux(
        seed_pool,
        k,
        lam=lam,
        dist=dist,
        pool_weights=pool_weights,
        with_replacement=with_replacement,
        prune_empty_seeds=prune_empty_seeds,
        revive=revive,
        random_state=random_state,
    )
    return source.generate(n_samples)
