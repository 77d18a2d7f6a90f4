"""Data and streams shared by the search tests (imported by them; holds no tests)."""

from pathlib import Path

import numpy as np


def logged(paths, y=None, *, log, random_state=None):
    """Every batch of every file, after noting which files this stream was given (the
    per-file targets ``y`` of a search are not used: the files hold the targets)."""
    with open(log, "a") as handle:
        handle.write(" ".join(Path(p).name for p in paths) + "\n")
    for path in paths:
        with np.load(path) as data:
            X, y = data["X"], data["y"]
        for start in range(0, len(X), 16):
            yield {"X": X[start : start + 16], "y": y[start : start + 16]}


def read_all(paths):
    """All rows of the files, in order, as one (X, y)."""
    Xs, ys = [], []
    for path in paths:
        with np.load(path) as arrays:
            Xs.append(arrays["X"])
            ys.append(arrays["y"])
    return np.concatenate(Xs), np.concatenate(ys)


def cut(X, y, bounds, weights=None):
    """The rows of (X, y) cut at ``bounds`` (pairs of start, stop), with weights if given."""
    for start, stop in bounds:
        batch = {"X": X[start:stop], "y": y[start:stop]}
        if weights is not None:
            batch["sample_weight"] = weights[start:stop]
        yield batch


def data():
    """40 rows of 3 features and an exact linear target."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    return X, X @ [1.0, 2.0, 3.0]
