"""A dask cluster for the tests, reachable on loopback only."""

from contextlib import contextmanager

import pytest


@contextmanager
def loopback_cluster(n_workers=2, processes=True):
    """A ``distributed.LocalCluster`` of single-threaded workers on 127.0.0.1, with its
    scheduler's HTTP server on a free loopback port too (it listens even without a
    dashboard, on port 8787 by default); closed on exit."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=processes,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    ) as cluster:
        yield cluster
