"""
Searching over stream parameters
================================

The noise a stream adds and the number of batches a model trains on are parameters like
any other. Here :class:`~sklearn_stream.StreamLearner` streams noisy mini-batches of each
fold's training rows of Iris through ``stream=Streamer(noisy_samples, sigma=...)``, and
scikit-learn's :class:`~sklearn.model_selection.GridSearchCV` tunes the noise scale
(``stream__sigma``) together with ``max_batches``; the heat map shows the cross-validated
accuracy of every pair: more batches help while the noise is small, and with the largest
noise scale the noise drowns the signal.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from sklearn_stream import Streamer, StreamLearner


def noisy_samples(X, Y, batch_size=16, sigma=1.0, random_state=None):
    """Endless mini-batches of random rows of ``X`` plus Gaussian noise of scale sigma."""
    rng = np.random.default_rng(random_state)
    n, d = X.shape
    while True:
        i = rng.integers(0, n, size=batch_size)
        yield {"X": X[i] + sigma * rng.standard_normal((batch_size, d)), "Y": Y[i]}


X, y = load_iris(return_X_y=True)
X = StandardScaler().fit_transform(X)

# %%
# The learner's ``random_state`` seeds both the estimator and, because ``noisy_samples``
# takes a ``random_state`` that the ``Streamer`` leaves unset, every fold's stream: the
# whole search is reproducible.

learner = StreamLearner(
    SGDClassifier(),
    stream=Streamer(noisy_samples, batch_size=32, sigma=1.0),
    random_state=0,
)
grid = {"stream__sigma": [0.1, 0.3, 1.0, 3.0], "max_batches": [1, 4, 16, 64]}
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
search = GridSearchCV(learner, grid, cv=cv).fit(X, y)
print(f"best parameters: {search.best_params_}, accuracy {search.best_score_:.3f}")

# %%
# Cross-validated accuracy
# ------------------------

sigmas, lengths = grid["stream__sigma"], grid["max_batches"]
scores = np.empty((len(sigmas), len(lengths)))
results = search.cv_results_
for params, score in zip(results["params"], results["mean_test_score"]):
    scores[sigmas.index(params["stream__sigma"]), lengths.index(params["max_batches"])] = score
fig, ax = plt.subplots(figsize=(6, 4))
image = ax.imshow(scores, cmap="viridis", vmin=0.3, vmax=1.0, origin="lower")
ax.set_xticks(range(len(lengths)), lengths)
ax.set_yticks(range(len(sigmas)), sigmas)
ax.set_xlabel("max_batches")
ax.set_ylabel("stream__sigma")
for (row, col), score in np.ndenumerate(scores):
    ax.text(col, row, f"{score:.2f}", ha="center", va="center", color="white", fontsize=9)
fig.colorbar(image, ax=ax, label="mean CV accuracy")
fig.tight_layout()
plt.show()
