"""
A pipeline that learns from a drifting stream
=============================================

:class:`~sklearn_stream.StreamLearner` trains a whole :class:`~sklearn.pipeline.Pipeline`
from a stream: every batch first updates the scaler, is then scaled with what the scaler
knows so far, and trains the classifier. Nothing needs to fit in memory, not even to fit
the scaler.

There is another way: let the first ``preprocessing_batches`` batches train the scaler
only, then freeze it and train the classifier on the batches after them. This example
compares the two on a stream whose features drift: their offsets move and their scales
grow while the stream runs, as a sensor's would over a long recording.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_stream import Streamer, StreamLearner, plot_history

N_FEATURES = 8
CENTERS = np.random.default_rng(0).normal(scale=0.8, size=(3, N_FEATURES))
GAINS = np.logspace(0, 3, N_FEATURES)  # the features' scales differ by 1000x


def drifting_batches(n_batches=600, batch_size=32, drift=3.0, random_state=None, at=0.0):
    """Batches of three classes. Over the stream, each feature's offset moves by ``drift``
    standard deviations and its scale grows by ``1 + drift``; ``at`` starts the clock
    later (1.0: the stream's end)."""
    rng = np.random.default_rng(random_state)
    for t in range(n_batches):
        clock = drift * (at + t / n_batches)
        y = rng.integers(3, size=batch_size)
        X = (CENTERS[y] + rng.normal(size=(batch_size, N_FEATURES)) + clock) * GAINS
        yield {"X": X * (1 + clock), "Y": y}


def rows_at_the_end(drift=3.0, n=600):
    """Labelled rows as the stream makes them at its end: what the model faces next."""
    (batch,) = drifting_batches(1, n, drift=drift, random_state=1, at=1.0)
    return batch["X"], batch["Y"]


def train(stream, validation, preprocessing_batches=None):
    """A scaler + SGD pipeline trained from ``stream``, scored every 25 batches."""
    learner = StreamLearner(
        make_pipeline(StandardScaler(), SGDClassifier()),
        preprocessing_batches=preprocessing_batches,
        validation_data=validation,
        eval_every=25,
        random_state=0,
    )
    return learner.iter_fit(stream, classes=[0, 1, 2])


# %%
# Every step learns every batch, or the scaler first
# --------------------------------------------------
# Both learners read the same 600 batches and score the same rows, drawn as the stream
# makes them at its end, every 25 batches. The second one spends its first 100 batches on
# the scaler alone, then freezes it.

stream = Streamer(drifting_batches, random_state=0)
together = train(stream, rows_at_the_end())
scaler_first = train(stream, rows_at_the_end(), preprocessing_batches=100)

for name, learner in [("every step learns", together), ("scaler first", scaler_first)]:
    print(
        f"{name}: the scaler saw {int(learner.estimator_[0].n_samples_seen_)} samples; "
        f"accuracy on the stream's end {learner.history_['score'][-1]:.3f}"
    )

# %%
# The learning curves
# -------------------
# The second curve starts after the 100 preprocessing batches: until then its classifier
# has not seen a batch, and no score is taken. Both curves are noisy (plain SGD steps on
# batches of 32, scored on rows the classifiers have not met yet); both rise as the stream
# approaches the rows they are scored on. Both classifiers keep learning to the end, but
# they see the rows through different scalers. The frozen one describes the stream's first
# 100 batches only: as offsets and scales move on, the rows it passes on drift away from
# zero mean and unit variance, and the classifier has to follow the drift alone. The
# scaler that keeps learning follows the stream (slowly: its mean and variance are over
# every sample so far), and over the last quarter of the stream its classifier pulls
# ahead.

fig, ax = plt.subplots(figsize=(7, 3.5))
plot_history(together, ax=ax).lines[-1].set_label("every step learns every batch")
plot_history(scaler_first, ax=ax).lines[-1].set_label("preprocessing_batches=100")
ax.axvline(100 * 32, color="gray", linestyle=":", label="scaler frozen (100 batches)")
ax.set_ylabel("accuracy on rows from the stream's end")
ax.set_title("StandardScaler + SGDClassifier on a drifting stream")
ax.legend(loc="upper left")
fig.tight_layout()
plt.show()

# %%
# Without drift
# -------------
# On a stream that does not drift, the frozen scaler describes the data as well as the
# learning one: freezing then costs only the classifier's later start, and gives it inputs
# that never change under it. It is the choice for a stationary stream whose first batches
# are representative, or when the preprocessing must stay fixed once deployed.

steady = Streamer(drifting_batches, drift=0.0, random_state=0)
for name, frozen in [("every step learns", None), ("scaler first", 100)]:
    learner = train(steady, rows_at_the_end(drift=0.0), preprocessing_batches=frozen)
    print(f"no drift, {name}: accuracy {learner.history_['score'][-1]:.3f}")
