"""Stochastic multiplexing of a pool of data sources: :class:`Mux` and :func:`mux`.

The sampling loop keeps its per-batch work small: one uniform draw from a pre-drawn block,
one list index and one call of the active stream's ``__next__``; choosing a member to
activate (O(log N), a Fenwick tree over the weights) and drawing its Poisson lifetime are
paid once per activation.
"""

import math
from collections.abc import Iterator, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import clone

from ._random import check_random_state_value, epoch_rng
from .core import Streamer, _describe, check_max_batches, is_data_source
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


def multiplex(
    seeds: list,
    weights: list,
    *,
    k: int,
    lam: float | None,
    with_replacement: bool,
    prune: bool,
    revive: bool,
    rng: np.random.Generator,
) -> Iterator:
    """Yield batches drawn from ``seeds`` as :class:`~sklearn_stream.Mux` describes.

    The arguments are already checked; ``weights`` are positive-sum proportions. Active slots
    live in parallel lists and are drawn uniformly, so seed ``i``'s long-run share of batches
    is its weight (lifetimes do not depend on the seed). Closing the generator closes every
    active stream.
    """
    pool = _WeightedPool(weights)
    n_positive = pool.count
    uniforms: list = []
    lifetimes: list = []
    # Active slots, as parallel lists; a slot is removed by swapping in the last one.
    nexts: list = []  # bound __next__ of each active stream
    streams: list = []
    lives: list = []  # batches left (negative: unbounded)
    owners: list = []  # seed index
    produced: list = []  # whether this activation has yielded anything
    empty_since_yield: set = set()

    def uniform() -> float:
        nonlocal uniforms
        if not uniforms:
            uniforms = rng.random(_BLOCK).tolist()
        return uniforms.pop()

    def activate() -> None:
        nonlocal lifetimes
        while len(nexts) < k and pool.count:
            i = pool.draw(uniform())
            if not with_replacement:
                pool.remove(i)
            stream = iter(seeds[i].generate())
            if lam is None:
                life = -1
            else:
                if not lifetimes:
                    lifetimes = rng.poisson(lam, _BLOCK).tolist()
                life = 1 + lifetimes.pop()
            nexts.append(stream.__next__)
            streams.append(stream)
            lives.append(life)
            owners.append(i)
            produced.append(False)

    def deactivate(j: int, exhausted: bool) -> None:
        stream, i, was_empty = streams[j], owners[j], exhausted and not produced[j]
        last = len(nexts) - 1
        for slots in (nexts, streams, lives, owners, produced):
            slots[j] = slots[last]
            slots.pop()
        close = getattr(stream, "close", None)
        if close is not None:
            close()
        if was_empty and prune:
            pool.remove(i)  # and never re-inserted: no other activation of i revives it
        elif not with_replacement and revive:
            pool.insert(i)
        if was_empty:
            empty_since_yield.add(i)

    try:
        activate()
        while nexts:
            if not uniforms:
                uniforms = rng.random(_BLOCK).tolist()
            j = int(uniforms.pop() * len(nexts))
            try:
                batch = nexts[j]()
            except StopIteration:
                deactivate(j, exhausted=True)
                # Once every seed came up empty since the last batch, stop refilling: the
                # active slots are drained, and the stream ends if none of them yields.
                if prune or len(empty_since_yield) < n_positive:
                    activate()
                continue
            if empty_since_yield:  # a batch after empty activations: refill any idle slot
                empty_since_yield.clear()
                activate()
            produced[j] = True
            yield batch
            lives[j] -= 1
            if lives[j] == 0:
                deactivate(j, exhausted=False)
                activate()
    finally:
        for stream in streams:
            close = getattr(stream, "close", None)
            if close is not None:
                close()


_DEFAULTS = {
    "lam": 256.0,
    "pool_weights": None,
    "with_replacement": True,
    "prune_empty_seeds": True,
    "revive": False,
    "random_state": None,
}


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
    k = params["k"]
    if isinstance(k, bool) or not isinstance(k, Integral):
        raise TypeError(f"k must be an int >= 1; got {k!r} of type {type(k).__name__}.")
    if k < 1:
        raise ValueError(f"k must be an int >= 1 (how many seeds are active); got {k!r}.")
    lam = params["lam"]
    if lam is not None:
        if isinstance(lam, bool) or not isinstance(lam, Real):
            raise TypeError(f"lam must be a float > 0 or None; got {lam!r}.")
        if not (math.isfinite(lam) and lam > 0):
            raise ValueError(f"lam must be a finite float > 0 or None; got {lam!r}.")
    for name in ("with_replacement", "prune_empty_seeds", "revive"):
        if not isinstance(params[name], (bool, np.bool_)):
            raise TypeError(f"{name} must be a bool; got {params[name]!r}.")
    check_random_state_value(params["random_state"])
    return seeds, _check_weights(params["pool_weights"], len(seeds))


class Mux(Streamer):
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
        params = {
            "seed_pool": seed_pool,
            "k": k,
            "lam": lam,
            "pool_weights": pool_weights,
            "with_replacement": with_replacement,
            "prune_empty_seeds": prune_empty_seeds,
            "revive": revive,
            "random_state": random_state,
        }
        seeds, _ = _check_params(params)
        if not isinstance(seed_pool, (list, tuple)):
            params["seed_pool"] = seeds  # a one-shot iterable of seeds is kept as a list
        self.__dict__.update(params)
        self._epochs = 0

    # -- parameters ------------------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict:
        """Return the parameters of this mux (``seed_pool``, ``k``, ``lam``, ...).

        Parameters
        ----------
        deep : bool, default=True
            Accepted for compatibility with scikit-learn; seeds are not expanded.

        Returns
        -------
        dict

        Examples
        --------
        >>> from sklearn_stream import Mux, Streamer
        >>> Mux([Streamer([{"X": [0]}])], 1, lam=4.0).get_params()["lam"]
        4.0
        """
        return {name: getattr(self, name) for name in ("seed_pool", "k", *_DEFAULTS)}

    def set_params(self, **params: Any) -> "Mux":
        """Change parameters; the new set is validated before anything is changed.

        Parameters
        ----------
        **params
            Any of the constructor's parameters.

        Returns
        -------
        self : Mux

        Raises
        ------
        ValueError, TypeError
            For an unknown name or an invalid value; the mux is then left unchanged.
        EmptyPoolError
            For an empty ``seed_pool`` (a ``RuntimeError``, as in pescador 0.1.3).

        Examples
        --------
        >>> from sklearn_stream import Mux, Streamer
        >>> source = Mux([Streamer([{"X": [0]}]), Streamer([{"X": [1]}])], 1)
        >>> source.set_params(lam=None, random_state=0).lam is None
        True
        """
        current = self.get_params()
        unknown = sorted(set(params) - set(current))
        if unknown:
            raise ValueError(
                f"invalid parameter(s) {unknown} for Mux; valid ones are {sorted(current)}."
            )
        current.update(params)
        seeds, _ = _check_params(current)
        if "seed_pool" in params and not isinstance(params["seed_pool"], (list, tuple)):
            params = {**params, "seed_pool": seeds}  # a one-shot iterable is kept as a list
        self.__dict__.update(params)
        return self

    def __sklearn_clone__(self) -> "Mux":
        params = {name: clone(value, safe=False) for name, value in self.get_params().items()}
        return type(self)(params.pop("seed_pool"), params.pop("k"), **params)

    def __repr__(self) -> str:
        parts = [f"seed_pool=[{len(self.seed_pool)} data sources]", f"k={self.k}"]
        for name, default in _DEFAULTS.items():
            value = getattr(self, name)
            same = value is default or (type(value) is type(default) and value == default)
            if not same:
                parts.append(f"{name}={_describe(value)}")
        return f"Mux({', '.join(parts)})"

    # -- streaming -------------------------------------------------------------------------
    def _start(self) -> Iterator:
        seeds, weights = _check_params(self.get_params())
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
