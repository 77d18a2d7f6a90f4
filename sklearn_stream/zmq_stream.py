"""Run a data source in worker processes and receive its batches over ZeroMQ.

:func:`zmq_stream` is the 0.1.3 function: a generator of the batches of a data source run
in another process. :class:`ZMQStreamer` is the same as a data source, so it can be given to
``iter_fit``, used as a seed of a :class:`~sklearn_stream.Mux`, cloned and pickled.

Batches travel as a JSON header plus raw array buffers (never pickled), over a socket bound
to 127.0.0.1 (or a socket file in a private directory). Requires pyzmq (from a checkout of
the repository: ``python -m pip install -e '.[zmq]'``); importing this module does not.
"""

from collections.abc import Iterator
from typing import Any

from ._zmq.consumer import DEFAULT_WINDOW_BYTES, run_stream
from ._zmq.params import check_params
from ._zmq.replicas import worker_sources
from ._zmq.worker import import_zmq
from .core import DataSource, _describe
from .exceptions import BindError, WorkerError

__all__ = ["BindError", "WorkerError", "ZMQStreamer", "zmq_stream"]


class ZMQStreamer(DataSource):
    """A data source that runs another data source in worker processes.

    Each stream it starts launches ``n_workers`` processes that run ``source`` and send its
    batches to this process, where they arrive merged in the order they are ready. Nothing
    starts before the first batch is requested; closing the stream (an early ``break``, an
    exception, garbage collection) stops and joins every worker and closes every socket.

    Parameters
    ----------
    source : data source
        A :class:`~sklearn_stream.Streamer`, :class:`~sklearn_stream.Mux` or any object with
        ``generate(max_batches=None)``. With the ``spawn`` and ``forkserver`` start methods
        it is sent to the workers with cloudpickle, so lambdas and functions defined in
        ``__main__`` work.
    n_workers : int >= 1, default=1
        How many copies of the source run at once. With more than one, each worker gets its
        own random int (see ``random_state``): a source with a ``random_state`` parameter
        gets a clone with that int as its ``random_state``, a ``Mux`` with
        ``with_replacement=False``, a ``ShuffledMux``, ``RoundRobinMux`` or ``ChainMux`` is
        split so each worker draws from its own share of the pool (never more workers than
        streams), and every worker passes its int to
        ``random.seed`` and ``numpy.random.seed``. A deterministic source yields each of its
        batches once per worker.
    prefetch : int >= n_workers or None, default=None
        The most batches in flight (sent by workers, not yet taken by the consumer), shared
        among the workers; a slow consumer makes the workers wait. None means at most 1024
        batches per worker and 256 MiB in all, shared among the workers (but always at
        least one batch per worker).
    copy : bool, default=False
        If False, arrays are read-only views of the received messages (no copy). If True,
        they are writable copies.
    timeout : float > 0 or None, default=None
        When a stream stops, how many seconds workers may take to exit on their own (a
        worker notices the request between two batches) before they are terminated.
        None means 0.4 s. A worker that dies is noticed within a second whatever this is.
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator, \
default=None
        Where the workers' random ints come from. With one worker and None, the worker runs
        ``source`` unchanged. Otherwise they come from ``random_state`` (or, when it is None,
        from the source's own integer ``random_state`` if it has one) and the epoch, so an
        int gives reproducible streams whose epochs differ. With several workers the order in which
        batches arrive still depends on timing.
    start_method : {'fork', 'spawn', 'forkserver'} or None, default=None
        How worker processes start; None uses multiprocessing's default.
    transport : {'tcp', 'ipc'}, default='tcp'
        'tcp' binds a port of 127.0.0.1 (never another interface); 'ipc' binds a socket file
        in a new private directory that only this user can open.
    min_port, max_port : int in [1, 65535], default=49152, 65535
        The range of ports (both included) tried for 'tcp'.
    max_tries : int >= 1, default=100
        How many distinct ports of the range to try before raising
        :class:`~sklearn_stream.exceptions.BindError`.
    max_batch_bytes : int >= 1 or None, default=None
        The largest batch a worker may send, in bytes of its arrays (a batch of under
        64 KiB counts its header too); None means 256 MiB. A larger batch raises
        ``ValueError`` in the worker, raised again here. The consumer's socket refuses any
        larger frame before reading it, and only the workers can log in to it.

    Raises
    ------
    TypeError, ValueError
        If ``source`` is not a data source or a parameter is invalid.
    ImportError
        If pyzmq is not installed.

    See Also
    --------
    zmq_stream : the same as a generator function.

    Notes
    -----
    Batches must be dicts with str keys whose values are numpy arrays (memory maps
    included) of a numeric, boolean or fixed-width bytes or text dtype (``S``, ``U``:
    class labels, say; any shape, including 0-d and empty, and any memory layout), numpy
    scalars of a numeric or boolean dtype, scipy sparse matrices or arrays, pandas
    DataFrames and Series whose columns have numeric or boolean dtypes (they arrive with a
    default index: the rows keep their order, the index itself is not sent), or Python
    ``int``, ``float``, ``complex``, ``bool``, ``str``, ``bytes``, ``None``, and lists or
    tuples of ``int``, ``float``, ``bool``, ``str`` and ``None``. Anything else raises a
    ``TypeError`` naming the key and the type. An exception raised by the source is raised
    again in this process (as its own type if it is built-in, except ``OSError`` and its
    subclasses and ``StopIteration``; else as
    :class:`~sklearn_stream.exceptions.WorkerError`) with the worker's traceback as its
    cause. Workers are daemon processes, so the source itself
    cannot start processes.

    Examples
    --------
    >>> from sklearn_stream import Streamer
    >>> from sklearn_stream.zmq_stream import ZMQStreamer
    >>> def squares(n):
    ...     for i in range(n):
    ...         yield {"X": np.full((2, 3), i * i)}
    >>> source = ZMQStreamer(Streamer(squares, 4))
    >>> [int(batch["X"][0, 0]) for batch in source.generate()]
    [0, 1, 4, 9]
    >>> source.set_params(n_workers=2).get_params()["n_workers"]
    2
    """

    def __init__(
        self,
        source: Any,
        *,
        n_workers: int = 1,
        prefetch: int | None = None,
        copy: bool = False,
        timeout: float | None = None,
        random_state: Any = None,
        start_method: str | None = None,
        transport: str = "tcp",
        min_port: int = 49152,
        max_port: int = 65535,
        max_tries: int = 100,
        max_batch_bytes: int | None = None,
    ) -> None:
        self._init_params(
            source=source,
            n_workers=n_workers,
            prefetch=prefetch,
            copy=copy,
            timeout=timeout,
            random_state=random_state,
            start_method=start_method,
            transport=transport,
            min_port=min_port,
            max_port=max_port,
            max_tries=max_tries,
            max_batch_bytes=max_batch_bytes,
        )
        import_zmq()

    def _check(self, params: dict) -> dict:
        check_params(params)
        return params

    def _repr_parts(self) -> list:
        return [_describe(self.source), *super()._repr_parts()[1:]]

    def generate(self, max_batches: int | None = None) -> Iterator:
        """Start the workers (at the first ``next()``) and stream their batches.

        Parameters
        ----------
        max_batches : int >= 0 or None, default=None
            The most batches to yield in total; None for no bound.

        Returns
        -------
        generator of batches
            Closing it stops and joins the workers.

        Raises
        ------
        TypeError, ValueError
            If ``max_batches`` is not None or an int >= 0 (at the call).
        exceptions.WorkerError
            While iterating, if a worker dies or raises a non-built-in exception.
        exceptions.BindError
            While iterating, if no port of the range could be bound.

        Examples
        --------
        >>> from sklearn_stream import Streamer
        >>> from sklearn_stream.zmq_stream import ZMQStreamer
        >>> source = ZMQStreamer(Streamer([{"X": np.arange(2)}] * 5))
        >>> stream = source.generate(max_batches=3)  # no worker yet: it starts at next()
        >>> [batch["X"].tolist() for batch in stream]
        [[0, 1], [0, 1], [0, 1]]
        """
        return super().generate(max_batches)

    _bounds_itself = True  # the consumer stops the workers after max_batches

    def _start(self, state: dict, max_batches: int | None) -> Iterator:
        sources, random_ints = worker_sources(
            self.source, int(self.n_workers), self.random_state, self._epochs
        )
        self._epochs += 1
        return run_stream(
            sources,
            random_ints,
            max_batches=max_batches,
            copy=bool(self.copy),
            prefetch=None if self.prefetch is None else max(int(self.prefetch), len(sources)),
            timeout=None if self.timeout is None else float(self.timeout),
            start_method=self.start_method,
            max_batch_bytes=(
                DEFAULT_WINDOW_BYTES if self.max_batch_bytes is None else int(self.max_batch_bytes)
            ),
            bind_options={
                "transport": self.transport,
                "min_port": int(self.min_port),
                "max_port": int(self.max_port),
                "max_tries": int(self.max_tries),
            },
        )


def zmq_stream(
    streamer: Any,
    max_batches: int | None = None,
    min_port: int = 49152,
    max_port: int = 65535,
    max_tries: int = 100,
    copy: bool = False,
    timeout: float | None = None,
    *,
    n_workers: int = 1,
    prefetch: int | None = None,
    random_state: Any = None,
    start_method: str | None = None,
    transport: str = "tcp",
    max_batch_bytes: int | None = None,
) -> Iterator:
    """Parallel data streaming over ZeroMQ sockets: run a data source in worker processes.

    ``zmq_stream(streamer, max_batches, ...)`` is
    ``ZMQStreamer(streamer, ...).generate(max_batches)``: the arguments are checked at the
    call; the workers start at the first ``next()`` and are stopped and joined when the
    generator is exhausted, closed or garbage-collected, or raises.

    Parameters
    ----------
    streamer : data source
        The :class:`~sklearn_stream.Streamer` (or ``Mux``, or other data source) to run.
    max_batches : int >= 0 or None, default=None
        The most batches to yield in total; None for no bound.
    min_port, max_port : int in [1, 65535], default=49152, 65535
        The range of TCP ports (both included) to bind on 127.0.0.1.
    max_tries : int >= 1, default=100
        How many ports of the range to try.
    copy : bool, default=False
        True for writable copies of the arrays; False for read-only, copy-free views.
    timeout : float > 0 or None, default=None
        How long stopped workers may take to exit before they are terminated (None: 0.4 s).
    n_workers : int >= 1, default=1
        How many copies of the source run at once; see :class:`ZMQStreamer`.
    prefetch : int >= n_workers or None, default=None
        The most batches in flight; None means at most 1024 batches per worker and 256 MiB
        in all.
    random_state : None, int, RandomState or Generator, default=None
        Where the workers' random ints come from; see :class:`ZMQStreamer`.
    start_method : {'fork', 'spawn', 'forkserver'} or None, default=None
        How worker processes start; None uses multiprocessing's default.
    transport : {'tcp', 'ipc'}, default='tcp'
        A loopback port, or a socket file in a private directory.
    max_batch_bytes : int >= 1 or None, default=None
        The largest batch a worker may send (None: 256 MiB); see :class:`ZMQStreamer`.

    Returns
    -------
    generator of batches
        The batches of ``streamer.generate()``, merged across workers.

    Raises
    ------
    TypeError, ValueError
        At the call, for an invalid argument.
    ImportError
        At the call, if pyzmq is not installed.
    exceptions.WorkerError, exceptions.BindError
        While iterating; see :meth:`sklearn_stream.ZMQStreamer.generate`. An exception
        raised by the source is raised again here with the worker's traceback.

    Examples
    --------
    >>> from sklearn_stream import Streamer
    >>> from sklearn_stream.zmq_stream import zmq_stream
    >>> def noisy(n, sigma=1.0, random_state=None):
    ...     rng = np.random.default_rng(random_state)
    ...     for _ in range(n):
    ...         yield {"X": rng.normal(0, sigma, size=(4, 2))}
    >>> stream = zmq_stream(Streamer(noisy, 3), copy=True)
    >>> [batch["X"].shape for batch in stream]
    [(4, 2), (4, 2), (4, 2)]
    >>> batches = list(zmq_stream(Streamer(noisy, 5), n_workers=2, random_state=0))
    >>> len(batches)  # each worker runs its own copy, with its own random_state
    10
    """
    source = ZMQStreamer(
        streamer,
        n_workers=n_workers,
        prefetch=prefetch,
        copy=copy,
        timeout=timeout,
        random_state=random_state,
        start_method=start_method,
        transport=transport,
        min_port=min_port,
        max_port=max_port,
        max_tries=max_tries,
        max_batch_bytes=max_batch_bytes,
    )
    return source.generate(max_batches)
