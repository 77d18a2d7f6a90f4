"""``read_parquet`` and ``read_csv`` against hand-written loops, and their memory.

Run from the repository root with the project's environment (the ``parquet`` extra, and
pandas for the CSV part)::

    python benchmarks/bench_io.py [--scale 1.0] [--rounds 8] [--part all|parquet|csv]

The script writes a Parquet data set in a temporary directory: 20 files of 50 float32
features and an int label, about 1 GB at ``--scale 1.0`` (row groups of 65,536 rows). Then,
in alternating rounds (the order swaps each round; ratios are taken within a round):

- reading: ``read_parquet(files, target="label", batch_size=4096)`` against a hand-written
  loop over ``pyarrow.parquet.ParquetFile.iter_batches(batch_size=4096)`` that turns each
  batch into a 2-D numpy array of features and a label vector (target: at least 0.9x its
  throughput);
- training: ``StreamLearner(SGDClassifier()).iter_fit`` of the reader against the
  hand-written read-and-``partial_fit`` loop (target: at least 0.95x);
- memory: the peak traced by ``tracemalloc`` while the reader streams the whole set, above
  the interpreter's baseline, plus the most memory Arrow holds between batches (target:
  under 300 MB).

CSV (``--part csv`` runs it alone): the same rows written as CSV text by
``pyarrow.csv.write_csv`` (about 2.5 times the Parquet size), and, in alternating rounds,
``read_csv(files, target="label", batch_size=4096)`` against a hand-written loop over
``pandas.read_csv(file, chunksize=4096)`` that turns each chunk into a 2-D float64 array of
features and a label vector (target: at least 1.0x its throughput); then the peak traced by
``tracemalloc`` while ``read_csv`` streams the whole set (target: under 300 MB).

The script is a report: it never fails on a missed target.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
from _timing import verdict
from sklearn.linear_model import SGDClassifier

from sklearn_stream import StreamLearner
from sklearn_stream.io import read_parquet
from sklearn_stream.io._csv import read_csv

N_FILES, N_FEATURES, ROW_GROUP, BATCH = 20, 50, 1 << 16, 4096
FEATURES = [f"x{j}" for j in range(N_FEATURES)]


def write_data(folder: str, scale: float) -> list:
    rows = max(BATCH, int(250_000 * scale))  # 250,000 rows x 51 columns x 4 bytes ~ 51 MB
    rng = np.random.default_rng(0)
    paths = []
    for i in range(N_FILES):
        X = rng.standard_normal((rows, N_FEATURES), dtype=np.float32)
        columns = {name: X[:, j] for j, name in enumerate(FEATURES)}
        columns["label"] = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
        paths.append(os.path.join(folder, f"part{i:02d}.parquet"))
        pq.write_table(pa.table(columns), paths[-1], row_group_size=ROW_GROUP)
    return paths


def hand_read(paths: list):
    """The hand-written loop: iter_batches, then numpy arrays."""
    for path in paths:
        with pq.ParquetFile(path) as handle:
            for batch in handle.iter_batches(batch_size=BATCH, columns=[*FEATURES, "label"]):
                X = np.column_stack([batch.column(j).to_numpy() for j in range(N_FEATURES)])
                y = batch.column(N_FEATURES).to_numpy()
                yield X, y


def ours_read(paths: list):
    for batch in read_parquet(paths, target="label", batch_size=BATCH).generate():
        yield batch["X"], batch["y"]


def drain(batches) -> int:
    return sum(len(y) for _, y in batches)


def hand_train(paths: list) -> None:
    model = SGDClassifier(random_state=0)
    for X, y in hand_read(paths):
        model.partial_fit(X, y, classes=[0, 1])


def ours_train(paths: list) -> None:
    reader = read_parquet(paths, target="label", batch_size=BATCH)
    StreamLearner(SGDClassifier(random_state=0)).iter_fit(reader, classes=[0, 1])


def alternating(hand, ours, rounds: int) -> tuple[float, float, float]:
    """Median of per-round throughput ratios (ours / hand), and the median times."""
    ratios, hands, ourss = [], [], []
    for round_ in range(rounds):
        order = [("hand", hand), ("ours", ours)]
        times = {}
        for name, run in order if round_ % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            run()
            times[name] = time.perf_counter() - start
        ratios.append(times["hand"] / times["ours"])
        hands.append(times["hand"])
        ourss.append(times["ours"])
    return statistics.median(ratios), statistics.median(hands), statistics.median(ourss)


def peak_memory(paths: list) -> int:
    """Python's peak (tracemalloc) plus the most Arrow held between batches (pyarrow's
    allocations are invisible to tracemalloc)."""
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        arrow = 0
        for _ in ours_read(paths):
            arrow = max(arrow, pa.total_allocated_bytes())
        return tracemalloc.get_traced_memory()[1] - baseline + arrow
    finally:
        tracemalloc.stop()


def write_csv_data(parquet_paths: list) -> list:
    """The Parquet files' rows as CSV files, next to them (one row group in memory)."""
    paths = []
    for path in parquet_paths:
        paths.append(path.replace(".parquet", ".csv"))
        with pq.ParquetFile(path) as handle, pcsv.CSVWriter(paths[-1], handle.schema_arrow) as out:
            for group in range(handle.num_row_groups):
                out.write_table(handle.read_row_group(group))
    return paths


def pandas_read(paths: list):
    """The hand-written loop: pandas' chunked reader, then numpy arrays."""
    import pandas as pd

    for path in paths:
        with pd.read_csv(path, chunksize=BATCH) as chunks:
            for chunk in chunks:
                yield chunk[FEATURES].to_numpy(np.float64), chunk["label"].to_numpy()


def csv_read(paths: list):
    for batch in read_csv(paths, target="label", batch_size=BATCH).generate():
        yield batch["X"], batch["y"]


def csv_peak_memory(paths: list) -> int:
    """Python's peak while read_csv streams the set (numpy's arrays are traced; pandas'
    parser buffers, a few MB per chunk, are not)."""
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        drain(csv_read(paths))
        return tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()


def run_parquet(paths: list, rounds: int) -> None:
    read, hand_s, ours_s = alternating(
        lambda: drain(hand_read(paths)), lambda: drain(ours_read(paths)), rounds
    )
    print(f"  reading: hand {hand_s:.2f} s, read_parquet {ours_s:.2f} s (median)")
    train, hand_t, ours_t = alternating(
        lambda: hand_train(paths), lambda: ours_train(paths), rounds
    )
    print(f"  training: hand {hand_t:.2f} s, iter_fit {ours_t:.2f} s (median)")
    peak = peak_memory(paths) / 2**20
    print()
    print(verdict("read_parquet vs iter_batches loop (throughput)", read, 0.9, at_most=False))
    print(verdict("iter_fit(read_parquet) vs read-and-train loop", train, 0.95, at_most=False))
    status = "MET" if peak < 300 else "NOT MET"
    print(f"[{status:>7}] peak memory while streaming: {peak:.0f} MB (target < 300 MB)")


def run_csv(parquet_paths: list, rounds: int) -> None:
    import pandas as pd

    paths = write_csv_data(parquet_paths)
    size = sum(os.path.getsize(p) for p in paths) / 2**20
    rows = drain(pandas_read(paths))
    print(f"\nCSV (pandas {pd.__version__}): {N_FILES} files, {rows:,} rows, {size:,.0f} MiB")
    read, hand_s, ours_s = alternating(
        lambda: drain(pandas_read(paths)), lambda: drain(csv_read(paths)), rounds
    )
    print(f"  reading: pandas chunks {hand_s:.2f} s, read_csv {ours_s:.2f} s (median)")
    print(f"  rows/s: pandas chunks {rows / hand_s:,.0f}, read_csv {rows / ours_s:,.0f}")
    peak = csv_peak_memory(paths) / 2**20
    print()
    print(verdict("read_csv vs pandas.read_csv(chunksize) loop", read, 1.0, at_most=False))
    status = "MET" if peak < 300 else "NOT MET"
    print(f"[{status:>7}] read_csv peak memory while streaming: {peak:.0f} MB (target < 300 MB)")


def main(argv: list | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--part", choices=["all", "parquet", "csv"], default="all")
    args = parser.parse_args(argv)
    rounds = max(8, args.rounds)
    print(
        f"python {sys.version.split()[0]} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"pyarrow {pa.__version__}, numpy {np.__version__}"
    )
    with tempfile.TemporaryDirectory() as folder:
        paths = write_data(folder, args.scale)
        size = sum(os.path.getsize(p) for p in paths) / 2**20
        rows = drain(hand_read(paths))
        print(f"{N_FILES} files, {rows:,} rows, {size:,.0f} MiB on disk; {rounds} rounds")
        if args.part in ("all", "parquet"):
            run_parquet(paths, rounds)
        if args.part in ("all", "csv"):
            run_csv(paths, rounds)


if __name__ == "__main__":
    main()
