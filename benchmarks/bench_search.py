"""Wall time of one search over streamed files: n_jobs=1, n_jobs=2 (loky), a dask cluster.

Run from the repository root with the project's environment::

    python benchmarks/bench_search.py [--tracks 24] [--max-batches 1500] [--repeats 2]

The search is the one of ``examples/search_over_files.py``, made bigger: ``--tracks``
``.npz`` files of 320 rows x 20 features in a temporary folder, ``GridSearchCV`` with
``GroupKFold(4)`` over the file list and 6 candidates (``stream__lam`` x
``estimator__alpha``), each fit training on ``--max-batches`` batches of 32 rows multiplexed
from its fold's files, each score streaming the held-out files. That is 24 fits plus the
refit, all reading their files themselves.

The three cases run round-robin, best of ``--repeats``; the dask case uses a
``LocalCluster(n_workers=2, processes=True, threads_per_worker=1)`` on 127.0.0.1, started
once before timing (its start-up time is printed separately), driven through
``joblib.parallel_config(backend="dask")``. The loky case reuses joblib's worker pool
after its first round, as a session running several searches would. The script is a report:
it prints times and ratios against ``n_jobs=1`` measured in the same run.
"""

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import joblib
import numpy as np
from _timing import Row, best_times, format_ratio, print_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import search_over_files as example

N_FEATURES = 20


def write_tracks(folder, n_tracks, n_rows=320, seed=0):
    rng = np.random.default_rng(seed)
    coef = rng.normal(size=N_FEATURES)
    paths, artists = [], []
    for track in range(n_tracks):
        X = rng.normal(loc=0.2 * (track % 4), size=(n_rows, N_FEATURES))
        y = X @ coef + rng.normal(scale=0.5, size=n_rows)
        path = Path(folder) / f"track{track:03d}.npz"
        np.savez(path, X=X, y=y)
        paths.append(str(path))
        artists.append(track % 6)
    return np.array(paths), np.array(artists)


def make_search(max_batches, n_jobs):
    search = example.make_search(n_jobs=n_jobs)
    search.set_params(
        estimator__max_batches=max_batches,
        param_grid={"stream__lam": [2.0, 16.0], "estimator__alpha": [1e-5, 1e-3, 1e-1]},
    )
    return search


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=24)
    parser.add_argument("--max-batches", type=int, default=1500)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    from dask.distributed import Client, LocalCluster

    print(f"python {platform.python_version()}, {os.cpu_count()} cores (shared machine)")
    with tempfile.TemporaryDirectory() as folder:
        paths, artists = write_tracks(folder, args.tracks)
        start = time.perf_counter()
        cluster = LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
        )
        client = Client(cluster)
        started = time.perf_counter() - start
        scores = {}

        def run(n_jobs, backend=None):
            def case():
                search = make_search(args.max_batches, n_jobs)
                if backend is None:
                    search.fit(paths, groups=artists)
                else:
                    with joblib.parallel_config(backend=backend):
                        search.fit(paths, groups=artists)
                scores[n_jobs, backend] = search.cv_results_["mean_test_score"]

            return case

        cases = {
            "n_jobs=1": run(1),
            "n_jobs=2 (loky)": run(2),
            "dask LocalCluster, 2 workers": run(-1, "dask"),
        }
        try:
            times = best_times(cases, args.repeats)
        finally:
            client.close()
            cluster.close()
    baseline = times["n_jobs=1"]
    n_fits = 6 * 4 + 1
    rows = [
        Row(name, n_fits, seconds, f"{format_ratio(seconds, baseline)} of n_jobs=1")
        for name, seconds in times.items()
    ]
    print_table(
        f"GridSearchCV, GroupKFold(4), 6 candidates, {args.tracks} files, "
        f"max_batches={args.max_batches} (items: fits; best of {args.repeats})",
        rows,
    )
    print(f"dask LocalCluster start-up (not included above): {started:.2f} s")
    same = all(np.array_equal(s, scores[1, None]) for s in scores.values())
    print(f"identical cv scores in all three: {same}")


if __name__ == "__main__":
    main()
