"""Stochastic multiplexing of a pool of data sources: :class:`Mux` and :func:`mux`.

The sampling loop keeps its per-batch work small: one uniform draw from a pre-drawn block,
one list index and one call of the active stream's ``__next__``; choosing a member to
activate (O(log N), a Fenwick tree over the weights) and drawing its Poisson lifetime are
paid once per activation.
"""

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ._checks import check_bool, check_int, check_real, close_if_closable
from ._random import check_random_state_value, epoch_rng
from .core import DataSource, check_max_batches, is_data_source
from .exceptions import EmptyPoolError

__all__ = ["Mux", "mux"]

_BLOCK = 4096  # random numbers are drawn this many at a time, off the per-batch path


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


class _ActiveSlots:
    """The streams a multiplexer draws from, as parallel lists (a slot is removed by
    swapping in the last one), and how each is activated and retired."""

    def __init__(self, seeds: list, pool: _WeightedPool, options: dict, rng: Any) -> None:
        self.seeds, self.pool, self.rng = seeds, pool, rng
        self.k, self.lam = options["k"], options["lam"]
        self.with_replacement, self.prune = options["with_replacement"], options["prune"]
        self.revive = options["revive"]
        self.uniforms: list = []  # pre-drawn uniform numbers, used from the end
        self.lifetimes: list = []  # pre-drawn Poisson lifetimes
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

    def lifetime(self) -> int:
        if self.lam is None:
            return -1
        if not self.lifetimes:
            self.lifetimes.extend(self.rng.poisson(self.lam, _BLOCK).tolist())
        return 1 + self.lifetimes.pop()

    def activate(self) -> None:
        """Fill the idle slots with streams of seeds drawn by weight."""
        pool = self.pool
        while len(self.nexts) < self.k and pool.count:
            i = pool.draw(self.uniform())
            if not self.with_replacement:
                pool.remove(i)
            stream = iter(self.seeds[i].generate())
            self.nexts.append(stream.__next__)
            self.streams.append(stream)
            self.lives.append(self.lifetime())
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
        for stream in self.streams:
            close_if_closable(stream)


def multiplex(seeds: list, weights: list, *, rng: np.random.Generator, **options: Any) -> Iterator:
    """Yield batches drawn from ``seeds`` as :class:`~sklearn_stream.Mux` describes.

    The arguments are already checked; ``weights`` are positive-sum proportions; ``options``
    are ``k``, ``lam``, ``with_replacement``, ``prune`` and ``revive``. Active slots are
    drawn uniformly, so seed ``i``'s long-run share of batches is its weight (lifetimes do
    not depend on the seed). Closing the generator closes every active stream.
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


def _check_seed_pool(seed_pool: Any) -> list:
    if is_data_source(seed_pool) or isinstance(seed_pool, (str, bytes, dict, set, frozenset)):
        unordered = " (a set has no fixed order, so draws could not be reproduced)"
        raise TypeError(
            "seed_pool must be a list of data sources (e.g. Streamer objects); got a "
            f"{type(seed_pool).__name__}"
            f"{unordered if isinstance(seed_pool, (set, frozenset)) else ''}."
        )
    try:
        seeds = list(seed_pool)
    except TypeError:
        raise TypeError(
            "seed_pool must be a list of data sources (e.g. Streamer objects); got a "
            f"{type(seed_pool).__name__}."
        ) from None
    if not seeds:
        raise EmptyPoolError("seed_pool is empty: a mux needs at least one data source.")
    for i, seed in enumerate(seeds):
        if not is_data_source(seed):
            hint = (
                " A generator object runs only once; wrap its function instead: "
                "Streamer(noisy_samples, X, Y)."
                if hasattr(seed, "__next__")
                else " Wrap it in sklearn_stream.Streamer."
            )
            raise TypeError(
                f"seed_pool[{i}] is a {type(seed).__name__}, not a data source (an object "
                f"with a generate() method, such as Streamer).{hint}"
            )
    return seeds


def _check_weights(pool_weights: Any, n_seeds: int) -> np.ndarray:
    if pool_weights is None:
        return np.full(n_seeds, 1.0 / n_seeds)
    try:
        weights = np.array(pool_weights, dtype=float)  # always a copy: never touch the caller's
    except (TypeError, ValueError):
        raise TypeError(
            f"pool_weights must be None or a 1-d array of {n_seeds} numbers; got {pool_weights!r}."
        ) from None
    if weights.ndim != 1 or len(weights) != n_seeds:
        raise ValueError(
            f"pool_weights must have one weight per seed ({n_seeds}); got shape {weights.shape}."
        )
    if not np.all(np.isfinite(weights)):
        raise ValueError(f"pool_weights must be finite; got {pool_weights!r}.")
    if np.any(weights < 0):
        raise ValueError(f"pool_weights must be non-negative; got {pool_weights!r}.")
    largest = weights.max()
    if largest <= 0:
        raise ValueError("pool_weights must have at least one positive weight; all are zero.")
    weights = weights / largest  # first, so that huge weights cannot overflow the sum
    return weights / weights.sum()


def _check_params(params: dict) -> tuple[list, np.ndarray]:
    seeds = _check_seed_pool(params["seed_pool"])
    check_int("k", params["k"], 1, meaning=" (how many seeds are active)")
    check_real("lam", params["lam"], allow_none=True, what="float")
    for name in ("with_replacement", "prune_empty_seeds", "revive"):
        check_bool(name, params[name])
    check_random_state_value(params["random_state"])
    return seeds, _check_weights(params["pool_weights"], len(seeds))


class Mux(DataSource):
    """A data source that randomly interleaves batches from a pool of data sources.

    Each stream it starts works like this:

    1. draw ``k`` seeds from the pool (in proportion to ``pool_weights``) and start a fresh
       stream from each: these are the *active* seeds;
    2. give each activation a lifetime of ``1 + Poisson(lam)`` batches (no bound when
       ``lam`` is None);
    3. repeatedly pick an active seed uniformly at random and yield its next batch;
    4. when an active seed reaches its lifetime or runs out, close it and activate another.

    With infinite seeds and a finite ``lam``, seed ``i`` supplies a long-run share
    ``pool_weights[i] / sum(pool_weights)`` of the batches. The stream ends when no seed can
    be activated any more (for instance when ``with_replacement=False`` and every seed has
    been used, or when every seed in the pool turned out to be empty).

    Parameters
    ----------
    seed_pool : list of data sources
        :class:`Streamer` objects (or anything with ``generate()``, including other ``Mux``).
        Any other iterable of them is turned into a list.
    k : int >= 1
        How many seeds are active at a time.
    lam : float > 0 or None, default=256.0
        Poisson rate of the lifetimes; None runs each activation until its seed is exhausted.
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
        If ``k < 1``, ``lam <= 0``, or ``pool_weights`` has the wrong length, a negative or
        non-finite entry, or sums to zero.
    EmptyPoolError
        If ``seed_pool`` is empty (a subclass of ``RuntimeError``).

    See Also
    --------
    mux : start a bounded stream from a ``Mux`` in one call.

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
    """

    def __init__(
        self,
        seed_pool: Any,
        k: int,
        *,
        lam: float | None = 256.0,
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
            pool_weights=pool_weights,
            with_replacement=with_replacement,
            prune_empty_seeds=prune_empty_seeds,
            revive=revive,
            random_state=random_state,
        )

    # -- parameters ------------------------------------------------------------------------
    def _check(self, params: dict) -> tuple[list, np.ndarray]:
        return _check_params(params)

    def _normalized(self, params: dict) -> dict:
        seed_pool = params.get("seed_pool")
        if seed_pool is None or isinstance(seed_pool, (list, tuple)):
            return params
        return {**params, "seed_pool": _check_seed_pool(seed_pool)}  # a one-shot iterable

    def _repr_parts(self) -> list:
        return [f"seed_pool=[{len(self.seed_pool)} data sources]", *super()._repr_parts()[1:]]

    # -- streaming -------------------------------------------------------------------------
    def _start(self, state: tuple, max_batches: int | None) -> Iterator:
        seeds, weights = state
        rng = epoch_rng(self.random_state, self._epochs)
        self._epochs += 1
        return multiplex(
            seeds,
            weights.tolist(),
            k=int(self.k),
            lam=None if self.lam is None else float(self.lam),
            with_replacement=bool(self.with_replacement),
            prune=bool(self.prune_empty_seeds),
            revive=bool(self.revive),
            rng=rng,
        )


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
        Poisson rate of each activation's lifetime (``1 + Poisson(lam)`` batches); None for
        no bound.
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

    Returns
    -------
    iterator of batches

    Raises
    ------
    TypeError, ValueError, EmptyPoolError
        As :class:`Mux` does, and for a negative or non-integer ``n_samples``.

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
        pool_weights=pool_weights,
        with_replacement=with_replacement,
        prune_empty_seeds=prune_empty_seeds,
        revive=revive,
        random_state=random_state,
    )
    return source.generate(n_samples)
