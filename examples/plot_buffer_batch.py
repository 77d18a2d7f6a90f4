"""
Re-cutting a mixed stream into training batches
===============================================

Sources rarely yield batches of the size a learner wants: here each "file" yields one batch
per "sentence", of a random length. :func:`~sklearn_stream.buffer_batch` re-cuts the
stream into batches of exactly 32 samples (only the last may be shorter), keeping the
samples in order and holding back fewer than 32 samples plus one input batch at a time.

Because it keeps the order, what ends up together in a training batch depends on the mux
upstream: the second figure counts how many different files contribute to each batch of
32 for a few settings of ``k`` and ``lam``.
"""

import matplotlib.pyplot as plt
import numpy as np

from sklearn_stream import Mux, Streamer, batch_length, buffer_batch

N_FILES = 40
BUFFER = 32


def sentences(file_id, n_sentences=30, random_state=None):
    """One file: ``n_sentences`` batches of 1 + Poisson(8) samples, tagged with the file."""
    rng = np.random.default_rng(random_state)
    for _ in range(n_sentences):
        n = 1 + rng.poisson(8)
        yield {"X": rng.normal(size=(n, 4)), "file": np.full(n, file_id)}


pool = [Streamer(sentences, i, random_state=i) for i in range(N_FILES)]

# %%
# Batch sizes before and after
# ----------------------------

# Each ``generate()`` of a mux is a new draw (a new epoch), so keep one stream's batches
# to compare the same samples before and after.
source = Mux(pool, k=4, lam=8, random_state=0)
batches = list(source.generate(max_batches=300))
before = [batch_length(b) for b in batches]
after = [batch_length(b) for b in buffer_batch(batches, BUFFER)]
print(f"{len(before)} input batches, {sum(before)} samples")
print(f"{len(after)} output batches: sizes {sorted(set(after))}, {sum(after)} samples")

fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3.2), sharey=True)
left.bar(range(len(before)), before, width=1.0)
left.set_title("from the mux")
left.set_xlabel("input batch")
left.set_ylabel("samples")
right.bar(range(len(after)), after, width=1.0, color="tab:orange")
right.set_title(f"after buffer_batch(..., {BUFFER})")
right.set_xlabel("output batch")
fig.tight_layout()

# %%
# How many files share a training batch
# -------------------------------------
# With ``k=1`` and long lifetimes a batch of 32 usually holds one or two files. More active
# seeds and shorter lifetimes mix more files into every batch, up to one file per sentence
# (a batch of 32 holds about four sentences of nine samples here), which is what
# stochastic gradient methods prefer: less correlated samples in each step.

settings = [{"k": 1, "lam": 64}, {"k": 4, "lam": 8}, {"k": 16, "lam": 2}]
fig, ax = plt.subplots(figsize=(8, 3.2))
bins = np.arange(1, 9) - 0.5
for params in settings:
    source = Mux(pool, random_state=0, **params)
    counts = [
        len(np.unique(batch["file"]))
        for batch in buffer_batch(source.generate(max_batches=2000), BUFFER)
    ]
    label = ", ".join(f"{k}={v}" for k, v in params.items())
    ax.hist(counts, bins=bins, alpha=0.6, label=label)
    print(f"{label}: {np.mean(counts):.1f} files per batch of {BUFFER} on average")
ax.set_xlabel(f"different files in a batch of {BUFFER}")
ax.set_ylabel("batches")
ax.legend()
fig.tight_layout()
plt.show()
