"""
Files on disk, decoded in worker processes
==========================================

A data set stored as many files, each needing some work to turn into features (here: a
short FFT-based feature extraction standing in for audio decoding), is streamed with a
:class:`~sklearn_stream.Mux` over one :class:`~sklearn_stream.Streamer` per file. Wrapping
the mux in :class:`~sklearn_stream.ZMQStreamer` runs the reading and decoding in
worker processes, so it overlaps with training; each worker gets its own random seed, and
with ``with_replacement=False`` the files are split between the workers, so every batch of
every file is still used exactly once per epoch.

The script trains the same :class:`~sklearn_stream.StreamLearner` from the mux in this
process and through ``ZMQStreamer`` with one and two workers, and plots the batches per
second of each. The figures depend on the machine (and how busy it is); on a machine with
spare cores, two workers keep the learner busier than one.
"""

import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import SGDClassifier

from sklearn_stream import Mux, Streamer, StreamLearner
from sklearn_stream.zmq_stream import ZMQStreamer

N_FILES = 24
ROWS_PER_BATCH = 32
BATCHES_PER_FILE = 8


def write_files(folder, seed=0):
    """One ``.npz`` per recording: raw signals (rows) and a label per row."""
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(N_FILES):
        n = ROWS_PER_BATCH * BATCHES_PER_FILE
        labels = rng.integers(0, 2, size=n)
        t = np.arange(256)
        tone = np.sin(2 * np.pi * (8 + 8 * labels[:, None]) * t / 256)
        signals = tone + rng.normal(scale=2.0, size=(n, 256))
        path = Path(folder) / f"recording{i:02d}.npz"
        np.savez(path, signals=signals, labels=labels)
        paths.append(path)
    return paths


def decoded_batches(path):
    """Read one file and yield its rows in batches of spectral features."""
    with np.load(path) as data:
        signals, labels = data["signals"], data["labels"]
    for start in range(0, len(signals), ROWS_PER_BATCH):
        chunk = signals[start : start + ROWS_PER_BATCH]
        spectrum = np.abs(np.fft.rfft(chunk, axis=1))[:, 1:33]
        for _ in range(1000):  # stand-in for a costlier decoder (a few ms per batch)
            spectrum = np.sqrt(spectrum * spectrum + 1e-9)
        yield {"X": np.log1p(spectrum), "Y": labels[start : start + ROWS_PER_BATCH]}


def train(source):
    learner = StreamLearner(SGDClassifier(random_state=0))
    start = time.perf_counter()
    learner.iter_fit(source, classes=[0, 1])
    elapsed = time.perf_counter() - start
    return learner, learner.n_batches_seen_ / elapsed


with tempfile.TemporaryDirectory() as folder:
    paths = write_files(folder)
    train_paths, test_paths = paths[:20], paths[20:]
    files = Mux(
        [Streamer(decoded_batches, p) for p in train_paths],
        k=4,
        lam=None,
        with_replacement=False,
        random_state=0,
    )
    sources = {
        "in this process": files,
        "ZMQStreamer, 1 worker": ZMQStreamer(files, n_workers=1, random_state=0),
        "ZMQStreamer, 2 workers": ZMQStreamer(files, n_workers=2, random_state=0),
    }
    speeds = {}
    for name, source in sources.items():
        learner, speeds[name] = train(source)
        print(
            f"{name:>24}: {learner.n_batches_seen_} batches "
            f"({learner.n_samples_seen_} rows) at {speeds[name]:,.0f} batches/s"
        )
    held_out = [batch for path in test_paths for batch in decoded_batches(path)]
    X_test = np.concatenate([batch["X"] for batch in held_out])
    y_test = np.concatenate([batch["Y"] for batch in held_out])
    print(f"accuracy on {len(test_paths)} held-out files: {learner.score(X_test, y_test):.2f}")

# %%
# Every source delivers each batch of the 20 training files once per epoch (160 batches).

fig, ax = plt.subplots(figsize=(7, 3))
ax.barh(list(speeds), list(speeds.values()))
ax.set_xlabel("batches per second (training included)")
ax.invert_yaxis()
fig.tight_layout()
plt.show()
