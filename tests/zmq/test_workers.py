"""Several workers: each has its own random stream, a Mux without replacement is split so
no seed is used twice, and seeded runs are reproducible."""

import random
from collections import Counter

import numpy as np
import pytest

from sklearn_stream import Mux, Streamer
from sklearn_stream._zmq.replicas import worker_sources
from sklearn_stream.core import DataSource
from sklearn_stream.zmq_stream import zmq_stream

pytestmark = pytest.mark.timeout(60)


def draws(n, random_state=None):
    rng = np.random.default_rng(random_state)
    for _ in range(n):
        yield {"X": rng.integers(0, 2**62, size=2)}


def global_draws(n):
    for _ in range(n):
        yield {"X": np.array([np.random.randint(0, 2**62), random.getrandbits(62)])}  # noqa: NPY002


def fixed(n):
    for i in range(n):
        yield {"X": np.array([i, i])}


def keys(stream):
    return Counter(tuple(int(v) for v in batch["X"]) for batch in stream)


@pytest.mark.parametrize("source", [Streamer(draws, 30), Streamer(global_draws, 30)])
@pytest.mark.parametrize("random_state", [None, 0])
def test_workers_never_draw_the_same_samples(source, random_state):
    got = keys(zmq_stream(source, n_workers=3, random_state=random_state))
    assert sum(got.values()) == 90
    assert max(got.values()) == 1


def test_a_seeded_source_with_several_workers_does_not_repeat_itself():
    got = keys(zmq_stream(Streamer(draws, 20, random_state=5), n_workers=2))
    assert sum(got.values()) == 40 and max(got.values()) == 1


@pytest.mark.parametrize("n_workers", [1, 3])
def test_an_int_random_state_makes_the_samples_reproducible(n_workers):
    def run():
        return keys(zmq_stream(Streamer(draws, 10), n_workers=n_workers, random_state=7))

    first = run()
    assert run() == first
    other = keys(zmq_stream(Streamer(draws, 10), n_workers=n_workers, random_state=8))
    assert other != first


def test_one_worker_without_random_state_runs_the_source_unchanged():
    source = Streamer(draws, 10, random_state=3)
    assert keys(zmq_stream(source)) == keys(source.generate())


def test_a_deterministic_source_is_repeated_once_per_worker():
    got = keys(zmq_stream(Streamer(fixed, 5), n_workers=3))
    assert got == Counter({(i, i): 3 for i in range(5)})


def constant(value, n):
    for i in range(n):
        yield {"X": np.array([value, i])}


def seed_pool(n_seeds, n_batches=4):
    return [Streamer(constant, v, n_batches) for v in range(n_seeds)]


@pytest.mark.parametrize("n_workers", [1, 2, 3, 7, 12])
@pytest.mark.parametrize("lam", [None, 1.0])
def test_a_mux_without_replacement_is_split_so_each_seed_is_used_once(n_workers, lam):
    mux = Mux(seed_pool(7), k=2, lam=lam, with_replacement=False, random_state=0)
    got = keys(zmq_stream(mux, n_workers=n_workers))
    in_process = keys(mux.generate())  # each seed activated once: its first 1 + Poisson(lam)
    if lam is None:
        assert got == in_process == Counter({(v, i): 1 for v in range(7) for i in range(4)})
    else:
        assert max(got.values()) == 1
        assert {v for v, i in got if i == 0} == set(range(7))  # every seed started once
        assert all((v, i - 1) in got for v, i in got if i > 0)  # each from its beginning


def test_split_shares_keep_their_weights_and_drop_zero_weight_seeds():
    mux = Mux(
        seed_pool(6),
        k=1,
        lam=None,
        with_replacement=False,
        pool_weights=[1, 0, 2, 3, 0, 4],
        random_state=0,
    )
    replicas, seeds = worker_sources(mux, 2, random_state=1, epoch=0)
    assert len(replicas) == len(seeds) == 2
    shares = [[int(next(s.generate())["X"][0]) for s in r.seed_pool] for r in replicas]
    assert shares == [[0, 3], [2, 5]]
    np.testing.assert_array_equal(replicas[0].pool_weights, [1, 3])
    np.testing.assert_array_equal(replicas[1].pool_weights, [2, 4])
    assert len(set(seeds)) == 2
    assert mux.pool_weights == [1, 0, 2, 3, 0, 4]  # the user's mux is untouched
    assert len(mux.seed_pool) == 6


def test_a_mux_with_replacement_gets_one_seed_per_worker():
    mux = Mux(seed_pool(3), k=2, lam=2, random_state=0)
    replicas, seeds = worker_sources(mux, 3, random_state=None, epoch=0)
    assert [r.random_state for r in replicas] == seeds
    assert len(set(seeds)) == 3
    assert all(len(r.seed_pool) == 3 for r in replicas)
    again, _ = worker_sources(mux, 3, random_state=None, epoch=0)
    assert [r.random_state for r in again] == seeds  # derived from the mux's own seed
    later, _ = worker_sources(mux, 3, random_state=None, epoch=1)
    assert [r.random_state for r in later] != seeds  # epochs differ


def test_a_plain_streamer_around_a_mux_is_split_too():
    mux = Mux(seed_pool(4), k=1, lam=None, with_replacement=False, random_state=0)
    got = keys(zmq_stream(Streamer(mux), n_workers=2))
    assert got == Counter({(v, i): 1 for v in range(4) for i in range(4)})


class ArraySource(DataSource):
    """A user's own data source over an array: slices drawn with its random_state."""

    def __init__(self, X, random_state=None):
        self._init_params(X=X, random_state=random_state)

    def _check(self, params):
        return params

    def _start(self, params, max_batches):
        rng = np.random.default_rng(params["random_state"])
        X = params["X"]
        return ({"X": X[i : i + 2]} for i in rng.integers(0, len(X) - 2, 5))


@pytest.mark.parametrize(("n_workers", "random_state", "epoch"), [(4, None, 0), (1, 0, 1)])
def test_a_user_s_data_source_is_shared_by_the_workers_not_copied(n_workers, random_state, epoch):
    source = ArraySource(np.arange(100.0), random_state=random_state)
    replicas, seeds = worker_sources(source, n_workers, random_state=None, epoch=epoch)
    assert len(replicas) == n_workers
    assert all(_unwrapped(replica).X is source.X for replica in replicas)
    if n_workers > 1:  # each its own random_state; the source itself is left alone
        assert [_unwrapped(replica).random_state for replica in replicas] == seeds
        assert source.random_state is None


def _unwrapped(replica):
    """The data source a worker runs, without the wrapper that moves nested epochs on."""
    return getattr(replica, "source", replica)


def test_a_random_state_given_positionally_cannot_be_replaced_and_says_so():
    with pytest.raises(ValueError, match="keyword argument"):
        zmq_stream(Streamer(draws, 10, 3), n_workers=2)
