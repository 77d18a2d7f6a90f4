"""
Training from a dask DataFrame, one partition at a time
=======================================================

:func:`~sklearn_stream.io.from_dask` streams the rows of a dask array or DataFrame: each
block (a chunk of rows, or a partition) is computed only when the stream reaches it, with
its targets in the same ``dask.compute`` call, so a collection far larger than memory
trains in the memory of one partition. With a ``distributed.Client`` active, the
partitions are computed on its cluster.

The script builds a lazy DataFrame of 40 partitions of sensor readings (each made from its
own seed when it is computed, as a partition read from storage would be), drops the
readings of poor quality (so partition lengths are unknown), holds out the last eight
partitions and trains a pipeline for three shuffled epochs on the others.
"""

import dask.dataframe as dd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_stream import StreamLearner, plot_history
from sklearn_stream.io import from_dask

SENSORS = {"temperature": 10.0, "pressure": 1000.0, "humidity": 0.1, "vibration": 50.0}


def readings(seed, rows=2000):
    """One partition: readings on very different scales, a quality score and an alarm."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(rows, len(SENSORS)))
    frame = pd.DataFrame({name: z[:, j] * s for j, (name, s) in enumerate(SENSORS.items())})
    frame["quality"] = rng.random(rows)
    frame["alarm"] = (z @ [1.0, -1.0, 0.5, 1.5] + rng.normal(size=rows) > 0).astype(int)
    return frame


df = dd.from_map(readings, range(40))  # nothing is computed yet but the column types
df = df[df["quality"] > 0.2]  # a filter: each partition's length is known once computed
train, held_out = df.partitions[:32], df.partitions[32:]
test = held_out.compute()  # 8 partitions, small enough to score on

reader = from_dask(
    train[list(SENSORS)], train["alarm"], batch_size=256, shuffle=True, random_state=0
)
learner = StreamLearner(
    make_pipeline(StandardScaler(), SGDClassifier(loss="log_loss", random_state=0)),
    validation_data=(test[list(SENSORS)], test["alarm"]),
    eval_every=10,
    warm_start=True,
)
for epoch in range(3):
    learner.iter_fit(reader, classes=[0, 1])  # each generate() computes the 32 partitions
    accuracy = learner.score(test[list(SENSORS)], test["alarm"])
    print(f"epoch {epoch + 1}: {learner.n_samples_seen_} rows seen, accuracy {accuracy:.3f}")

# %%
# The fitted pipeline
# -------------------
# Batches are pandas DataFrames, so the pipeline knows its columns by name, and its scaler
# learned the sensors' means from the stream, never holding more than a partition and the
# shuffle window (4,096 rows).

print(list(learner.feature_names_in_))
print(learner.estimator_[0].mean_.round(2))

# %%
# The learning curve
# ------------------
# The model is close to its final accuracy within the first epoch; the later ones steady it.

fig, ax = plt.subplots(figsize=(7, 3.5))
plot_history(learner, ax=ax)
ax.set_ylabel("held-out accuracy")
ax.set_title("A pipeline trained from 32 dask partitions, 3 shuffled epochs")
fig.tight_layout()
plt.show()
