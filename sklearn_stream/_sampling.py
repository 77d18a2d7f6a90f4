"""The sampling loop behind :class:`~sklearn_stream.Mux`, kept off the public module.

Per-batch work is one uniform draw from a pre-drawn block, one list index and one call of
the active stream's ``__next__``; seed choice (O(log N), Fenwick tree) and Poisson lifetimes
are paid once per activation.
"""

from collections.abc import Iterator, Sequence

import numpy as np

__all__ = ["multiplex"]

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
