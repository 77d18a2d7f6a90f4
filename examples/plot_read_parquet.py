"""
Training a pipeline from a folder of Parquet files
==================================================

:func:`~sklearn_stream.io.read_parquet` reads Parquet files one row group at a time, so a
folder of any size trains in bounded memory. Here it feeds a whole scikit-learn pipeline:
with ``as_frame=True`` the batches are DataFrames, a ``ColumnTransformer`` picks the
columns by name, and every step of the pipeline learns from the stream.

The script writes 20 Parquet files of sensor readings (five numeric columns on very
different scales, and a label), holds out the last four, and trains for three epochs on
the others, shuffled afresh each epoch.
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn.compose import make_column_transformer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from sklearn_stream import StreamLearner, plot_history
from sklearn_stream.io import read_parquet

SCALES = {"temperature": 10.0, "pressure": 1000.0, "humidity": 0.1, "vibration": 50.0}


def write_files(folder, n_files=20, rows=2000, seed=0):
    """Parquet files of readings; the label depends on all the sensors, once scaled."""
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n_files):
        z = rng.normal(size=(rows, len(SCALES)))
        columns = {name: z[:, j] * scale for j, (name, scale) in enumerate(SCALES.items())}
        columns["hour"] = rng.integers(0, 24, size=rows).astype(float)
        columns["alarm"] = (z @ [1.0, -1.0, 0.5, 1.5] + rng.normal(size=rows) > 0).astype(int)
        paths.append(Path(folder) / f"readings{i:02d}.parquet")
        pq.write_table(pa.table(columns), paths[-1], row_group_size=500)
    return paths


def pipeline():
    """Sensors standardized, the hour of day scaled to [0, 1], then a linear model."""
    columns = make_column_transformer((StandardScaler(), list(SCALES)), (MinMaxScaler(), ["hour"]))
    return make_pipeline(columns, SGDClassifier(loss="log_loss", random_state=0))


with tempfile.TemporaryDirectory() as folder:
    paths = write_files(folder)
    train, held_out = paths[:16], paths[16:]
    test = next(
        iter(read_parquet(held_out, target="alarm", as_frame=True, batch_size=8000).generate())
    )
    reader = read_parquet(
        train, target="alarm", as_frame=True, batch_size=256, shuffle=True, random_state=0
    )
    learner = StreamLearner(
        pipeline(), validation_data=(test["X"], test["y"]), eval_every=10, warm_start=True
    )
    for epoch in range(3):
        learner.iter_fit(reader, classes=[0, 1])  # each generate() reads the 32,000 rows
        print(
            f"epoch {epoch + 1}: {learner.n_samples_seen_} rows seen, held-out accuracy "
            f"{learner.score(test['X'], test['y']):.3f}"
        )

# %%
# The fitted pipeline
# -------------------
# ``estimator_`` is an ordinary scikit-learn pipeline, trained from the files without ever
# holding more than one row group and a shuffle window of 4,096 rows: its scaler learned
# the sensors' means and scales from the stream, and it names its input columns.

print(learner.estimator_[0].named_transformers_["standardscaler"].mean_.round(2))
print(list(learner.feature_names_in_))

# %%
# The learning curve
# ------------------
# The model is close to its final accuracy after the first few thousand rows; the rest of
# the stream mostly steadies it (plain SGD steps on batches of 256 swing the score a few
# points, as the dip early in the first epoch shows), and the later epochs add little.

fig, ax = plt.subplots(figsize=(7, 3.5))
plot_history(learner, ax=ax)
ax.set_ylabel("held-out accuracy")
ax.set_title("A pipeline trained from 16 Parquet files, 3 shuffled epochs")
fig.tight_layout()
plt.show()
