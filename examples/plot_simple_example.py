"""
The simple example: accuracy over training
==========================================

pescador 0.1.3's "simple example" trains a linear classifier from an endless stream of
noisy Iris samples and prints its accuracy on a held-out tenth of the data once training
is over. Here the same stream, with ``sklearn_stream`` in place of ``pescador``, is watched
*while* it trains: :class:`~sklearn_stream.StreamLearner` scores the held-out samples every
``eval_every`` batches (``validation_data``), keeps the scores in ``history_``, and
:func:`~sklearn_stream.plot_history` draws them.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import ShuffleSplit
from sklearn.preprocessing import StandardScaler

from sklearn_stream import Streamer, StreamLearner, plot_history


def noisy_samples(X, Y, batch_size=16, sigma=1.0, random_state=None):
    """Endless mini-batches of random rows of ``X`` plus Gaussian noise of scale sigma."""
    rng = np.random.default_rng(random_state)
    n, d = X.shape
    while True:
        i = rng.integers(0, n, size=batch_size)
        yield {"X": X[i] + sigma * rng.standard_normal((batch_size, d)), "Y": Y[i]}


# %%
# One 90/10 split, as in the seed example
# ---------------------------------------
# ``ShuffleSplit`` now lives in :mod:`sklearn.model_selection`. The features are
# standardised with statistics of the training rows only, so the noise scale ``sigma`` means
# the same for every feature (a fraction of its standard deviation) and the test rows stay
# unseen.

X, Y = load_iris(return_X_y=True)
classes = np.unique(Y)
train, test = next(ShuffleSplit(n_splits=1, test_size=0.1, random_state=0).split(X))
scaler = StandardScaler().fit(X[train])
X = scaler.transform(X)

# %%
# Train, scoring the held-out rows every 10 batches
# -------------------------------------------------
# ``validation_data`` is scored with the estimator's own ``score`` (accuracy, for a
# classifier) every ``eval_every`` batches and once more at the end. The ``Streamer`` makes
# the generator function a data source; its ``random_state`` and the learner's make the
# run, and the figure, the same every time.

model = StreamLearner(
    SGDClassifier(),
    max_batches=1000,
    validation_data=(X[test], Y[test]),
    eval_every=10,
    random_state=0,
)
stream = Streamer(noisy_samples, X[train], Y[train], sigma=0.5, random_state=0)
model.iter_fit(stream, classes=classes)

history = model.history_
print(f"trained on {model.n_batches_seen_} batches ({model.n_samples_seen_} samples)")
print(f"{len(history['score'])} validation scores, the last after {history['n_batches'][-1]}")
print(f"test accuracy: {model.score(X[test], Y[test]):.3f}")
print(f"best test accuracy during training: {max(history['score']):.3f}")

# %%
# Reading the curve
# -----------------
# The model kept is the last one, whatever the scores along the way. The test set has 15
# rows, so the accuracy moves in steps of 1/15 (6.7 points); beyond that, the curve of
# plain SGD keeps swinging long after the first few hundred samples: with scikit-learn's
# default ``learning_rate="optimal"`` and small ``alpha`` the steps stay large, so every
# noisy batch moves the decision boundaries. A step size that decays
# (``learning_rate="invscaling"``) lets the model settle, and its curve says so.

settling = StreamLearner(
    SGDClassifier(learning_rate="invscaling", eta0=0.5, power_t=0.5),
    max_batches=1000,
    validation_data=(X[test], Y[test]),
    eval_every=10,
    random_state=0,
)
settling.iter_fit(stream, classes=classes)
for name, learner in [("default steps", model), ("decaying steps", settling)]:
    scores = np.array(learner.history_["score"])
    print(
        f"{name}: last 50 scores {scores[-50:].mean():.3f} +- {scores[-50:].std():.3f}; "
        f"accuracy on the noise-free training rows {learner.score(X[train], Y[train]):.3f}"
    )

fig, ax = plt.subplots(figsize=(7, 3.5))
plot_history(model, ax=ax).lines[-1].set_label("SGDClassifier()")
plot_history(settling, ax=ax).lines[-1].set_label('learning_rate="invscaling"')
ax.set_ylim(0, 1.05)
ax.set_ylabel("test accuracy")
ax.set_title("Noisy Iris batches (sigma=0.5), scored every 10 batches")
ax.legend(loc="lower right")
fig.tight_layout()
plt.show()

# %%
# The same ``Streamer`` served both runs: a data source starts a fresh stream, here the same
# one since its ``random_state`` is an int, each time a learner asks. :ref:`The early
# stopping example <sphx_glr_auto_examples_plot_early_stopping.py>` lets such a curve decide
# when to stop training.
