"""Data and streams shared by the learner tests (imported by them; holds no tests)."""

import numpy as np

from sklearn_stream import Streamer

SEED = 0


def labelled_data(n=60, n_features=3, seed=SEED):
    """A seeded ``(X, y)``: Gaussian features, the sign of the first as the label."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    return X, (X[:, 0] > 0).astype(int)


def batches_of(X, y=None, size=10):
    """``X`` (and ``y``) cut into batches of ``size`` rows, as dicts."""
    for start in range(0, len(X), size):
        batch = {"X": X[start : start + size]}
        if y is not None:
            batch["y"] = y[start : start + size]
        yield batch


def watched_stream(X, y, consumed):
    """A ``Streamer`` over :func:`batches_of`, noting in ``consumed`` each batch it yields
    (to check that an error came before any batch was read)."""

    def stream():
        for batch in batches_of(X, y):
            consumed.append(batch)
            yield batch

    return Streamer(stream)
