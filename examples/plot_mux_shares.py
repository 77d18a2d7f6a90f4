"""
How pool_weights, k and lam shape the drawn shares
==================================================

``pool_weights`` sets the long-run share of batches that each seed of a
:class:`~sklearn_stream.Mux` supplies. How fast the drawn shares settle on those values
depends on the number of activations, hence on ``lam`` (the mean lifetime, minus one) and
``k`` (how many seeds are active at once). Five endless seeds with weights 8, 4, 2, 1, 1
are multiplexed with several settings; each batch just says which seed it came from.
"""

import matplotlib.pyplot as plt
import numpy as np

from sklearn_stream import Mux, Streamer

WEIGHTS = np.array([8, 4, 2, 1, 1])
N_BATCHES = 20_000


def endless(label):
    """An endless stream of one-sample batches that name their seed."""
    batch = {"seed": np.array([label])}
    while True:
        yield batch


pool = [Streamer(endless, i) for i in range(len(WEIGHTS))]


def draw(**params):
    source = Mux(pool, pool_weights=WEIGHTS, random_state=0, **params)
    return np.array([int(b["seed"][0]) for b in source.generate(max_batches=N_BATCHES)])


# %%
# Long-run shares
# ---------------
# With a finite ``lam``, every setting converges to the weights' shares. With
# ``lam=None`` an endless seed is never deactivated, so only the first ``k`` seeds drawn
# are ever read: the weights then only decide which seeds those are (here both slots drew
# seed 0, which is allowed with ``with_replacement=True``).

settings = {
    "k=1, lam=4": {"k": 1, "lam": 4},
    "k=4, lam=64": {"k": 4, "lam": 64},
    "k=2, lam=None": {"k": 2, "lam": None},
}
target = WEIGHTS / WEIGHTS.sum()
width = 0.8 / (len(settings) + 1)
fig, ax = plt.subplots(figsize=(8, 3.8))
positions = np.arange(len(WEIGHTS))
ax.bar(positions, target, width, color="black", label="pool_weights / sum")
for j, (name, params) in enumerate(settings.items(), start=1):
    shares = np.bincount(draw(**params), minlength=len(WEIGHTS)) / N_BATCHES
    ax.bar(positions + j * width, shares, width, label=name)
    print(f"{name:>14}: " + "  ".join(f"{s:.3f}" for s in shares))
ax.set_xticks(positions + width * len(settings) / 2, [f"seed {i}" for i in positions])
ax.set_ylabel(f"share of {N_BATCHES} batches")
ax.legend()
fig.tight_layout()

# %%
# Convergence over time
# ---------------------
# The running share of seed 0 (weight 8/16) after each batch. Short lifetimes (small
# ``lam``) mean many activations and shares that settle quickly; long lifetimes read long
# runs from one seed, which is cheaper when starting a seed is costly (opening a file) but
# leaves the shares wandering for longer. A larger ``k`` interleaves several activations,
# which smooths the curve.

fig, ax = plt.subplots(figsize=(8, 3.8))
steps = np.arange(1, N_BATCHES + 1)
for params in ({"k": 1, "lam": 4}, {"k": 1, "lam": 256}, {"k": 8, "lam": 256}):
    running = np.cumsum(draw(**params) == 0) / steps
    ax.plot(steps, running, label=", ".join(f"{k}={v}" for k, v in params.items()))
ax.axhline(target[0], color="black", linestyle="--", label="weight share 0.5")
ax.set_xscale("log")
ax.set_ylim(0, 1)
ax.set_xlabel("batches drawn")
ax.set_ylabel("running share of seed 0")
ax.legend()
fig.tight_layout()
plt.show()
