"""
Training a classifier from a folder of CSV files
================================================

:func:`~sklearn_stream.io.read_csv` parses CSV files a chunk of rows at a time, so a folder
of any size trains in bounded memory. Its targets keep their kind of values: here the
labels are words (``"ok"``, ``"worn"``, ``"broken"``), as a classifier takes them.

The script writes 12 CSV files of machine readings (four numeric columns, some of them
missing, and a label), holds out the last two, and trains a scaler and a linear model for
three epochs on the others, shuffled afresh each epoch. As the learner's ``stream``,
``Streamer(read_csv, ...)`` reads the files that ``fit`` is given, so a search could split
the folder by file. The missing values arrive as NaN:
the scaler learns each column's mean and scale without them, and a ``FunctionTransformer``
then puts the mean (0 once scaled) in their place.
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklearn_stream import Streamer, StreamLearner, plot_history
from sklearn_stream.io import read_csv

COLUMNS = ["temperature", "vibration", "current", "age_days"]
LABELS = np.array(["ok", "worn", "broken"])


def write_files(folder, n_files=12, rows=1500, seed=0):
    """CSV files of readings; the state of the machine shows in all of them, once
    scaled. About 2% of the readings are missing (empty fields)."""
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n_files):
        state = rng.integers(0, 3, size=rows)
        readings = np.column_stack(
            [
                60 + 8 * state + rng.normal(0, 4, rows),
                0.2 + 0.3 * state + rng.normal(0, 0.2, rows),
                12 - state + rng.normal(0, 1.5, rows),
                300 * state + rng.uniform(0, 900, rows),
            ]
        )
        text = np.char.mod("%.3f", readings)
        text[rng.random(readings.shape) < 0.02] = ""  # a missing value: NaN when read
        paths.append(Path(folder) / f"machines{i:02d}.csv")
        with open(paths[-1], "w") as file:
            file.write(",".join([*COLUMNS, "state"]) + "\n")
            for row, label in zip(text, LABELS[state]):
                file.write(",".join([*row, label]) + "\n")
    return paths


with tempfile.TemporaryDirectory() as folder:
    paths = write_files(folder)
    train, held_out = paths[:10], paths[10:]
    test = next(iter(read_csv(held_out, target="state", batch_size=3000).generate()))
    model = make_pipeline(
        StandardScaler(),  # its partial_fit leaves NaN out
        FunctionTransformer(np.nan_to_num),  # a missing value: the mean, 0 once scaled
        SGDClassifier(loss="log_loss", alpha=1e-3, random_state=0),
    )
    learner = StreamLearner(
        model,
        # fit(files) reads the files it is given: shuffled, in batches of 200 rows
        stream=Streamer(read_csv, target="state", batch_size=200, shuffle=True, random_state=0),
        eval_stream=Streamer(read_csv, target="state", batch_size=1000),  # score(files)
        warm_start=True,  # each fit continues the model: one more epoch
        validation_data=(test["X"], test["y"]),
        eval_every=5,
    )
    for epoch in range(3):
        learner.set_params(stream__random_state=epoch)  # another order of files and rows
        learner.fit(train, classes=list(LABELS))  # reads the 15,000 rows
        accuracy = learner.score(held_out)  # reads the held-out files
        print(f"epoch {epoch + 1}: {learner.n_samples_seen_} rows seen, accuracy {accuracy:.3f}")

# %%
# What the reader gave
# --------------------
# The features are one float64 array per batch, with the empty fields as NaN (the scaler
# learned each column's mean from the stream without them); the labels are the words of
# the files.

print(test["X"].dtype, int(np.isnan(test["X"]).sum()), "missing values held out")
print(learner.classes_)

# %%
# The learning curve
# ------------------
# Each point is the held-out accuracy after 5 more batches of 200 rows. The model is close
# to its final accuracy within the first 10,000 rows; the later epochs, in other orders of
# the files and rows, add little (plain SGD steps swing the score by a point or two).

fig, ax = plt.subplots(figsize=(7, 3.5))
plot_history(learner, ax=ax)
ax.set_ylabel("held-out accuracy")
ax.set_title("A classifier trained from 10 CSV files, 3 shuffled epochs")
fig.tight_layout()
plt.show()
