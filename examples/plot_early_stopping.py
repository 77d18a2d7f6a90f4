"""
Learning curves and early stopping
==================================

With ``validation_data``, :class:`~sklearn_stream.StreamLearner` scores held-out data every
``eval_every`` batches while it trains. With ``early_stopping=True`` it also stops as soon
as that score has not improved on the best one by ``tol`` for ``n_iter_no_change``
evaluations in a row, the rule of scikit-learn's
:class:`~sklearn.linear_model.SGDClassifier`. An endless stream then trains only as long
as it helps, and ``max_batches`` becomes a safety bound rather than a guess.

Here the digits data set (1797 images of 8x8 pixels, 10 classes) is streamed as endless
noisy mini-batches, and the same learner is trained with and without early stopping.
Iris, as in :ref:`the simple example <sphx_glr_auto_examples_plot_simple_example.py>`,
would be a poor judge: its 15 test rows score in steps of 1/15, far coarser than any
sensible ``tol``, so "no improvement" would mean little. The 450 validation images here
score in steps of about 0.002.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_stream import Streamer, StreamLearner, plot_history


def noisy_samples(X, Y, batch_size=16, sigma=1.0, random_state=None):
    """Endless mini-batches of random rows of ``X`` plus Gaussian noise of scale sigma."""
    rng = np.random.default_rng(random_state)
    n, d = X.shape
    while True:
        i = rng.integers(0, n, size=batch_size)
        yield {"X": X[i] + sigma * rng.standard_normal((batch_size, d)), "Y": Y[i]}


X, y = load_digits(return_X_y=True)
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)
stream = Streamer(noisy_samples, X_train, y_train, batch_size=64, sigma=2.0, random_state=0)

# %%
# The same learner, with and without early stopping
# -------------------------------------------------
# Both learners score the validation images every 10 batches (640 samples). ``max_batches``
# bounds the endless stream; the second learner may stop before it. Early stopping keeps
# the model as it is when training stops (like ``SGDClassifier``), not the best one seen.

params = {
    "max_batches": 500,
    "validation_data": (X_val, y_val),
    "eval_every": 10,
    "random_state": 0,
}
full = StreamLearner(SGDClassifier(), **params)
full.iter_fit(stream, classes=np.unique(y))
stopped = StreamLearner(SGDClassifier(), early_stopping=True, n_iter_no_change=10, **params)
stopped.iter_fit(stream, classes=np.unique(y))

for name, learner in [("without early stopping", full), ("with early stopping", stopped)]:
    print(
        f"{name}: n_batches_seen_={learner.n_batches_seen_}, "
        f"stopped_early_={learner.stopped_early_}, "
        f"best validation accuracy {max(learner.history_['score']):.3f}, "
        f"final {learner.history_['score'][-1]:.3f}"
    )

# %%
# The two learning curves
# -----------------------
# Both learners start from the same seeds and read the same stream, so their curves agree
# until the second one stops (dotted line): by then the accuracy had not improved on its
# best by ``tol=1e-3`` for 10 evaluations. The rest of the first curve shows what the
# remaining batches would have bought: a plateau, no better than the best score reached
# before the stop. With plain SGD steps on batches this noisy the score keeps swinging,
# so neither run ends on its best model: the curve tells.

fig, ax = plt.subplots(figsize=(7, 3.5))
plot_history(full, ax=ax).lines[-1].set_label("early_stopping=False")
line = plot_history(stopped, ax=ax).lines[-1]
line.set_label("early_stopping=True, n_iter_no_change=10")
line.set_linewidth(3)
line.set_zorder(1)
stop = stopped.history_["n_samples"][-1]
ax.axvline(stop, color="gray", linestyle=":", label=f"stopped after {stop} samples")
ax.set_ylabel("validation accuracy")
ax.set_title("Digits in noisy batches of 64 (sigma=2.0)")
ax.legend(loc="lower right")
fig.tight_layout()
plt.show()

# %%
# Patience
# --------
# ``n_iter_no_change`` is the patience, counted in evaluations, so it means
# ``n_iter_no_change * eval_every`` batches; ``tol`` is the smallest improvement that
# counts. A small patience on a noisy score stops on the first plateau; a large one trains
# longer. ``tol=None`` never counts an evaluation as "no improvement", which turns early
# stopping off while keeping the learning curve.

for patience in [3, 10, 30]:
    if patience == stopped.n_iter_no_change:
        learner = stopped  # trained above
    else:
        learner = StreamLearner(
            SGDClassifier(), early_stopping=True, n_iter_no_change=patience, **params
        ).iter_fit(stream, classes=np.unique(y))
    print(
        f"n_iter_no_change={patience:2d}: {learner.n_batches_seen_:4d} batches, "
        f"stopped_early_={learner.stopped_early_}, "
        f"final accuracy {learner.history_['score'][-1]:.3f}"
    )
