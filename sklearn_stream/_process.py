"""What kind of process this is: a ``zmq_stream`` worker, or not.

Some data sources compute differently inside a worker process: a dask collection, for
one, cannot use the thread pool or the ``distributed.Client`` of the process that forked
the worker (both live in threads, which a fork does not copy), and the workers are the
parallelism anyway. ``zmq_stream``'s worker marks its process before it starts the
source; a data source asks :func:`in_stream_worker`.
"""

__all__ = ["in_stream_worker", "mark_stream_worker"]

_in_worker = False


def mark_stream_worker() -> None:
    """Mark this process as a ``zmq_stream`` worker (for the rest of its life)."""
    global _in_worker
    _in_worker = True


def in_stream_worker() -> bool:
    """Whether this process is a ``zmq_stream`` worker."""
    return _in_worker
