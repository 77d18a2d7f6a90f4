"""The checks of :class:`~sklearn_stream.zmq_stream.ZMQStreamer`'s parameters."""

import multiprocessing
from typing import Any

from .._checks import check_bool, check_int, check_real
from .._random import check_random_state_value
from ..core import is_data_source

__all__ = ["check_params"]


def _check_prefetch(prefetch: Any, n_workers: int) -> None:
    if prefetch is None:
        return
    check_int("prefetch", prefetch, 1)
    if prefetch < n_workers:
        raise ValueError(
            f"prefetch ({prefetch}) must be at least n_workers ({n_workers}): each worker "
            "needs room for one batch in flight."
        )


def check_params(params: dict) -> None:
    """Validate the parameters of :class:`ZMQStreamer` (all of them, or raise)."""
    source = params["source"]
    if not is_data_source(source) or isinstance(source, type):
        got = (
            f"the class {source.__name__} itself"
            if isinstance(source, type)
            else f"a {type(source).__name__}"
        )
        raise TypeError(
            "zmq_stream needs a data source (an object with a generate() method, such as "
            f"Streamer or Mux); got {got}. Wrap a generator function as "
            "Streamer(function, *args)."
        )
    n_workers = check_int("n_workers", params["n_workers"], 1)
    _check_prefetch(params["prefetch"], n_workers)
    check_bool("copy", params["copy"])
    check_real("timeout", params["timeout"], allow_none=True, what="number of seconds")
    check_random_state_value(params["random_state"])
    methods = multiprocessing.get_all_start_methods()
    if params["start_method"] is not None and params["start_method"] not in methods:
        raise ValueError(
            f"start_method must be None or one of {methods}; got {params['start_method']!r}."
        )
    if params["transport"] not in ("tcp", "ipc"):
        raise ValueError(f"transport must be 'tcp' or 'ipc'; got {params['transport']!r}.")
    low = check_int("min_port", params["min_port"], 1, 65535)
    check_int("max_port", params["max_port"], low, 65535)
    check_int("max_tries", params["max_tries"], 1)
    check_int("max_batch_bytes", params["max_batch_bytes"], 1, 2**62, allow_none=True)
