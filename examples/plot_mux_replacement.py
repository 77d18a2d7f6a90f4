"""
Finite seeds: with_replacement, revive and empty seeds
======================================================

Data on disk is usually finite: one seed per file, each yielding a few batches. This
example multiplexes six such "files" (seed ``i`` yields ``4 + i`` batches, numbered from 0)
with ``k=2`` and shows, for each setting, which seed every batch came from.

- ``with_replacement=True`` (the default): a seed can be activated again after its
  activation ends, and even be active in both slots at once. The stream never ends on its
  own, so ``n_samples`` (``max_batches``) bounds it.
- ``with_replacement=False, lam=None``: each seed is activated once and read to its end:
  every batch of every file appears exactly once, then the stream ends.
- ``with_replacement=False, lam=2``: each seed is still activated once, but an activation
  ends after ``1 + Poisson(2)`` batches, so the ends of the longer files are skipped.
- ``with_replacement=False, revive=True``: a seed returns to the pool when its activation
  ends, so it can come back later (starting its file again), but is never active in two
  slots at once.
"""

import matplotlib.pyplot as plt
import numpy as np

from sklearn_stream import Mux, Streamer

N_SEEDS = 6


def finite_file(label, n_batches):
    """A stand-in for reading one file: ``n_batches`` batches, numbered from 0."""
    for position in range(n_batches):
        yield {"seed": np.array([label]), "position": np.array([position])}


pool = [Streamer(finite_file, i, 4 + i) for i in range(N_SEEDS)]
total = sum(4 + i for i in range(N_SEEDS))
settings = {
    "with_replacement=True, lam=None": {"lam": None},
    "with_replacement=False, lam=None": {"lam": None, "with_replacement": False},
    "with_replacement=False, lam=2": {"lam": 2, "with_replacement": False},
    "with_replacement=False, lam=2, revive=True": {
        "lam": 2,
        "with_replacement": False,
        "revive": True,
    },
}

fig, axes = plt.subplots(len(settings), 1, figsize=(8, 7), sharex=True)
for ax, (name, params) in zip(axes, settings.items()):
    source = Mux(pool, k=2, random_state=1, **params)
    batches = list(source.generate(max_batches=60))
    seeds = np.array([int(b["seed"][0]) for b in batches])
    positions = [int(b["position"][0]) for b in batches]
    ax.scatter(np.arange(len(seeds)), seeds, c=seeds, cmap="tab10", vmin=0, vmax=9, s=60)
    for x, (seed, position) in enumerate(zip(seeds, positions)):
        ax.annotate(str(position), (x, seed), ha="center", va="center", fontsize=6)
    ax.set_yticks(range(N_SEEDS))
    ax.set_ylim(-0.7, N_SEEDS - 0.3)
    ax.set_ylabel("seed")
    ax.set_title(f"{name}: {len(batches)} batches", fontsize=9)
    unique = len({(s, p) for s, p in zip(seeds, positions)})
    print(f"{name}: {len(batches)} batches, {unique} of the {total} distinct ones")
axes[-1].set_xlabel("batch number (the label in each mark is its position in its file)")
fig.tight_layout()

# %%
# Empty seeds
# -----------
# A seed whose activation yields nothing (an empty file) is dropped from the pool by
# default (``prune_empty_seeds=True``); with ``prune_empty_seeds=False`` it stays and may be
# tried again. Either way, a pool whose seeds are all empty ends the stream rather than
# looping for ever.


def empty_file():
    return iter(())


with_empty = [Streamer(empty_file), Streamer(finite_file, 9, 3)]
for prune in (True, False):
    source = Mux(with_empty, k=1, lam=None, prune_empty_seeds=prune, random_state=0)
    drawn = [int(b["seed"][0]) for b in source.generate(max_batches=8)]
    print(f"prune_empty_seeds={prune}: {drawn}")
only_empty = Mux([Streamer(empty_file)] * 3, k=2, prune_empty_seeds=False, random_state=0)
print("a pool of empty seeds yields", list(only_empty.generate()))
plt.show()
