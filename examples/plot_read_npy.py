"""
Training from a folder of ``.npy`` files
========================================

:func:`~sklearn_stream.io.read_npy` reads ``.npy`` files through memory maps, one batch at
a time, so the data on disk can be far larger than memory. The reader is a data source: a
learner trains from it with ``iter_fit``, every ``generate()`` is a new epoch over every
row, and ``shuffle=True`` draws a new order each epoch.

The script writes 24 files of features and labels, in the order a recording session would
produce them: each file holds one of three classes, and the files come class after class.
It then trains the same learner for three epochs, reading the files in order and shuffled.
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import SGDClassifier

from sklearn_stream import StreamLearner, plot_history
from sklearn_stream.io import read_npy

N_FILES, ROWS_PER_FILE, N_FEATURES = 24, 500, 20
CENTERS = np.random.default_rng(0).normal(scale=0.6, size=(3, N_FEATURES))


def write_session(folder, seed=0):
    """One pair of files per recording: features ``X*.npy`` and labels ``y*.npy``."""
    rng = np.random.default_rng(seed)
    for i in range(N_FILES):
        label = i * 3 // N_FILES  # 8 files of class 0, then 8 of class 1, then 8 of class 2
        X = CENTERS[label] + rng.normal(size=(ROWS_PER_FILE, N_FEATURES))
        np.save(Path(folder) / "X" / f"rec{i:02d}.npy", X.astype(np.float32))
        np.save(Path(folder) / "y" / f"rec{i:02d}.npy", np.full(ROWS_PER_FILE, label))


def held_out(seed=1, n=900):
    rng = np.random.default_rng(seed)
    labels = rng.integers(3, size=n)
    return CENTERS[labels] + rng.normal(size=(n, N_FEATURES)), labels


X_val, y_val = held_out()
learners = {}
with tempfile.TemporaryDirectory() as folder:
    (Path(folder) / "X").mkdir()
    (Path(folder) / "y").mkdir()
    write_session(folder)
    for shuffle in (False, True):
        reader = read_npy(
            Path(folder) / "X", Path(folder) / "y", batch_size=100, shuffle=shuffle, random_state=0
        )
        learner = StreamLearner(
            SGDClassifier(random_state=0),
            validation_data=(X_val, y_val),
            eval_every=10,
            warm_start=True,
        )
        for _ in range(3):  # each generate() reads all 12,000 rows once
            learner.iter_fit(reader, classes=[0, 1, 2])
        learners[f"shuffle={shuffle}"] = learner
        print(
            f"shuffle={shuffle}: {learner.n_samples_seen_} rows in "
            f"{learner.n_batches_seen_} batches; validation accuracy "
            f"{learner.history_['score'][-1]:.3f}"
        )

# %%
# Learning curves
# ---------------
# Read in order, each epoch shows the classifier eight files of one class, then eight of
# the next: its accuracy on the mixed validation rows climbs and falls with every class
# change, and ends tilted towards the last class read. Shuffled, every batch mixes rows
# of many files (the blocks of 100 rows are read in a new order each epoch, and their rows
# pass through a window of 1,600 rows): the accuracy is near its final level after the
# first thousand rows and stays there. Only the window and one batch are ever in memory.

fig, ax = plt.subplots(figsize=(7, 3.5))
for name, learner in learners.items():
    plot_history(learner, ax=ax).lines[-1].set_label(f"read_npy({name})")
ax.set_ylabel("validation accuracy")
ax.set_title("24 files of one class each, 3 epochs")
ax.legend(loc="center right")
fig.tight_layout()
plt.show()
