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


# Stored "files" (the seeds a stream reads, as a search over file paths would), 20 rows each:
# two blobs, and counts for a topic model.
_RNG = np.random.default_rng(SEED)
BLOBS = np.r_[_RNG.normal(-4, 1, size=(40, 2)), _RNG.normal(4, 1, size=(40, 2))]
_RNG.shuffle(BLOBS)
COUNTS = _RNG.poisson(2.0, size=(80, 6)).astype(float)
_FILES = {f"part{i}.npz": slice(20 * i, 20 * i + 20) for i in range(4)}
PATHS = np.array(sorted(_FILES))


def read_blobs(paths, y=None, batch_size=10):
    """The rows of :data:`BLOBS` in the files ``paths``, in batches of features only."""
    for path in paths:
        yield from batches_of(BLOBS[_FILES[str(path)]], size=batch_size)


def read_counts(paths, y=None, batch_size=10):
    """The rows of :data:`COUNTS` in the files ``paths``, in batches of features only."""
    for path in paths:
        yield from batches_of(COUNTS[_FILES[str(path)]], size=batch_size)


def rows_of(paths, source):
    """The rows of ``source`` (:data:`BLOBS` or :data:`COUNTS`) in the files ``paths``."""
    return np.concatenate([source[_FILES[str(path)]] for path in paths])
