"""Tests for pescador 3's muxes (ShuffledMux, RoundRobinMux, ChainMux) and Mux's ``dist``."""

import gc
import pickle
import subprocess
import sys
from collections import Counter
from itertools import islice
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binom, chisquare, poisson
from sklearn.base import clone
from sklearn.linear_model import SGDRegressor

from sklearn_stream import ChainMux, Mux, RoundRobinMux, ShuffledMux, Streamer, mux
from sklearn_stream.core import DataSource
from sklearn_stream.exceptions import EmptyPoolError, EmptyStreamError
from sklearn_stream.learner import StreamLearner
from tests.data.test_mux import Log, constant, finite


# -- seeds (also constant: endless; finite: n batches tagged (stream id, position)) ----------
def broken():
    yield {"X": np.array([9]), "pos": np.array([0])}
    raise OSError("disk on fire")


class Held:
    """A data source of ``log.seed`` streams that ``log`` keeps referenced, so that only an
    explicit ``close()`` (not their garbage collection) runs their ``finally:`` blocks."""

    def __init__(self, log, stream_id, n=None):
        self.log, self.stream_id, self.n = log, stream_id, n

    def generate(self, max_batches=None):
        stream = self.log.seed(self.stream_id, self.n)
        self.log.held.append(stream)
        return stream


class Runs:
    """Endless seeds that record how many batches each of their streams yielded."""

    def __init__(self):
        self.lengths = []

    def seed(self, stream_id):
        n = 0
        try:
            while True:
                n += 1
                yield {"X": np.array([stream_id])}
        finally:
            self.lengths.append(n)


def ids(stream):
    return [int(batch["X"][0]) for batch in stream]


def keys(stream):
    return [(int(batch["X"][0]), int(batch["pos"][0])) for batch in stream]


def endless_pool(n):
    return [Streamer(constant, i) for i in range(n)]


def finite_pool(lengths):
    return [Streamer(finite, i, n) for i, n in enumerate(lengths)]


def every_batch(lengths):
    return sorted((i, p) for i, n in enumerate(lengths) for p in range(n))


def round_robin_order(lengths):
    return [(i, r) for r in range(max(lengths, default=0)) for i, n in enumerate(lengths) if r < n]


def chain_order(lengths):
    return [(i, p) for i, n in enumerate(lengths) for p in range(n)]


def assert_each_stream_in_order(got):
    for stream_id in {i for i, _ in got}:
        positions = [p for i, p in got if i == stream_id]
        assert positions == list(range(len(positions)))


def assert_fits(values, support, pmf):
    """A chi-square test of ``values`` against ``pmf`` (on ``support``); values whose
    expected count is below 5 share one bin with everything outside ``support``."""
    values = np.asarray(values)
    n = len(values)
    expected = n * np.asarray(pmf)
    big = expected >= 5
    observed = np.array([np.sum(values == x) for x in np.asarray(support)[big]])
    observed = np.append(observed, n - observed.sum())
    expected = np.append(expected[big], n - expected[big].sum())
    if expected[-1] < 1e-6:
        assert observed[-1] == 0
        observed, expected = observed[:-1], expected[:-1]
    assert chisquare(observed, expected).pvalue > 1e-3


# -- validation ---------------------------------------------------------------------------------
NEW_MUXES = [ShuffledMux, RoundRobinMux, ChainMux]


@pytest.mark.parametrize("make", NEW_MUXES)
@pytest.mark.parametrize(
    ("streamers", "error", "match"),
    [
        ([], EmptyPoolError, "streamers is empty"),
        ((), EmptyPoolError, "streamers is empty"),
        (iter([]), EmptyPoolError, "streamers is empty"),
        ([constant(1)], TypeError, r"streamers\[0\] is a generator.*runs only once.*Streamer\("),
        ([Streamer(constant, 1), [{"X": [1]}]], TypeError, r"streamers\[1\] is a list.*Wrap it"),
        ([Streamer(constant, 1), 5], TypeError, r"streamers\[1\] is a int"),
        (Streamer(constant, 1), TypeError, "streamers must be a list of data sources"),
        (7, TypeError, "streamers must be a list of data sources"),
        ({Streamer(constant, 1)}, TypeError, "streamers must be a list.*a set has no fixed"),
    ],
    ids=[
        "empty",
        "empty-tuple",
        "empty-iterator",
        "generator",
        "list-of-batches",
        "int",
        "single-source",
        "int-pool",
        "set",
    ],
)
def test_streamers_must_be_a_list_of_data_sources(make, streamers, error, match):
    with pytest.raises(error, match=match):
        make(streamers)


def test_an_empty_pool_is_a_runtime_error():
    assert issubclass(EmptyPoolError, RuntimeError)


def endless_batches():
    """A stream of batches (not a data source) that never ends."""
    while True:
        yield {"X": np.zeros(3)}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("make", [*NEW_MUXES, lambda pool: Mux(pool, 1)])
def test_a_stream_of_batches_given_as_the_pool_is_refused_at_its_first_batch(make):
    with pytest.raises(TypeError, match=r"\[0\] is a dict.*looks like a stream of batches"):
        make(endless_batches())  # read up to its first item, not for ever
    given = iter([{"X": np.zeros(1)}, {"X": np.ones(1)}])
    with pytest.raises(TypeError, match="looks like a stream of batches"):
        make(given)
    assert len(list(given)) == 1  # the message says it was read up to that item


def test_a_foreign_object_is_named_with_its_module():
    from fractions import Fraction

    with pytest.raises(TypeError, match=r"streamers\[0\] is a fractions.Fraction, not a data"):
        ShuffledMux([Fraction(1, 2)])


@pytest.mark.parametrize("dist", ["poisson", "binomial", "constant"])
def test_a_lam_numpy_cannot_draw_is_refused_at_the_call(dist):
    Mux(endless_pool(3), 2, lam=1e15, dist=dist)  # the largest accepted
    with pytest.raises(ValueError, match=r"lam must be at most 1e\+15.*got 1e\+19.*lam=None"):
        Mux(endless_pool(3), 2, lam=1e19, dist=dist)


def test_the_repr_counts_the_streams():
    assert repr(ShuffledMux(endless_pool(1))) == "ShuffledMux(streamers=[1 data source])"
    assert repr(ChainMux(endless_pool(2))).startswith("ChainMux(streamers=[2 data sources]")


@pytest.mark.parametrize(
    ("make", "kwargs", "error", "match"),
    [
        (
            ShuffledMux,
            {"weights": [1, 2]},
            ValueError,
            r"weights must have one weight per stream \(3\)",
        ),
        (ShuffledMux, {"weights": [[1, 1, 1]]}, ValueError, "weights must have one weight per"),
        (ShuffledMux, {"weights": [1, -1, 1]}, ValueError, "weights must be non-negative"),
        (ShuffledMux, {"weights": [1, np.inf, 1]}, ValueError, "weights must be finite"),
        (
            ShuffledMux,
            {"weights": [0, 0, 0]},
            ValueError,
            "weights must have at least one positive",
        ),
        (ShuffledMux, {"weights": ["a", "b", "c"]}, TypeError, "weights must be None or a 1-d"),
        (ShuffledMux, {"weights": ["1", "2", "3"]}, TypeError, "3 real numbers; got \\['1'"),
        (ShuffledMux, {"weights": [True, False, True]}, TypeError, "3 real numbers; got \\[True"),
        (ShuffledMux, {"weights": [1j, 1, 1]}, TypeError, "weights must be None or a 1-d"),
        (ShuffledMux, {"random_state": "seed"}, TypeError, "random_state must be"),
        (ShuffledMux, {"random_state": -1}, ValueError, "random_state must be a non-negative"),
        (
            RoundRobinMux,
            {"mode": "shuffle"},
            ValueError,
            "mode must be one of 'exhaustive', 'cycle', 'permuted_cycle'; got 'shuffle'",
        ),
        (RoundRobinMux, {"mode": 1}, TypeError, "mode must be one of .* of type int"),
        (RoundRobinMux, {"random_state": 1.5}, TypeError, "random_state must be"),
        (
            ChainMux,
            {"mode": "permuted_cycle"},
            ValueError,
            "mode must be one of 'exhaustive', 'cycle'; got 'permuted_cycle'",
        ),
        (ChainMux, {"mode": None}, TypeError, "mode must be one of"),
        (ChainMux, {"random_state": -2}, ValueError, "random_state must be a non-negative"),
    ],
)
def test_bad_parameters_are_named(make, kwargs, error, match):
    with pytest.raises(error, match=match):
        make(endless_pool(3), **kwargs)
    source = make(endless_pool(3))
    before = source.get_params(deep=False)
    with pytest.raises(error, match=match):
        source.set_params(**kwargs)
    assert source.get_params(deep=False) == before  # nothing changed


@pytest.mark.parametrize(
    ("dist", "error", "match"),
    [
        (
            "gamma",
            ValueError,
            "dist must be one of 'poisson', 'binomial', 'constant'; got 'gamma'",
        ),
        (None, TypeError, "dist must be one of .* of type NoneType"),
        ("Poisson", ValueError, "dist must be one of"),
    ],
)
def test_bad_dist_is_named(dist, error, match):
    with pytest.raises(error, match=match):
        Mux(endless_pool(2), 1, dist=dist)
    with pytest.raises(error, match=match):
        mux(endless_pool(2), 10, 1, dist=dist)


def test_unknown_parameters_are_rejected():
    with pytest.raises(ValueError, match="invalid parameter"):
        ShuffledMux(endless_pool(2)).set_params(lam=3)


# -- ShuffledMux --------------------------------------------------------------------------------
@given(
    lengths=st.lists(st.integers(0, 8), min_size=1, max_size=8),
    weights=st.lists(
        st.one_of(st.just(0.0), st.floats(0.01, 100.0)), min_size=8, max_size=8
    ).filter(any),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_shuffled_mux_yields_every_batch_once(lengths, weights, seed):
    weights = weights[: len(lengths)]
    if not any(weights):
        weights[0] = 1.0
    source = ShuffledMux(finite_pool(lengths), weights=weights, random_state=seed)
    got = keys(source.generate())
    used = [n if w > 0 else 0 for n, w in zip(lengths, weights)]  # weight 0: never drawn
    assert sorted(got) == every_batch(used)
    assert_each_stream_in_order(got)


def test_shuffled_mux_without_weights_yields_every_batch_once():
    lengths = [5, 0, 3, 7, 1]
    got = keys(ShuffledMux(finite_pool(lengths), random_state=0).generate())
    assert sorted(got) == every_batch(lengths)
    assert got != chain_order(lengths) and got != round_robin_order(lengths)


def test_shuffled_mux_shares_follow_the_weights():
    weights = [1, 2, 3, 4]
    n = 40_000
    got = ids(ShuffledMux(endless_pool(4), weights=weights, random_state=12345).generate(n))
    counts = np.bincount(got, minlength=4)
    expected = n * np.asarray(weights) / sum(weights)
    assert chisquare(counts, expected).pvalue > 1e-3
    np.testing.assert_allclose(counts / n, np.asarray(weights) / 10, atol=0.01)


def test_shuffled_mux_keeps_proportions_among_the_streams_still_running():
    # Stream 0 (finite, heavy) ends early; streams 1 and 2 must then go on in ratio 1:3.
    pool = [Streamer(finite, 0, 300), Streamer(finite, 1, 10**6), Streamer(finite, 2, 10**6)]
    got = ids(ShuffledMux(pool, weights=[6, 1, 3], random_state=7).generate(40_000))
    last = max(i for i, value in enumerate(got) if value == 0)
    tail = np.bincount(got[last + 1 :], minlength=3)
    assert tail[0] == 0
    assert chisquare(tail[1:], tail[1:].sum() * np.array([0.25, 0.75])).pvalue > 1e-3


def test_shuffled_mux_with_many_fading_weights_yields_every_batch_once():
    lengths = [3] * 40
    weights = 2.0 ** -np.arange(40)  # each stream retired forces a rebuild of the draws
    got = keys(ShuffledMux(finite_pool(lengths), weights=weights, random_state=1).generate())
    assert sorted(got) == every_batch(lengths)
    assert_each_stream_in_order(got)


def test_shuffled_mux_never_starts_a_stream_of_weight_zero():
    log = Log()
    pool = [Streamer(log.seed, i, 3) for i in range(3)]
    got = ids(ShuffledMux(pool, weights=[1, 0, 2], random_state=0).generate())
    assert sorted(got) == [0, 0, 0, 2, 2, 2]
    assert log.starts() == Counter({0: 1, 2: 1}) == log.stops()


def test_shuffled_mux_weights_are_never_modified():
    weights = np.array([1, 3], dtype=np.int64)
    float_weights = np.array([2.0, 6.0])
    source = ShuffledMux(endless_pool(2), weights=weights, random_state=1)
    same = ShuffledMux(endless_pool(2), weights=float_weights, random_state=1)
    assert ids(source.generate(2000)) == ids(same.generate(2000))
    assert source.weights is weights
    np.testing.assert_array_equal(weights, [1, 3])
    np.testing.assert_array_equal(float_weights, [2.0, 6.0])


# -- RoundRobinMux ------------------------------------------------------------------------------
def test_round_robin_takes_one_batch_from_each_stream_in_turn():
    lengths = [2, 3, 0, 1]
    got = keys(RoundRobinMux(finite_pool(lengths)).generate())
    assert got == [(0, 0), (1, 0), (3, 0), (0, 1), (1, 1), (1, 2)]


@given(lengths=st.lists(st.integers(0, 8), min_size=1, max_size=8))
def test_property_round_robin_exhaustive_yields_every_batch_once_in_turn(lengths):
    got = keys(RoundRobinMux(finite_pool(lengths), mode="exhaustive").generate())
    assert got == round_robin_order(lengths)
    assert sorted(got) == every_batch(lengths)


def test_round_robin_cycle_restarts_the_streams_once_all_are_exhausted():
    log = Log()
    pool = [Streamer(log.seed, 0, 1), Streamer(log.seed, 1, 2)]
    got = keys(RoundRobinMux(pool, mode="cycle").generate(max_batches=9))
    assert got == [(0, 0), (1, 0), (1, 1)] * 3
    assert log.starts() == Counter({0: 3, 1: 3}) == log.stops()


def test_permuted_cycle_passes_are_permutations_that_differ():
    n, n_passes = 5, 40
    source = RoundRobinMux(finite_pool([2] * n), mode="permuted_cycle", random_state=3)
    got = keys(source.generate(max_batches=2 * n * n_passes))
    orders = []
    for p in range(n_passes):
        one_pass = got[2 * n * p : 2 * n * (p + 1)]
        order = [i for i, _ in one_pass[:n]]
        assert sorted(order) == list(range(n))
        assert one_pass == [(i, 0) for i in order] + [(i, 1) for i in order]
        orders.append(tuple(order))
    assert len(set(orders)) > n_passes // 2


def test_permuted_cycle_shuffles_the_first_pass_too_and_uniformly():
    firsts = []
    source = RoundRobinMux(finite_pool([1] * 4), mode="permuted_cycle", random_state=0)
    for _ in range(4):  # four epochs of 1000 passes, each pass one batch per stream
        got = keys(source.generate(max_batches=4 * 1000))
        firsts += [got[4 * p][0] for p in range(1000)]
    counts = np.bincount(firsts, minlength=4)
    assert chisquare(counts).pvalue > 1e-3  # each stream first in a quarter of the passes
    epochs = {
        tuple(ids(RoundRobinMux(finite_pool([1] * 4), "permuted_cycle", r).generate(4)))
        for r in range(10)
    }
    assert len(epochs) > 1  # the first pass is not always in the given order


def test_round_robin_modes_that_draw_nothing_need_no_random_state():
    a = ids(RoundRobinMux(finite_pool([2, 2]), mode="cycle").generate(8))
    b = ids(RoundRobinMux(finite_pool([2, 2]), mode="cycle", random_state=5).generate(8))
    assert a == b == [0, 1, 0, 1, 0, 1, 0, 1]


# -- ChainMux -----------------------------------------------------------------------------------
@given(lengths=st.lists(st.integers(0, 8), min_size=1, max_size=8))
def test_property_chain_exhaustive_yields_every_batch_once_in_order(lengths):
    got = keys(ChainMux(finite_pool(lengths)).generate())
    assert got == chain_order(lengths)


def test_chain_opens_one_stream_at_a_time():
    log = Log()
    pool = [Streamer(log.seed, i, 2) for i in range(3)]
    assert ids(ChainMux(pool).generate()) == [0, 0, 1, 1, 2, 2]
    assert log.events == [(kind, i) for i in range(3) for kind in ("start", "stop")]


def test_chain_cycle_restarts_from_the_first_stream():
    got = keys(ChainMux(finite_pool([2, 0, 1]), mode="cycle").generate(max_batches=7))
    assert got == [(0, 0), (0, 1), (2, 0)] * 2 + [(0, 0)]


def test_chain_accepts_a_generator_of_streamers_and_keeps_it():
    source = ChainMux(Streamer(finite, i, 2) for i in range(3))
    assert isinstance(source.streamers, list)
    assert keys(source.generate()) == keys(source.generate()) == chain_order([2, 2, 2])


# -- endless modes and empty streams ------------------------------------------------------------
ENDLESS = [
    lambda pool: RoundRobinMux(pool, mode="cycle"),
    lambda pool: RoundRobinMux(pool, mode="permuted_cycle", random_state=0),
    lambda pool: ChainMux(pool, mode="cycle"),
]
ENDLESS_IDS = ["round-robin-cycle", "permuted-cycle", "chain-cycle"]


@pytest.mark.timeout(10)
@pytest.mark.parametrize("make", ENDLESS, ids=ENDLESS_IDS)
def test_endless_modes_over_empty_streams_raise_instead_of_spinning(make):
    source = make([Streamer([]), Streamer([])])
    with pytest.raises(EmptyStreamError, match="yielded no batch.*cannot repeat"):
        next(iter(source.generate()))


@pytest.mark.parametrize("make", ENDLESS, ids=ENDLESS_IDS)
def test_endless_modes_skip_empty_streams_among_others(make):
    got = ids(make([Streamer([]), Streamer(finite, 1, 2), Streamer([])]).generate(10))
    assert got == [1] * 10


@pytest.mark.parametrize(
    "make",
    [ShuffledMux, RoundRobinMux, ChainMux],
)
def test_exhaustive_modes_over_empty_streams_end_at_once(make):
    assert list(make([Streamer([]), Streamer([])]).generate()) == []


# -- Mux(dist=...) ------------------------------------------------------------------------------
def completed_runs(source, n_batches, runs):
    """The lengths of the activations that ended within the first ``n_batches``."""
    stream = source.generate()
    for _ in islice(stream, n_batches):
        pass
    lengths = list(runs.lengths)
    stream.close()
    return lengths


def runs_pool(runs, n):
    return [Streamer(runs.seed, i) for i in range(n)]


@pytest.mark.parametrize("k", [1, 3])
def test_poisson_lifetimes_are_one_plus_poisson(k):
    runs = Runs()
    source = Mux(runs_pool(runs, 4), k, lam=3.0, dist="poisson", random_state=0)
    lengths = completed_runs(source, 12_000, runs)
    support = np.arange(1, 20)
    assert_fits(lengths, support, poisson.pmf(support - 1, 3.0))


@pytest.mark.parametrize(
    ("k", "lam", "trials", "success"),
    [
        (4, 6.0, [8], 0.75),  # lam / (1 - 1/4) = 8 trials exactly
        (3, 5.0, [7, 8], 2 / 3),  # 7.5 trials: 7 or 8, half of the time each
    ],
)
def test_binomial_lifetimes_follow_pescador_3(k, lam, trials, success):
    runs = Runs()
    source = Mux(runs_pool(runs, 6), k, lam=lam, dist="binomial", random_state=1)
    lengths = completed_runs(source, 20_000, runs)
    support = np.arange(1, 12)
    pmf = np.mean([binom.pmf(support - 1, n, success) for n in trials], axis=0)
    assert_fits(lengths, support, pmf)
    assert abs(np.mean(lengths) - (1 + lam)) < 0.1


def test_binomial_lifetimes_with_one_active_seed_are_poisson():
    runs = Runs()
    source = Mux(runs_pool(runs, 3), 1, lam=2.0, dist="binomial", random_state=2)
    lengths = completed_runs(source, 9_000, runs)
    support = np.arange(1, 15)
    assert_fits(lengths, support, poisson.pmf(support - 1, 2.0))


@pytest.mark.parametrize(
    ("lam", "lifetime"), [(3, 4), (3.0, 4), (2.5, 4), (3.49, 4), (0.2, 1), (1, 2)]
)
@pytest.mark.parametrize("k", [1, 2])
def test_constant_lifetimes_are_one_plus_lam_rounded(lam, lifetime, k):
    runs = Runs()
    source = Mux(runs_pool(runs, 3), k, lam=lam, dist="constant", random_state=0)
    lengths = completed_runs(source, 600, runs)
    assert len(lengths) > 100
    assert set(lengths) == {lifetime}


@pytest.mark.parametrize("dist", ["poisson", "binomial", "constant"])
def test_lam_none_means_unbounded_lifetimes_whatever_the_dist(dist):
    log = Log()
    pool = [Streamer(log.seed, i) for i in range(4)]
    assert len(ids(mux(pool, 500, 2, lam=None, dist=dist, random_state=0))) == 500
    assert sum(log.starts().values()) == 2 == sum(log.stops().values())


@pytest.mark.parametrize("dist", ["poisson", "binomial", "constant"])
@pytest.mark.parametrize(
    ("weights", "k", "lam"),
    [([1, 2, 3, 4], 3, 8.0), ([5, 1, 0, 2, 2], 4, 4.0), ([1, 9], 1, 2.0)],
    ids=["graded", "zero-weight", "skewed-k1"],
)
def test_pool_weights_are_long_run_shares_for_every_dist(dist, weights, k, lam):
    n = 60_000
    source = Mux(
        endless_pool(len(weights)), k, lam=lam, dist=dist, pool_weights=weights, random_state=2024
    )
    counts = np.bincount(ids(source.generate(n)), minlength=len(weights))
    expected = np.asarray(weights, dtype=float) / np.sum(weights)
    positive = expected > 0
    assert counts[~positive].sum() == 0
    # Batches of one activation come together: thin the counts by the mean lifetime to
    # test an approximately independent sample.
    mean_lifetime = 1 + lam  # lam is a whole number here: the same for every dist
    thinned = counts[positive] / mean_lifetime
    assert chisquare(thinned, thinned.sum() * expected[positive]).pvalue > 1e-3
    np.testing.assert_allclose(counts / n, expected, atol=0.02)


def test_the_default_dist_is_poisson_and_unchanged():
    default = Mux(endless_pool(3), 2, lam=3, random_state=9)
    poisson_ = Mux(endless_pool(3), 2, lam=3, dist="poisson", random_state=9)
    assert default.dist == "poisson"
    assert ids(default.generate(3000)) == ids(poisson_.generate(3000))
    assert repr(default) == "Mux(seed_pool=[3 data sources], k=2, lam=3, random_state=9)"
    assert "dist='binomial'" in repr(Mux(endless_pool(3), 2, dist="binomial"))


def test_mux_function_passes_dist_on():
    expected = ids(Mux(endless_pool(3), 2, lam=3, dist="constant", random_state=4).generate(50))
    assert ids(mux(endless_pool(3), 50, 2, lam=3, random_state=4, dist="constant")) == expected


@pytest.mark.parametrize("dist", ["poisson", "binomial", "constant"])
@given(
    lengths=st.lists(st.integers(0, 8), min_size=1, max_size=8),
    k=st.integers(1, 5),
    lam=st.floats(0.3, 8.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_without_replacement_never_duplicates_for_every_dist(dist, lengths, k, lam, seed):
    source = Mux(
        finite_pool(lengths), k, lam=lam, dist=dist, with_replacement=False, random_state=seed
    )
    got = keys(source.generate())
    assert len(got) == len(set(got))
    assert_each_stream_in_order(got)
    assert {i for i, _ in got} == {i for i, n in enumerate(lengths) if n}  # each started


# -- data-source behaviour, for every new mux -----------------------------------------------
FACTORIES = {
    "shuffled": lambda pool: ShuffledMux(
        pool, weights=np.arange(1.0, len(pool) + 1), random_state=42
    ),
    "round-robin": lambda pool: RoundRobinMux(pool, random_state=42),
    "permuted-cycle": lambda pool: RoundRobinMux(pool, "permuted_cycle", random_state=42),
    "chain-cycle": lambda pool: ChainMux(pool, mode="cycle", random_state=42),
    "mux-binomial": lambda pool: Mux(pool, 2, lam=2.0, dist="binomial", random_state=42),
    "mux-constant": lambda pool: Mux(pool, 2, lam=2.0, dist="constant", random_state=42),
}
RANDOM = ["shuffled", "permuted-cycle", "mux-binomial", "mux-constant"]


@pytest.fixture(params=sorted(FACTORIES))
def factory(request):
    return request.param, FACTORIES[request.param]


def test_pickles(factory):
    _, make = factory
    source = make(finite_pool([3, 4, 2]))
    restored = pickle.loads(pickle.dumps(source))
    assert keys(restored.generate(40)) == keys(source.generate(40))
    assert repr(restored) == repr(source)


def test_clones_are_equivalent_and_independent(factory):
    _, make = factory
    source = make(finite_pool([3, 4, 2]))
    twin = clone(source)
    assert keys(twin.generate(40)) == keys(make(finite_pool([3, 4, 2])).generate(40))
    pool_name = "seed_pool" if isinstance(source, Mux) else "streamers"
    assert getattr(twin, pool_name)[0] is not getattr(source, pool_name)[0]
    twin.set_params(random_state=7)
    assert source.random_state == 42


def test_int_random_state_is_reproducible_and_epochs_differ(factory):
    name, make = factory
    first, second = make(finite_pool([3, 4, 2, 5])), make(finite_pool([3, 4, 2, 5]))
    epochs = [keys(first.generate(40)) for _ in range(3)]
    assert epochs == [keys(second.generate(40)) for _ in range(3)]
    if name in RANDOM:
        assert epochs[0] != epochs[1] != epochs[2]


@pytest.mark.parametrize("name", ["shuffled", "permuted-cycle"])
def test_random_state_objects_give_reproducible_sequences(name):
    def run():
        source = FACTORIES[name](finite_pool([3, 4, 2]))
        source.set_params(random_state=np.random.RandomState(9))
        return [keys(source.generate(30)) for _ in range(2)]

    assert run() == run()


def two_epochs_of_random_muxes():
    sources = [FACTORIES[name](finite_pool([5, 4, 6])) for name in ("shuffled", "permuted-cycle")]
    return [[keys(source.generate(30)) for _ in range(2)] for source in sources]


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_int_random_state_is_identical_across_processes():
    script = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).parents[2])!r}); "
        "from tests.data.test_muxes import two_epochs_of_random_muxes as run; print(run())"
    )
    elsewhere = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert elsewhere.strip() == str(two_epochs_of_random_muxes())


def test_closing_early_runs_every_finally(factory):
    _, make = factory
    log = Log()
    stream = make([Held(log, i, 50) for i in range(4)]).generate()
    for _ in range(7):
        next(stream)
    stream.close()
    assert log.starts() and log.starts() == log.stops()


def test_a_dropped_stream_runs_every_finally(factory):
    _, make = factory
    log = Log()
    source = make([Held(log, i, 50) for i in range(4)])
    for _ in source.generate():
        break
    gc.collect()
    assert log.starts() and log.starts() == log.stops()
    for _ in zip(source.generate(max_batches=20), range(5)):
        pass
    gc.collect()
    assert log.starts() == log.stops()


def test_a_stream_error_propagates_and_closes_the_others(factory):
    _, make = factory
    log = Log()
    pool = [Held(log, 0, 3), Streamer(broken), Held(log, 2, 10**6)]
    with pytest.raises(OSError, match="disk on fire"):
        list(make(pool).generate(max_batches=10**5))
    assert log.starts() == log.stops()


class FailsToClose:
    """A data source whose streams raise when they are closed."""

    def generate(self, max_batches=None):
        return self._stream()

    def _stream(self):
        try:
            while True:
                yield {"X": np.array([7]), "pos": np.array([0])}
        finally:
            raise RuntimeError("cannot close")


@pytest.mark.parametrize(
    "make",
    [
        lambda pool: ShuffledMux(pool, random_state=0),
        lambda pool: RoundRobinMux(pool),
        lambda pool: Mux(pool, 3, lam=None, with_replacement=False, random_state=0),
    ],
    ids=["shuffled", "round-robin", "mux"],
)
def test_a_stream_that_fails_to_close_does_not_keep_the_others_open(make):
    log = Log()
    stream = make([Held(log, 0), FailsToClose(), Held(log, 2)]).generate()
    for _ in range(30):
        next(stream)
    with pytest.raises(RuntimeError, match="cannot close"):
        stream.close()
    assert log.starts() == log.stops() == Counter({0: 1, 2: 1})


def test_muxes_are_data_sources_and_nest():
    inner = [
        ShuffledMux(finite_pool([3, 2]), random_state=0),
        RoundRobinMux([Streamer(finite, 2, 2), Streamer(finite, 3, 1)]),
        ChainMux([Streamer(finite, 4, 2), Streamer(finite, 5, 0)]),
    ]
    outer = ChainMux(
        [
            RoundRobinMux(inner[:2], mode="exhaustive"),
            Mux([inner[2]], 1, lam=None, with_replacement=False, random_state=0),
        ]
    )
    assert all(isinstance(source, DataSource) for source in [*inner, outer])
    expected = every_batch([3, 2, 2, 1, 2, 0])
    assert sorted(keys(outer.generate())) == expected
    assert sorted(keys(Streamer(outer))) == expected
    again = ShuffledMux([outer, ChainMux(finite_pool([0, 0, 0, 0, 0, 0, 1]))], random_state=3)
    assert sorted(keys(again.generate())) == sorted([*expected, (6, 0)])
    assert len(keys(outer.cycle(max_iter=30))) == 30
    assert clone(outer).get_params(deep=False).keys() == outer.get_params(deep=False).keys()


def test_nested_parameters_can_be_searched_through_a_learner():
    source = ShuffledMux(endless_pool(2), weights=[1, 1], random_state=0)
    learner = StreamLearner(SGDRegressor(), 10, stream=source)
    assert learner.get_params()["stream__weights"] == [1, 1]
    learner.set_params(stream__weights=[1, 3], stream__random_state=5)
    assert source.weights == [1, 3] and source.random_state == 5
    assert clone(learner).get_params()["stream__weights"] == [1, 3]
    with pytest.raises(ValueError, match="weights must have one weight per stream"):
        learner.set_params(stream__weights=[1])
    assert source.weights == [1, 3]
    rr = StreamLearner(SGDRegressor(), 10, stream=RoundRobinMux(endless_pool(2)))
    assert rr.set_params(stream__mode="permuted_cycle").stream.mode == "permuted_cycle"


@pytest.mark.parametrize(
    ("source", "text"),
    [
        (
            ShuffledMux(endless_pool(3), weights=[1, 2, 3], random_state=0),
            "ShuffledMux(streamers=[3 data sources], weights=[1, 2, 3], random_state=0)",
        ),
        (RoundRobinMux(endless_pool(2)), "RoundRobinMux(streamers=[2 data sources])"),
        (
            ChainMux(endless_pool(2), mode="cycle"),
            "ChainMux(streamers=[2 data sources], mode='cycle')",
        ),
    ],
)
def test_repr_shows_the_parameters_that_differ_from_their_defaults(source, text):
    assert repr(source) == text


def test_each_epoch_restarts_every_stream():
    log = Log()
    pool = [Streamer(log.seed, i, 2) for i in range(3)]
    for make in (ShuffledMux, RoundRobinMux, ChainMux):
        for _ in range(2):
            assert sorted(keys(make(pool).generate())) == every_batch([2, 2, 2])
    assert log.starts() == Counter({0: 6, 1: 6, 2: 6}) == log.stops()
