"""Tests for sklearn_stream.mux: Mux and mux."""

import functools
import pickle
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import chisquare
from sklearn.base import clone

from sklearn_stream import Mux, Streamer, mux
from sklearn_stream.core import DataSource
from sklearn_stream.exceptions import EmptyPoolError


def constant(value):
    """An infinite seed: every batch holds ``value``."""
    while True:
        yield {"X": np.array([value])}


def finite(seed_id, n):
    """A finite seed: ``n`` batches, each tagged with (seed_id, position)."""
    for i in range(n):
        yield {"X": np.array([seed_id]), "pos": np.array([i])}


def empty():
    return iter(())


class Log:
    """Seeds that record when each activation starts and ends; batch ``i`` of seed ``s``
    holds ``X = [s]`` and ``pos = [i]``."""

    def __init__(self):
        self.events = []
        self.held = []  # streams a test keeps referenced (see test_muxes.Held)

    def seed(self, seed_id, n=None):
        self.events.append(("start", seed_id))
        try:
            i = 0
            while n is None or i < n:
                yield {"X": np.array([seed_id]), "pos": np.array([i])}
                i += 1
        finally:
            self.events.append(("stop", seed_id))

    def starts(self):
        return Counter(i for kind, i in self.events if kind == "start")

    def stops(self):
        return Counter(i for kind, i in self.events if kind == "stop")


def seed_ids(stream):
    return [int(batch["X"][0]) for batch in stream]


def infinite_pool(n):
    return [Streamer(constant, i) for i in range(n)]


# -- validation, all at the call ----------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"k": 0}, ValueError, "k must be an int >= 1"),
        ({"k": -3}, ValueError, "k must be"),
        ({"k": 1.5}, TypeError, "k must be an int"),
        ({"k": True}, TypeError, "k must be an int"),
        ({"lam": 0}, ValueError, "lam must be"),
        ({"lam": -1.0}, ValueError, "lam must be"),
        ({"lam": float("inf")}, ValueError, "lam must be"),
        ({"lam": float("nan")}, ValueError, "lam must be"),
        ({"lam": "16"}, TypeError, "lam must be"),
        ({"pool_weights": [1, 2]}, ValueError, "pool_weights must have one weight per seed"),
        ({"pool_weights": [[1, 1, 1]]}, ValueError, "pool_weights must have one weight"),
        ({"pool_weights": [1, -1, 1]}, ValueError, "pool_weights must be non-negative"),
        ({"pool_weights": [1, np.nan, 1]}, ValueError, "pool_weights must be finite"),
        ({"pool_weights": [0, 0, 0]}, ValueError, "at least one positive weight"),
        ({"pool_weights": ["a", "b", "c"]}, TypeError, "pool_weights must be"),
        ({"with_replacement": "no"}, TypeError, "with_replacement must be a bool"),
        ({"prune_empty_seeds": 1}, TypeError, "prune_empty_seeds must be a bool"),
        ({"revive": None}, TypeError, "revive must be a bool"),
        ({"random_state": "seed"}, TypeError, "random_state must be"),
        ({"random_state": -1}, ValueError, "random_state must be a non-negative"),
        ({"n_samples": -1}, ValueError, "n_samples must be"),
        ({"n_samples": 2.5}, TypeError, "n_samples must be"),
    ],
)
def test_bad_arguments_fail_at_the_call(kwargs, error, match):
    args = {"seed_pool": infinite_pool(3), "n_samples": 10, "k": 2, **kwargs}
    with pytest.raises(error, match=match):
        mux(**args)
    if "n_samples" not in kwargs:
        args.pop("n_samples")
        with pytest.raises(error, match=match):
            Mux(**args)


@pytest.mark.parametrize(
    ("pool", "match"),
    [
        ([constant(1)], r"seed_pool\[0\] is a generator.*runs only once"),
        ([Streamer(constant, 1), [{"X": [1]}]], r"seed_pool\[1\] is a list.*Wrap it"),
        ([Streamer(constant, 1), 5], r"seed_pool\[1\] is a int"),
        (Streamer(constant, 1), "seed_pool must be a list of data sources"),
        (7, "seed_pool must be a list"),
    ],
    ids=["generator", "list-of-batches", "int", "single-source", "int-pool"],
)
def test_non_data_source_seeds_are_rejected(pool, match):
    with pytest.raises(TypeError, match=match):
        mux(pool, 10, 1)


@pytest.mark.parametrize("pool", [[], (), iter([])], ids=["list", "tuple", "iterator"])
def test_empty_pool_raises_runtime_error(pool):
    with pytest.raises(RuntimeError, match="seed_pool is empty") as info:
        mux(pool, 10, 1)
    assert isinstance(info.value, EmptyPoolError)


def test_weights_are_never_modified_and_integers_work():
    weights = np.array([1, 3], dtype=np.int64)
    float_weights = np.array([2.0, 6.0])
    ids = seed_ids(mux(infinite_pool(2), 4000, 2, lam=4, pool_weights=weights, random_state=1))
    same = seed_ids(
        mux(infinite_pool(2), 4000, 2, lam=4, pool_weights=float_weights, random_state=1)
    )
    assert ids == same
    np.testing.assert_array_equal(weights, [1, 3])
    np.testing.assert_array_equal(float_weights, [2.0, 6.0])
    assert 0.7 < np.mean(ids) < 0.8


# -- sampling statistics --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("weights", "k", "lam"),
    [
        ([1, 1, 1, 1], 2, 4.0),
        ([1, 2, 3, 4], 3, 8.0),
        ([1, 9], 1, 2.0),
        ([5, 1, 0, 2, 2], 4, 16.0),
    ],
    ids=["uniform", "graded", "skewed-k1", "zero-weight"],
)
def test_pool_weights_are_long_run_proportions(weights, k, lam):
    n = 60_000
    ids = seed_ids(
        mux(infinite_pool(len(weights)), n, k, lam=lam, pool_weights=weights, random_state=12345)
    )
    counts = np.bincount(ids, minlength=len(weights))
    expected = np.asarray(weights, dtype=float) / np.sum(weights)
    positive = expected > 0
    assert counts[~positive].sum() == 0  # zero weight: never drawn
    # Batches within one activation are correlated, so the chi-square test is run on counts
    # thinned by the mean lifetime (1 + lam): an approximately independent sample.
    thinned = counts[positive] / (1 + lam)
    result = chisquare(thinned, thinned.sum() * expected[positive])
    assert result.pvalue > 1e-3
    np.testing.assert_allclose(counts / n, expected, atol=0.02)


def test_weights_are_not_squared_like_pescador_0_1_3():
    # Weighting the choice among active seeds again would give seed 0 a share near 1%.
    ids = seed_ids(mux(infinite_pool(2), 40_000, 2, lam=4, pool_weights=[1, 9], random_state=3))
    assert 0.08 < np.mean(np.asarray(ids) == 0) < 0.12


@pytest.mark.slow
def test_lifetimes_are_one_plus_poisson():
    log = Log()
    pool = [Streamer(log.seed, i) for i in range(2)]
    stream = mux(pool, 20_000, 1, lam=3.0, random_state=0)
    lengths, previous, run = [], None, 0
    for batch, _ in zip(stream, range(20_000)):
        del batch
        starts = sum(1 for kind, _ in log.events if kind == "start")
        if starts != previous:
            if previous is not None:
                lengths.append(run)
            previous, run = starts, 0
        run += 1
    lengths = np.asarray(lengths)
    assert lengths.min() >= 1
    assert abs(lengths.mean() - 4.0) < 0.15  # E[1 + Poisson(3)] = 4


# -- activation rules -------------------------------------------------------------------------
def test_lam_none_runs_first_k_seeds_forever():
    log = Log()
    pool = [Streamer(log.seed, i) for i in range(10)]
    ids = seed_ids(mux(pool, 500, 3, lam=None, random_state=0))
    assert len(set(ids)) <= 3  # with replacement two slots may hold the same seed
    assert sum(kind == "start" for kind, _ in log.events) == 3


def test_with_replacement_allows_simultaneous_activations():
    log = Log()
    stream = mux([Streamer(log.seed, 0)], 100, 3, lam=None, random_state=0)
    assert seed_ids(stream) == [0] * 100
    assert log.events.count(("start", 0)) == 3
    assert log.events.count(("stop", 0)) == 3  # the bound closes every active stream


@pytest.mark.parametrize("lam", [None, 2.0])
def test_without_replacement_uses_each_seed_at_most_once(lam):
    pool = [Streamer(finite, i, 5) for i in range(6)]
    batches = list(mux(pool, None, 2, lam=lam, with_replacement=False, random_state=4))
    by_seed = {}
    for batch in batches:
        by_seed.setdefault(int(batch["X"][0]), []).append(int(batch["pos"][0]))
    for positions in by_seed.values():
        assert positions == list(range(len(positions)))  # one activation: a prefix, in order
    if lam is None:
        assert sorted(by_seed) == list(range(6))
        assert all(len(p) == 5 for p in by_seed.values())


def test_revive_keeps_each_seed_active_at_most_once_at_a_time():
    log = Log()
    pool = [Streamer(log.seed, i) for i in range(4)]
    ids = seed_ids(
        mux(pool, 3000, 3, lam=2.0, with_replacement=False, revive=True, random_state=5)
    )
    assert len(ids) == 3000  # revived seeds keep the stream going
    active = set()
    for kind, seed in log.events:
        if kind == "start":
            assert seed not in active
            active.add(seed)
        else:
            active.remove(seed)
    assert log.events.count(("start", 0)) > 1


@pytest.mark.timeout(10)
@pytest.mark.parametrize("prune", [True, False])
@pytest.mark.parametrize("with_replacement", [True, False])
def test_all_empty_pool_ends_the_stream(prune, with_replacement):
    pool = [Streamer(empty) for _ in range(5)]
    stream = mux(
        pool,
        None,
        2,
        lam=4,
        with_replacement=with_replacement,
        prune_empty_seeds=prune,
        random_state=0,
    )
    assert list(stream) == []


@pytest.mark.timeout(10)
def test_prune_empty_seeds_controls_reactivation():
    def counted_empty(log):
        log.append("start")
        return iter(())

    for prune, expect_once in [(True, True), (False, False)]:
        calls = []
        pool = [Streamer(constant, 1), Streamer(counted_empty, calls)]
        ids = seed_ids(mux(pool, 2000, 1, lam=2, prune_empty_seeds=prune, random_state=0))
        assert set(ids) == {1}
        assert (len(calls) == 1) is expect_once


class Alternating:
    """A data source that is empty on odd starts and has five batches on even ones.

    ``left`` records, for each start with data, how many of its batches were never read.
    """

    def __init__(self):
        self.calls = 0
        self.left = []

    def generate(self, max_batches=None):
        self.calls += 1
        return self._empty() if self.calls % 2 else self._five()

    def _empty(self):
        yield from ()

    def _five(self):
        read = 0
        try:
            for _ in range(5):
                yield {"X": np.array([0])}
                read += 1
        finally:
            self.left.append(5 - read)


@pytest.mark.timeout(10)
@pytest.mark.parametrize("random_state", range(6))
def test_without_pruning_active_data_is_drained_before_the_end(random_state):
    # A seed that was empty once may not be empty later: the stream may end only when every
    # seed came up empty since the last batch *and* no active stream holds data any more.
    source = Alternating()
    stream = mux([source], None, 2, lam=None, prune_empty_seeds=False, random_state=random_state)
    n = len(list(stream))
    assert n == 5 * len(source.left) > 0
    assert source.left == [0] * len(source.left)


def test_huge_weights_do_not_overflow():
    ids = seed_ids(
        mux(infinite_pool(2), 400, 1, lam=1, pool_weights=[1e308, 1e308], random_state=0)
    )
    assert len(ids) == 400
    assert set(ids) == {0, 1}


@pytest.mark.parametrize("pool", [set, frozenset])
def test_unordered_pools_are_rejected(pool):
    with pytest.raises(TypeError, match="a set has no fixed order"):
        Mux(pool(infinite_pool(2)), 1)


def test_set_params_keeps_a_one_shot_pool_as_a_list():
    source = Mux(infinite_pool(2), 1)
    source.set_params(
        seed_pool=(Streamer(finite, i, 1) for i in range(3)), lam=None, with_replacement=False
    )
    assert isinstance(source.seed_pool, list)
    assert sorted(seed_ids(source)) == sorted(seed_ids(source)) == [0, 1, 2]
    with pytest.raises(RuntimeError, match="seed_pool is empty"):
        source.set_params(seed_pool=[])


def test_exhausted_seeds_with_replacement_restart():
    pool = [Streamer(finite, 0, 2), Streamer(finite, 1, 2)]
    batches = list(mux(pool, 200, 2, lam=None, random_state=0))
    assert len(batches) == 200
    for batch in batches:
        assert int(batch["pos"][0]) in (0, 1)


def test_k_larger_than_pool_without_replacement():
    pool = [Streamer(finite, i, 3) for i in range(2)]
    ids = seed_ids(mux(pool, None, 10, lam=None, with_replacement=False, random_state=0))
    assert sorted(ids) == [0, 0, 0, 1, 1, 1]


@pytest.mark.parametrize("n_samples", [0, 1, 17])
def test_n_samples_bounds_and_closes_seeds(n_samples):
    log = Log()
    pool = [Streamer(log.seed, i) for i in range(3)]
    assert len(list(mux(pool, n_samples, 2, lam=4, random_state=0))) == n_samples
    assert log.events.count(("start", 0)) + log.events.count(("start", 1)) + log.events.count(
        ("start", 2)
    ) == sum(kind == "stop" for kind, _ in log.events)


def test_early_break_closes_active_seeds():
    log = Log()
    pool = [Streamer(log.seed, i) for i in range(5)]
    stream = mux(pool, None, 3, lam=None, random_state=0)
    for _ in zip(stream, range(10)):
        pass
    stream.close()
    assert sum(kind == "start" for kind, _ in log.events) == 3
    assert sum(kind == "stop" for kind, _ in log.events) == 3


def test_seed_errors_propagate_and_close_the_others():
    log = Log()

    def broken():
        yield {"X": np.array([9])}
        raise OSError("disk on fire")

    pool = [Streamer(log.seed, 0), Streamer(broken)]
    with pytest.raises(OSError, match="disk on fire"):
        list(mux(pool, 1000, 2, lam=None, with_replacement=False, random_state=0))
    assert log.events == [("start", 0), ("stop", 0)]


# -- randomness ---------------------------------------------------------------------------------
def test_int_random_state_reproducible_and_epochs_differ():
    first = Mux(infinite_pool(5), 2, lam=3, random_state=7)
    second = Mux(infinite_pool(5), 2, lam=3, random_state=7)
    epochs_first = [seed_ids(first.generate(200)) for _ in range(3)]
    epochs_second = [seed_ids(second.generate(200)) for _ in range(3)]
    assert epochs_first == epochs_second
    assert epochs_first[0] != epochs_first[1] != epochs_first[2]


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_int_random_state_identical_across_processes():
    code = (
        f"import numpy as np, sys; sys.path.insert(0, {str(Path(__file__).parent)!r});"
        "from test_mux import infinite_pool, seed_ids; from sklearn_stream import Mux;"
        "m = Mux(infinite_pool(5), 2, lam=3, random_state=11);"
        "print([seed_ids(m.generate(50)) for _ in range(2)])"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    here = Mux(infinite_pool(5), 2, lam=3, random_state=11)
    expected = str([seed_ids(here.generate(50)) for _ in range(2)])
    assert runs[0].stdout.strip() == runs[1].stdout.strip() == expected


@pytest.mark.parametrize(
    "make_state",
    [
        lambda: None,
        lambda: np.int64(3),
        lambda: np.random.RandomState(3),
        lambda: np.random.default_rng(3),
    ],
    ids=["none", "numpy-int", "RandomState", "Generator"],
)
def test_random_state_kinds_are_accepted(make_state):
    ids = seed_ids(mux(infinite_pool(3), 300, 2, lam=2, random_state=make_state()))
    assert len(ids) == 300
    assert set(ids) <= {0, 1, 2}


def test_random_state_objects_give_reproducible_sequences():
    a = Mux(infinite_pool(4), 2, lam=2, random_state=np.random.RandomState(9))
    b = Mux(infinite_pool(4), 2, lam=2, random_state=np.random.RandomState(9))
    assert [seed_ids(a.generate(100)) for _ in range(2)] == [
        seed_ids(b.generate(100)) for _ in range(2)
    ]


# -- Mux as a data source -----------------------------------------------------------------------
def test_mux_is_a_streamer_and_nests():
    inner = Mux(
        [Streamer(finite, i, 4) for i in range(2)],
        1,
        lam=None,
        with_replacement=False,
        random_state=0,
    )
    outer = Mux(
        [inner, Streamer(finite, 9, 4)], 2, lam=None, with_replacement=False, random_state=0
    )
    assert isinstance(outer, DataSource)
    assert sorted(seed_ids(outer)) == [0] * 4 + [1] * 4 + [9] * 4
    assert sorted(seed_ids(Streamer(outer))) == sorted(seed_ids(outer))
    assert len(seed_ids(outer.cycle(max_iter=30))) == 30


def test_mux_pickles_and_clones():
    source = Mux(
        [Streamer(finite, i, 3) for i in range(3)],
        2,
        lam=2.0,
        pool_weights=np.array([1.0, 2.0, 3.0]),
        random_state=42,
    )
    restored = pickle.loads(pickle.dumps(source))
    copy = clone(source)
    assert seed_ids(restored.generate(50)) == seed_ids(source.generate(50))
    assert seed_ids(copy.generate(50)) == seed_ids(Mux(**{**source.get_params()}).generate(50))
    assert copy.pool_weights is not source.pool_weights
    assert copy.seed_pool[0] is not source.seed_pool[0]
    copy.set_params(k=1)
    assert source.k == 2


def test_mux_params():
    pool = infinite_pool(2)
    source = Mux(pool, 2, lam=4)
    params = source.get_params()
    assert params["seed_pool"] is pool
    assert params["k"] == 2
    assert params["lam"] == 4
    assert params["random_state"] is None
    assert source.set_params(lam=None, random_state=1) is source
    assert source.lam is None
    with pytest.raises(ValueError, match="k must be"):
        source.set_params(k=0)
    assert source.k == 2  # unchanged after a rejected set_params
    with pytest.raises(ValueError, match="invalid parameter"):
        source.set_params(sigma=1.0)


def test_mux_repr():
    source = Mux(infinite_pool(4), 2, lam=16, random_state=0)
    assert repr(source) == "Mux(seed_pool=[4 data sources], k=2, lam=16, random_state=0)"


def test_seed_pool_from_a_generator_expression_is_kept():
    source = Mux((Streamer(finite, i, 2) for i in range(3)), 1, lam=None, with_replacement=False)
    assert sorted(seed_ids(source)) == sorted(seed_ids(source)) == [0, 0, 1, 1, 2, 2]


# -- properties ---------------------------------------------------------------------------------
pool_spec = st.lists(st.integers(0, 8), min_size=1, max_size=8)


@given(
    lengths=pool_spec,
    k=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
    weights=st.lists(st.integers(1, 5), min_size=8, max_size=8),
    prune=st.booleans(),
)
def test_property_exhaustive_mux_yields_every_sample_once(lengths, k, seed, weights, prune):
    pool = [Streamer(finite, i, n) for i, n in enumerate(lengths)]
    batches = list(
        mux(
            pool,
            None,
            k,
            lam=None,
            with_replacement=False,
            prune_empty_seeds=prune,
            pool_weights=weights[: len(lengths)],
            random_state=seed,
        )
    )
    got = sorted((int(b["X"][0]), int(b["pos"][0])) for b in batches)
    assert got == [(i, p) for i, n in enumerate(lengths) for p in range(n)]


@given(
    lengths=pool_spec,
    k=st.integers(1, 5),
    lam=st.floats(0.5, 8.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_without_replacement_never_duplicates(lengths, k, lam, seed):
    pool = [Streamer(finite, i, n) for i, n in enumerate(lengths)]
    batches = list(mux(pool, None, k, lam=lam, with_replacement=False, random_state=seed))
    got = [(int(b["X"][0]), int(b["pos"][0])) for b in batches]
    assert len(got) == len(set(got))
    for i, n in enumerate(lengths):
        positions = [p for s, p in got if s == i]
        assert positions == list(range(len(positions)))
        assert len(positions) <= n


@given(
    n_seeds=st.integers(1, 6),
    k=st.integers(1, 4),
    n_samples=st.integers(0, 300),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_n_samples_is_exact_for_infinite_seeds(n_samples, n_seeds, k, seed):
    stream = mux(infinite_pool(n_seeds), n_samples, k, lam=3, random_state=seed)
    assert len(seed_ids(stream)) == n_samples


def test_mux_function_is_mux_generate():
    make = functools.partial(Mux, infinite_pool(3), 2, lam=3, random_state=21)
    assert seed_ids(mux(infinite_pool(3), 100, 2, lam=3, random_state=21)) == seed_ids(
        make().generate(100)
    )
