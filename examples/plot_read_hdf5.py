"""
Training from HDF5 files and zarr stores
========================================

:func:`~sklearn_stream.io.read_hdf5` reads datasets of HDF5 files, and
:func:`~sklearn_stream.io.read_zarr` arrays of zarr stores, a block of whole chunks at a
time: each chunk is read (and decompressed) once per epoch, and memory holds one block,
the chunks it comes from and the shuffle window, whatever the size of the files (for
chunks of a few hundred kilobytes to a few megabytes, as here). Both take the names of the arrays
inside the files, ``"sensors/X"`` and ``"sensors/y"`` here, and give the same batches for
the same data, chunks and ``random_state``.

The script writes 12 recordings, each a file of 2,000 rows of 8 features in chunks of
250 rows, in the order a session produces them: the first files hold mostly class 0,
the last mostly class 1. It writes them twice, as HDF5 files and as zarr stores, shows
in what order a shuffled epoch reads the rows, and trains a classifier from each format.
"""

import tempfile
from pathlib import Path

import h5py
import matplotlib.pyplot as plt
import numpy as np
import zarr
from sklearn.linear_model import SGDClassifier

from sklearn_stream import StreamLearner, plot_history
from sklearn_stream.io import read_hdf5, read_zarr

N_FILES, ROWS, N_FEATURES, CHUNK_ROWS = 12, 2000, 8, 250
WEIGHTS = np.random.default_rng(0).normal(size=N_FEATURES)


def recording(i, seed=0, shift=None):
    """Features, labels and row numbers of recording ``i``: class 1 grows more common
    from file to file (``shift``: the same for every file)."""
    rng = np.random.default_rng([seed, i])
    X = rng.normal(size=(ROWS, N_FEATURES)).astype(np.float32)
    if shift is None:
        shift = 4.0 * (i / (N_FILES - 1) - 0.5)  # from mostly class 0 to mostly class 1
    y = (X @ WEIGHTS + shift + rng.normal(size=ROWS) > 0).astype(np.int8)
    return X, y, np.arange(i * ROWS, (i + 1) * ROWS)


def write_recordings(folder):
    """Each recording as ``rec*.h5`` (an HDF5 file) and ``rec*.zarr`` (a zarr store),
    with the datasets ``sensors/X``, ``sensors/y`` and ``meta/row``."""
    (Path(folder) / "h5").mkdir()
    (Path(folder) / "zarr").mkdir()
    for i in range(N_FILES):
        X, y, row = recording(i)
        with h5py.File(Path(folder) / "h5" / f"rec{i:02d}.h5", "w") as file:
            file.create_dataset("sensors/X", data=X, chunks=(CHUNK_ROWS, N_FEATURES))
            file.create_dataset("sensors/y", data=y, chunks=(CHUNK_ROWS,))
            file.create_dataset("meta/row", data=row)
        group = zarr.open_group(Path(folder) / "zarr" / f"rec{i:02d}.zarr", mode="w")
        group.create_array("sensors/X", data=X, chunks=(CHUNK_ROWS, N_FEATURES))
        group.create_array("sensors/y", data=y, chunks=(CHUNK_ROWS,))
        group.create_array("meta/row", data=row)


X_test, y_test, _ = recording(0, seed=1, shift=0.0)  # as many rows of each class
with tempfile.TemporaryDirectory() as folder:
    write_recordings(folder)
    h5_files, zarr_stores = Path(folder) / "h5", Path(folder) / "zarr"

    # In what order a shuffled epoch reads the rows: "meta/row" as the target.
    order = read_hdf5(h5_files, "sensors/X", "meta/row", batch_size=100, shuffle=True,
                      random_state=0)  # fmt: skip
    rows_read = np.concatenate([batch["y"] for batch in order.generate()])

    learners = {}
    for name, reader in (
        ("read_hdf5", read_hdf5(h5_files, "sensors/X", "sensors/y", batch_size=100,
                                shuffle=True, random_state=0)),
        ("read_zarr", read_zarr(zarr_stores, "sensors/X", "sensors/y", batch_size=100,
                                shuffle=True, random_state=0)),
    ):  # fmt: skip
        learner = StreamLearner(
            SGDClassifier(loss="log_loss", alpha=1e-3, random_state=0),
            validation_data=(X_test, y_test),
            eval_every=20,
            warm_start=True,
        )
        for _ in range(3):  # each generate() reads all 24,000 rows once
            learner.iter_fit(reader, classes=[0, 1])
        learners[name] = learner
        print(
            f"{name}: {learner.n_samples_seen_} rows in {learner.n_batches_seen_} batches, "
            f"held-out accuracy {learner.score(X_test, y_test):.3f}"
        )

same = np.allclose(learners["read_hdf5"].estimator_.coef_, learners["read_zarr"].estimator_.coef_)
print(f"the same model from both formats: {same}")

# %%
# The order of a shuffled epoch, and the learning curves
# ------------------------------------------------------
# On the left, the row each position of a shuffled epoch holds: blocks of whole chunks
# (250 rows, the smallest number of whole chunks holding a batch of 100) are read in a
# new order each epoch, from every file, and a window of 1,600 rows mixes the rows of
# six or seven blocks. Each row still comes once. On the right, the held-out accuracy of
# the classifier trained from the HDF5 files and from the zarr stores: the two readers
# gave the same batches, so the curves coincide.

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
left.plot(rows_read, ".", markersize=1)
left.set_xlabel("position in the epoch")
left.set_ylabel("row read (file after file)")
left.set_title("One shuffled epoch of 12 files")
for (name, learner), style in zip(learners.items(), ("-", "--")):
    plot_history(learner, ax=right, label=name, linestyle=style)
right.set_ylabel("held-out accuracy")
right.set_title("3 shuffled epochs, HDF5 and zarr")
right.legend(loc="lower right")
fig.tight_layout()
plt.show()
