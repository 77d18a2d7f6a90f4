"""pescador 3's muxes through zmq_stream workers: each worker gets every n-th stream, so
the exhaustive modes yield every batch of finite streams exactly once across workers."""

import multiprocessing
import pickle
from collections import Counter

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_stream import ChainMux, Mux, RoundRobinMux, ShuffledMux, Streamer, ZMQStreamer
from sklearn_stream._zmq.replicas import worker_sources

pytestmark = pytest.mark.timeout(120)


def tagged(stream_id, n):
    """``n`` batches of stream ``stream_id``: each holds (stream_id, position)."""
    for i in range(n):
        yield {"X": np.array([stream_id, i])}


def pool(lengths):
    return [Streamer(tagged, i, n) for i, n in enumerate(lengths)]


def keys(stream):
    return [(int(batch["X"][0]), int(batch["X"][1])) for batch in stream]


def stream_ids(source):
    """The stream ids of a share (the first batch of each of its non-empty streams)."""
    return [int(next(iter(s.generate()))["X"][0]) for s in source.streamers]


def no_children():
    return multiprocessing.active_children() == []


LENGTHS = [3, 0, 5, 2, 4, 1]
EXHAUSTIVE = {
    "shuffled": lambda streams: ShuffledMux(streams, random_state=0),
    "shuffled-weighted": lambda streams: ShuffledMux(
        streams, weights=np.arange(1, len(streams) + 1), random_state=0
    ),
    "round-robin": lambda streams: RoundRobinMux(streams),
    "chain": lambda streams: ChainMux(streams, random_state=1),
}


@pytest.mark.parametrize("make", EXHAUSTIVE.values(), ids=EXHAUSTIVE.keys())
@pytest.mark.parametrize("random_state", [None, 5])
def test_exhaustive_muxes_give_every_batch_once_across_two_workers(make, random_state):
    source = ZMQStreamer(make(pool(LENGTHS)), n_workers=2, random_state=random_state)
    expected = Counter({(i, p): 1 for i, n in enumerate(LENGTHS) for p in range(n)})
    for _ in range(2):  # two epochs
        got = keys(source.generate())
        assert Counter(got) == expected
        for stream_id in range(len(LENGTHS)):  # each stream runs in one worker, in order
            positions = [p for i, p in got if i == stream_id]
            assert positions == sorted(positions)
    assert no_children()


@pytest.mark.parametrize("make", EXHAUSTIVE.values(), ids=EXHAUSTIVE.keys())
def test_more_workers_than_streams(make):
    source = ZMQStreamer(make(pool([4, 3])), n_workers=3, random_state=0)
    assert Counter(keys(source.generate())) == Counter(
        {(i, p): 1 for i, n in enumerate([4, 3]) for p in range(n)}
    )
    assert no_children()


def test_a_streamer_around_a_mux_is_split_too():
    source = ZMQStreamer(Streamer(ChainMux(pool(LENGTHS))), n_workers=2)
    assert sorted(keys(source.generate())) == [
        (i, p) for i, n in enumerate(LENGTHS) for p in range(n)
    ]
    assert no_children()


@pytest.mark.parametrize(
    "make",
    [
        lambda streams: RoundRobinMux(streams, mode="cycle"),
        lambda streams: RoundRobinMux(streams, mode="permuted_cycle", random_state=0),
        lambda streams: ChainMux(streams, mode="cycle"),
    ],
    ids=["round-robin-cycle", "permuted-cycle", "chain-cycle"],
)
def test_endless_modes_run_in_each_worker_for_ever(make):
    source = ZMQStreamer(make(pool([2, 3, 1])), n_workers=2, random_state=0)
    got = keys(source.generate(max_batches=60))
    assert len(got) == 60
    assert set(got) <= {(i, p) for i, n in enumerate([2, 3, 1]) for p in range(n)}
    assert no_children()


def test_shares_hold_every_nth_stream_of_positive_weight_with_its_weight():
    weights = [1, 0, 2, 3, 0, 4, 5]
    source = ShuffledMux(pool([1] * 7), weights=weights, random_state=0)
    shares, random_ints = worker_sources(source, 2, random_state=1, epoch=0)
    assert [stream_ids(share) for share in shares] == [[0, 3, 6], [2, 5]]
    np.testing.assert_array_equal(shares[0].weights, [1, 3, 5])
    np.testing.assert_array_equal(shares[1].weights, [2, 4])
    assert [share.random_state for share in shares] == random_ints
    assert len(set(random_ints)) == 2
    assert source.weights == weights and len(source.streamers) == 7  # the user's is untouched
    assert source.random_state == 0


@pytest.mark.parametrize(
    "make",
    [
        lambda streams: RoundRobinMux(streams, mode="permuted_cycle", random_state=0),
        lambda streams: ChainMux(streams, mode="cycle", random_state=0),
        lambda streams: ShuffledMux(streams, random_state=0),
    ],
    ids=["permuted-cycle", "chain-cycle", "shuffled"],
)
def test_shares_are_copies_of_the_mux_with_every_nth_stream(make):
    source = make(pool([1] * 5))
    shares, random_ints = worker_sources(source, 3, random_state=None, epoch=0)
    assert [stream_ids(share) for share in shares] == [[0, 3], [1, 4], [2]]
    assert all(type(share) is type(source) for share in shares)
    for share in shares:  # the same mux, but for its streams and random_state
        params = share.get_params(deep=False)
        params.update(streamers=source.streamers, random_state=source.random_state)
        assert params == source.get_params(deep=False)
    assert [share.random_state for share in shares] == random_ints
    again, _ = worker_sources(source, 3, random_state=None, epoch=0)
    assert [share.random_state for share in again] == random_ints  # from the mux's own int
    later, _ = worker_sources(source, 3, random_state=None, epoch=1)
    assert [share.random_state for share in later] != random_ints  # epochs differ
    assert len(source.streamers) == 5


@pytest.mark.parametrize("n_workers", [2, 4, 9])
def test_never_more_shares_than_streams(n_workers):
    for source in (ShuffledMux(pool([2, 2])), RoundRobinMux(pool([2, 2])), ChainMux(pool([2, 2]))):
        shares, random_ints = worker_sources(source, n_workers, random_state=0, epoch=0)
        assert len(shares) == len(random_ints) == 2


def test_the_split_of_a_mux_without_replacement_is_unchanged():
    mux = Mux(pool([1] * 5), k=1, lam=None, with_replacement=False, random_state=0)
    shares, _ = worker_sources(mux, 2, random_state=1, epoch=0)
    assert [[int(next(iter(s.generate()))["X"][0]) for s in r.seed_pool] for r in shares] == [
        [0, 2, 4],
        [1, 3],
    ]
    assert all(share.dist == "poisson" for share in shares)


def test_nested_parameters_clone_and_pickle_through_a_zmq_streamer():
    source = ZMQStreamer(ShuffledMux(pool([3, 2]), weights=[1, 1]), n_workers=2)
    source.set_params(source__weights=[1, 4], source__random_state=3)
    assert source.get_params()["source__weights"] == [1, 4]
    for copy in (clone(source), pickle.loads(pickle.dumps(source))):
        assert copy.source is not source.source
        assert copy.source.weights == [1, 4]
        assert sorted(keys(copy.generate())) == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
    assert no_children()


# -- muxes nested in the source: every epoch and every worker draws anew ----------------------
def nested_source(random_state=0):
    """A round robin over two shuffled muxes of three streams of three batches each."""
    inner = [
        ShuffledMux([Streamer(tagged, 3 * g + t, 3) for t in range(3)], random_state=g)
        for g in range(2)
    ]
    return RoundRobinMux(inner, random_state=random_state)


@pytest.mark.parametrize("n_workers", [1, 2])
def test_nested_muxes_differ_between_epochs_through_workers_and_stay_reproducible(n_workers):
    def epochs(source):
        streamer = ZMQStreamer(source, n_workers=n_workers, random_state=0)
        return [keys(streamer.generate()) for _ in range(3)]

    def orders(epoch):
        """Each worker's batches in its order (worker j runs inner mux j with 2 workers;
        arrival interleaves the workers); the whole epoch with 1 worker."""
        if n_workers == 1:
            return (tuple(epoch),)
        return tuple(tuple(key for key in epoch if key[0] // 3 == j) for j in range(2))

    first = epochs(nested_source())
    for epoch in first:  # exhaustive: every batch once
        assert sorted(epoch) == [(i, p) for i in range(6) for p in range(3)]
    for j in range(len(orders(first[0]))):  # no epoch repeats another, in any worker
        assert len({orders(epoch)[j] for epoch in first}) == 3
    assert [orders(epoch) for epoch in epochs(nested_source())] == [orders(e) for e in first]
    assert no_children()


def test_one_worker_runs_a_nested_mux_as_in_process_at_the_first_epoch():
    through = keys(ZMQStreamer(nested_source(), n_workers=1).generate())
    assert through == keys(nested_source().generate())
    assert no_children()


def test_the_consumers_nested_muxes_are_never_moved_on():
    source = nested_source()
    streamer = ZMQStreamer(source, n_workers=2, random_state=0)
    for _ in range(2):
        keys(streamer.generate())
    assert [inner._epochs for inner in source.streamers] == [0, 0]
    assert no_children()
