"""The parameters of :class:`~sklearn_stream.zmq_stream.ZMQStreamer`: defaults and checks."""

import math
import multiprocessing
from numbers import Integral, Real
from typing import Any

import numpy as np

from .._random import check_random_state_value
from ..core import is_data_source

__all__ = ["DEFAULTS", "check_params"]

DEFAULTS = {
    "n_workers": 1,
    "prefetch": None,
    "copy": False,
    "timeout": None,
    "random_state": None,
    "start_method": None,
    "transport": "tcp",
    "min_port": 49152,
    "max_port": 65535,
    "max_tries": 100,
    "max_batch_bytes": None,
}


def _check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int; got {value!r} of type {type(value).__name__}.")
    if value < low or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be an int {bound}; got {value!r}.")
    return int(value)


def _check_prefetch(prefetch: Any, n_workers: int) -> None:
    if prefetch is None:
        return
    _check_int("prefetch", prefetch, 1)
    if prefetch < n_workers:
        raise ValueError(
            f"prefetch ({prefetch}) must be at least n_workers ({n_workers}): each worker "
            "needs room for one batch in flight."
        )


def _check_timeout(timeout: Any) -> None:
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, Real):
        raise TypeError(f"timeout must be None or a number of seconds > 0; got {timeout!r}.")
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be None or a finite number > 0; got {timeout!r}.")


def check_params(params: dict) -> None:
    """Validate the parameters of :class:`ZMQStreamer` (all of them, or raise)."""
    source = params["source"]
    if not is_data_source(source):
        raise TypeError(
            "zmq_stream needs a data source (an object with a generate() method, such as "
            f"Streamer or Mux); got a {type(source).__name__}. Wrap a generator function as "
            "Streamer(function, *args)."
        )
    n_workers = _check_int("n_workers", params["n_workers"], 1)
    _check_prefetch(params["prefetch"], n_workers)
    if not isinstance(params["copy"], (bool, np.bool_)):
        raise TypeError(f"copy must be a bool; got {params['copy']!r}.")
    _check_timeout(params["timeout"])
    check_random_state_value(params["random_state"])
    methods = multiprocessing.get_all_start_methods()
    if params["start_method"] is not None and params["start_method"] not in methods:
        raise ValueError(
            f"start_method must be None or one of {methods}; got {params['start_method']!r}."
        )
    if params["transport"] not in ("tcp", "ipc"):
        raise ValueError(f"transport must be 'tcp' or 'ipc'; got {params['transport']!r}.")
    low = _check_int("min_port", params["min_port"], 1, 65535)
    _check_int("max_port", params["max_port"], low, 65535)
    _check_int("max_tries", params["max_tries"], 1)
    if params["max_batch_bytes"] is not None:
        _check_int("max_batch_bytes", params["max_batch_bytes"], 1, 2**62)
