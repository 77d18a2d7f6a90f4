"""
Which stream each batch comes from, mux by mux
==============================================

``sklearn_stream`` has four ways of interleaving several data sources into one stream.
This example runs each of them over the same small pool and marks, for every batch, the
stream it came from:

- :class:`~sklearn_stream.Mux` keeps ``k`` streams active and replaces one when its
  lifetime ends; ``dist`` sets how lifetimes are drawn (``"poisson"``, ``"binomial"`` or
  ``"constant"``);
- :class:`~sklearn_stream.ShuffledMux` keeps every stream active and draws each batch from
  stream ``i`` with probability proportional to ``weights[i]``;
- :class:`~sklearn_stream.RoundRobinMux` takes one batch from each stream in turn;
- :class:`~sklearn_stream.ChainMux` plays the streams one after another.

The streams are finite, of 12, 24, 36 and 48 batches, so the exhaustive modes end once
every batch has been yielded exactly once; the ``Mux`` runs draw from endless copies of the
same four streams.
"""

# %%
# The pool
# --------
# Each batch carries the number of its stream, so that we can see where it came from.

import matplotlib.pyplot as plt
import numpy as np

from sklearn_stream import ChainMux, Mux, RoundRobinMux, ShuffledMux, Streamer

LENGTHS = [12, 24, 36, 48]


def labelled(label, n_batches=None):
    """``n_batches`` batches (endless when None) whose ``stream`` field is ``label``."""
    count = 0
    while n_batches is None or count < n_batches:
        yield {"X": np.zeros((1, 2)), "stream": np.array([label])}
        count += 1


finite = [Streamer(labelled, i, n) for i, n in enumerate(LENGTHS)]
endless = [Streamer(labelled, i) for i in range(len(LENGTHS))]

sources = {
    'Mux(k=2, lam=8, dist="poisson")': Mux(endless, k=2, lam=8, random_state=0),
    'Mux(k=2, lam=8, dist="constant")': Mux(endless, k=2, lam=8, dist="constant", random_state=0),
    "ShuffledMux(weights=[1, 1, 1, 1])": ShuffledMux(finite, random_state=0),
    "ShuffledMux(weights=[4, 2, 1, 1])": ShuffledMux(finite, weights=[4, 2, 1, 1], random_state=0),
    'RoundRobinMux(mode="exhaustive")': RoundRobinMux(finite),
    'RoundRobinMux(mode="permuted_cycle")': RoundRobinMux(
        finite, mode="permuted_cycle", random_state=0
    ),
    'ChainMux(mode="exhaustive")': ChainMux(finite),
    'ChainMux(mode="cycle")': ChainMux(finite, mode="cycle"),
}

# %%
# Drawing up to 200 batches from each
# ------------------------------------
# The exhaustive modes stop on their own after ``sum(LENGTHS) = 120`` batches; the others
# are bounded with ``generate(max_batches=200)``.

drawn = {
    name: [int(batch["stream"][0]) for batch in source.generate(max_batches=200)]
    for name, source in sources.items()
}
for name, labels in drawn.items():
    counts = np.bincount(labels, minlength=len(LENGTHS))
    print(f"{name:40s} {len(labels):4d} batches, per stream {counts.tolist()}")

# %%
# Every exhaustive run yielded each stream's batches exactly once (12, 24, 36, 48); the
# cycling ones start a new pass over the streams once every stream has ended.

fig, axes = plt.subplots(len(drawn) // 2, 2, figsize=(10, 8), sharex=True, sharey=True)
for ax, (name, labels) in zip(axes.ravel(), drawn.items()):
    ax.scatter(np.arange(len(labels)), labels, c=labels, cmap="viridis", marker="|", s=60)
    ax.set_title(name, fontsize=9)
    ax.set_yticks(range(len(LENGTHS)))
    ax.set_ylim(-0.6, len(LENGTHS) - 0.4)
for ax in axes[-1]:
    ax.set_xlabel("batch")
for ax in axes[:, 0]:
    ax.set_ylabel("stream")
fig.suptitle("Which stream each batch came from")
fig.tight_layout()
plt.show()

# %%
# Reading the figure:
#
# - the ``Mux`` panels show runs of marks, one per activation, two at a time; with
#   ``dist="constant"`` every activation lasts exactly ``1 + lam`` batches;
# - ``ShuffledMux`` mixes all four streams from the first batch on; with weights
#   ``[4, 2, 1, 1]`` stream 0 is drawn most at first and runs out first, after which the
#   others share what is left;
# - ``RoundRobinMux`` cycles through the streams that still have batches; with
#   ``"permuted_cycle"`` each pass visits them in a new order, and a new pass starts
#   once all four have ended;
# - ``ChainMux`` plays stream 0 to its end, then stream 1, and so on; ``"cycle"`` starts
#   the chain again.
