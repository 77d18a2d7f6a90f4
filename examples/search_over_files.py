"""Grid search over a data set stored as one file per track, never loaded whole.

The script writes a small regression data set into a temporary folder as one ``.npz`` file
per "track" (tracks come from four "artists", whose recordings differ by an offset), then
tunes a streaming ``SGDRegressor`` with scikit-learn's own ``GridSearchCV``:

- ``X`` given to the search is the 1-D array of file paths, so ``GroupKFold`` splits by
  file, keeping each artist's tracks on one side of every split;
- ``stream=Streamer(mux_tracks, lam=...)``: each fit multiplexes the batches of its fold's
  files with a :class:`~sklearn_stream.Mux`; its ``lam`` (how many batches a track plays
  before the mux moves on, on average) is tuned as ``stream__lam``, together with
  ``estimator__alpha``;
- ``eval_stream=Streamer(all_tracks)``: each score reads every batch of the held-out
  files once, and the score is the R² of all of them together.

All randomness is seeded (the learner's ``random_state`` seeds the mux), so the printed
result is the same on every run. Run it with ``python examples/search_over_files.py``.
"""

import tempfile
from pathlib import Path

import numpy as np
from sklearn.linear_model import SGDRegressor
from sklearn.model_selection import GridSearchCV, GroupKFold

from sklearn_stream import Mux, Streamer, StreamLearner

N_FEATURES = 5
PARAM_GRID = {"stream__lam": [1.0, 16.0], "estimator__alpha": [1e-4, 1e-1]}


def write_tracks(folder, n_tracks=12, n_rows=160, seed=0):
    """Write one ``.npz`` per track; return the paths and each track's artist (its group)."""
    rng = np.random.default_rng(seed)
    coef = rng.normal(size=N_FEATURES)
    paths, artists = [], []
    for track in range(n_tracks):
        artist = track % 4
        X = rng.normal(loc=0.5 * artist, size=(n_rows, N_FEATURES))
        y = X @ coef + rng.normal(scale=0.5, size=n_rows)
        path = Path(folder) / f"track{track:02d}.npz"
        np.savez(path, X=X, y=y)
        paths.append(str(path))
        artists.append(artist)
    return np.array(paths), np.array(artists)


def track_batches(path, batch_size=32):
    """The batches of one track, read from its file."""
    with np.load(path) as data:
        X, y = data["X"], data["y"]
    for start in range(0, len(X), batch_size):
        yield {"X": X[start : start + batch_size], "y": y[start : start + batch_size]}


def mux_tracks(paths, lam=4.0, k=3, random_state=None):
    """Training stream: the fold's tracks, ``k`` at a time, interleaved at random."""
    seeds = [Streamer(track_batches, path) for path in paths]
    yield from Mux(seeds, k=k, lam=lam, random_state=random_state).generate()


def all_tracks(paths):
    """Evaluation stream: every batch of every track, once."""
    for path in paths:
        yield from track_batches(path)


def make_search(n_jobs=None):
    """The learner and the search, ready to ``fit(paths, groups=artists)``."""
    learner = StreamLearner(
        SGDRegressor(),
        max_batches=120,
        stream=Streamer(mux_tracks),
        eval_stream=Streamer(all_tracks),
        random_state=0,
    )
    return GridSearchCV(learner, PARAM_GRID, cv=GroupKFold(n_splits=4), n_jobs=n_jobs)


def main():
    with tempfile.TemporaryDirectory() as folder:
        paths, artists = write_tracks(folder)
        search = make_search().fit(paths, groups=artists)
        print(f"Best parameters: {search.best_params_}")
        print(f"Best cross-validated R^2: {search.best_score_:.3f}")
    return search


if __name__ == "__main__":
    main()
