"""Small timing helpers shared by the benchmark scripts (not part of the package).

The machine the benchmarks run on is shared, so every figure is the best of several
repeats, and the cases compared with each other are run in turn (round-robin) so that a
burst of load from elsewhere hits all of them rather than one.
"""

import gc
import statistics
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence

__all__ = [
    "Row",
    "best_times",
    "consume",
    "format_ratio",
    "paired_median",
    "print_table",
    "verdict",
]


def consume(iterable: Iterable) -> None:
    """Exhaust ``iterable`` with as little per-item overhead as Python allows."""
    deque(iterable, maxlen=0)


def _time_once(run: Callable[[], object]) -> float:
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()  # as timeit does: a collection pass would land on whichever case is unlucky
    try:
        start = time.perf_counter()
        run()
        return time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()


def best_times(
    cases: Mapping[str, Callable[[], object]],
    repeats: int | Mapping[str, int],
    *,
    min_seconds: float = 0.0,
    max_rounds: int = 100,
    record: dict[str, list[float]] | None = None,
) -> dict[str, float]:
    """Return the best wall-clock time (seconds) of each case over several runs.

    Parameters
    ----------
    cases : mapping of name to zero-argument callable
        Each callable does the whole piece of work to time (e.g. builds and exhausts a stream).
    repeats : int or mapping of name to int
        How many times to run each case at least; a mapping gives a count per case (slow
        baselines can be run fewer times). Cases are run round-robin, one run of each per round,
        starting each round one case further along.
    min_seconds : float, default=0.0
        Keep adding rounds of the cases with the highest count (all of them for an int
        ``repeats``; slow baselines given fewer runs stop at their count) until this much time
        has passed, so that cheap cases are sampled over a window long enough to include a
        quiet moment on a busy machine.
    max_rounds : int, default=100
        Never run more rounds than this.
    record : dict, optional
        If given, every time measured is appended to ``record[name]``, in the order of the
        rounds (so that the i-th times of two cases run as often come from the same round).

    Returns
    -------
    dict
        The minimum time of each case, in seconds.
    """
    counts = {name: repeats if isinstance(repeats, int) else repeats[name] for name in cases}
    most = max(counts.values(), default=0)
    best = dict.fromkeys(cases, float("inf"))
    names = list(cases)
    start = time.perf_counter()
    round_ = 0
    while (
        names
        and round_ < max_rounds
        and (round_ < most or time.perf_counter() - start < min_seconds)
    ):
        shift = round_ % len(names)  # rotate the order: no case always follows the same one
        for name in names[shift:] + names[:shift]:
            if round_ < counts[name] or counts[name] == most:
                seconds = _time_once(cases[name])
                best[name] = min(best[name], seconds)
                if record is not None:
                    record.setdefault(name, []).append(seconds)
        round_ += 1
    return best


def paired_median(reference: Sequence[float], times: Sequence[float]) -> float:
    """The median over rounds of ``reference[i] / times[i]``: how many times faster than the
    reference a case ran in the same round. Less swayed than a ratio of best times by one
    lucky run of either case."""
    return statistics.median(r / t for r, t in zip(reference, times, strict=True))


def format_ratio(value: float, reference: float) -> str:
    """``value / reference`` as ``"1.23x"``."""
    return f"{value / reference:.2f}x"


class Row:
    """One line of a results table: a case, how much work it did and how long it took."""

    def __init__(self, name: str, n_items: int, seconds: float, reference: str = "") -> None:
        self.name = name
        self.n_items = n_items
        self.seconds = seconds
        self.reference = reference  # e.g. "1.02x bare", filled by the caller

    @property
    def per_item_us(self) -> float:
        return self.seconds / self.n_items * 1e6


def print_table(title: str, rows: Sequence[Row]) -> None:
    """Print rows as an aligned table: name, items, best time, cost per item, ratio."""
    width = max([len(row.name) for row in rows] + [len("case")])
    print(f"\n== {title}")
    print(f"  {'case':<{width}}  {'items':>9}  {'best (s)':>9}  {'us/item':>8}  ratio")
    for row in rows:
        print(
            f"  {row.name:<{width}}  {row.n_items:>9}  {row.seconds:>9.4f}  "
            f"{row.per_item_us:>8.3f}  {row.reference}"
        )


def verdict(description: str, measured: float, limit: float, *, at_most: bool) -> str:
    """A line saying whether a target ratio was met, e.g. for a closing summary."""
    met = measured <= limit if at_most else measured >= limit
    bound = "<=" if at_most else ">="
    status = "MET" if met else "NOT MET"
    return f"[{status:>7}] {description}: {measured:.2f}x (target {bound} {limit:.2f}x)"
