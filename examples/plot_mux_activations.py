"""
Training from a mux of noisy streams
====================================

The advanced example of pescador 0.1.3's documentation, with a look inside the mux. Four
data sources draw noisy mini-batches of the Iris data, each with its own noise scale
``sigma``. A :class:`~sklearn_stream.Mux` keeps two of them active at a time and replaces
an active one after ``1 + Poisson(16)`` batches; a
:class:`~sklearn_stream.StreamLearner` trains an
:class:`~sklearn.linear_model.SGDClassifier` on 1000 of its batches.

The top panel shows which source each batch came from: every run of marks is one
activation, and two activations are interleaved at any time. The bottom panel shows the
accuracy on held-out Iris rows as training proceeds.
"""

# %%
# Data sources
# ------------
# Each batch carries the ``sigma`` of its source, so that we can see where it came from.
# The learner only accepts the fields it knows (``X``, ``Y``, ``sample_weight``), so a small
# generator records ``sigma`` and strips it before training.

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_stream import Mux, Streamer, StreamLearner

SIGMAS = [0.5, 1.0, 2.0, 4.0]


def noisy_samples(X, Y, batch_size=16, sigma=1.0, random_state=None):
    """Endless mini-batches of random rows of ``X`` plus Gaussian noise of scale sigma."""
    rng = np.random.default_rng(random_state)
    n, d = X.shape
    while True:
        i = rng.integers(0, n, size=batch_size)
        noise = sigma * rng.standard_normal((batch_size, d))
        yield {"X": X[i] + noise, "Y": Y[i], "sigma": np.full(batch_size, sigma)}


def record_sources(stream, log):
    """Pass batches on without their ``sigma`` field, appending it to ``log``."""
    for batch in stream:
        log.append(float(batch["sigma"][0]))
        yield {"X": batch["X"], "Y": batch["Y"]}


X, Y = load_iris(return_X_y=True)
X_train, X_test, Y_train, Y_test = train_test_split(
    X, Y, test_size=0.2, stratify=Y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

pool = [
    Streamer(noisy_samples, X_train, Y_train, sigma=sigma, random_state=i)
    for i, sigma in enumerate(SIGMAS)
]
source = Mux(pool, k=2, lam=16, random_state=0)
print(source)

# %%
# Training
# --------
# With ``warm_start=True`` each call of ``iter_fit`` continues the same model, and a
# generator object passed to ``iter_fit`` is left open, so we can train in chunks of 50
# batches from one stream and score the model after each chunk.

drawn = []
stream = record_sources(source.generate(max_batches=1000), drawn)
model = StreamLearner(SGDClassifier(random_state=0), max_batches=50, warm_start=True)
seen, accuracy = [], []
while len(drawn) < 1000:
    model.iter_fit(stream, classes=np.unique(Y))
    seen.append(model.n_batches_seen_)
    accuracy.append(model.score(X_test, Y_test))
print(f"trained on {model.n_batches_seen_} batches; final test accuracy {accuracy[-1]:.3f}")

# %%
# Which source each batch came from
# ---------------------------------

fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 5.5), sharex=True)
rows = np.searchsorted(SIGMAS, drawn)
top.scatter(np.arange(len(drawn)), rows, c=rows, cmap="viridis", marker="|", s=80)
top.set_yticks(range(len(SIGMAS)), [f"sigma={s}" for s in SIGMAS])
top.set_ylim(-0.6, len(SIGMAS) - 0.4)
top.set_title("Source of each batch (k=2 active, lifetimes 1 + Poisson(16))")
bottom.plot(seen, accuracy, marker="o")
bottom.set_ylim(0, 1.02)
bottom.set_xlabel("batches trained on")
bottom.set_ylabel("test accuracy")
fig.tight_layout()
plt.show()

# %%
# With uniform ``pool_weights`` each source supplies a quarter of the batches *in the long
# run*. 1000 batches hold only about 60 activations, so the shares drawn here still wander
# around 1/4; :ref:`sphx_glr_auto_examples_plot_mux_shares.py` shows how ``lam`` and
# ``k`` set how fast they settle.

shares = np.bincount(rows, minlength=len(SIGMAS)) / len(rows)
for sigma, share in zip(SIGMAS, shares):
    print(f"sigma={sigma}: {share:.2f} of the batches")
