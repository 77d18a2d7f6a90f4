"""``from_dask``: rows of a dask array or DataFrame, computed one block at a time.

A block is a chunk of rows of a dask array (all its column chunks together) or a partition
of a dask DataFrame. Each is computed when the stream reaches it, with the targets of the
same rows in the same ``dask.compute`` call, so that work they share runs once; only that
block is in memory (plus the shuffle window when shuffling).

Where the blocks are computed is dask's choice: on the cluster of the default
``distributed.Client`` when one is active, else with the scheduler set by
``dask.config.set(scheduler=...)`` or the collection's default one (threads); so in any
process, forked or not, as a plain ``dask.compute`` there would. Only in a ``zmq_stream``
worker process (``sklearn_stream._process.in_stream_worker()``, whatever the start
method) are the blocks computed with dask's synchronous scheduler, in the worker itself:
the workers are the parallelism there, and a worker forked from a process with a Client
or dask's thread pool can use neither (both live in threads, which a fork does not copy,
so a computation with them would wait forever).

A collection persisted on a cluster (``client.persist(X)``) holds ``distributed``
Futures, which only the Client of the process that made them can fetch: a worker process
cannot compute it, and ``DaskReader._worker_shares`` refuses it in the main process,
saying so (a worker that gets the reader without shares says the same when computing).
"""

import math
import sys
from typing import Any

from sklearn.base import clone

from .._process import in_stream_worker
from ._reader import NUMERIC_KINDS, FileReader, reader_function

__all__ = ["DaskReader", "from_dask"]

_INSTALL = (
    "from_dask needs dask: python -m pip install 'dask[distributed]' (or, in the "
    "repository, python -m pip install -e '.[dask]')"
)


def _scheduler() -> str | None:
    """The ``scheduler`` of ``dask.compute``: ``"sync"`` in a ``zmq_stream`` worker
    process, else None (dask's choice: the default Client's cluster, the configured
    scheduler, or the collection's default)."""
    return "sync" if in_stream_worker() else None


def _persisted(X: Any, y: Any) -> list:
    """The names of those of ``X`` and ``y`` whose graph holds ``distributed`` Futures
    (a collection persisted on a cluster)."""
    distributed = sys.modules.get("distributed")
    if distributed is None:  # a Future exists only once distributed is imported
        return []
    named = (("X", X), ("y", y))
    return [name for name, c in named if c is not None and distributed.futures_of(c)]


def _persisted_error(names: list) -> ValueError:
    which = " and ".join(names)
    return ValueError(
        f"{which} {'hold' if len(names) > 1 else 'holds'} distributed Futures (persisted on "
        "a cluster: client.persist(...), or .persist() with a Client active), which only "
        "the Client of the process that persisted them can fetch, so no zmq_stream "
        "worker process can compute the blocks. Stream it in this process instead, without "
        "ZMQStreamer (its blocks are then computed on the cluster, which is the "
        "parallelism), or do not persist it (each worker then computes its share of the "
        "blocks from the graph)."
    )


def _dask() -> Any:
    try:
        import dask
        import dask.array
    except ImportError:
        raise ImportError(_INSTALL) from None
    return dask


def _kind(value: Any) -> str | None:
    """``"array"``, ``"frame"`` or ``"series"`` for a dask collection, else None."""
    import dask.array as da

    if isinstance(value, da.Array):
        return "array"
    dd = sys.modules.get("dask.dataframe")  # a dask DataFrame exists only once it is imported
    if dd is not None and isinstance(value, dd.DataFrame):
        return "frame"
    if dd is not None and isinstance(value, dd.Series):
        return "series"
    return None


def _row_chunks(value: Any) -> tuple:
    """The rows of each block: an array's row chunks (NaN where unknown), NaN for each
    partition of a frame (dask does not know their lengths without computing them)."""
    if _kind(value) == "array":
        return tuple(value.chunks[0])
    return (math.nan,) * value.npartitions


def _described(value: Any) -> str:
    """How messages name a collection: its kind and its blocks."""
    if _kind(value) == "array":
        rows = value.chunks[0]
        sizes = "unknown sizes" if any(map(math.isnan, rows)) else f"sizes {rows}"
        return f"a {value.ndim}-D dask array of {len(rows)} row chunks ({sizes})"
    return f"a dask {type(value).__name__} of {value.npartitions} partitions"


def _not_dask_message(name: str, value: Any) -> str:
    kind = type(value).__name__
    if name == "y":
        return f"y must be a dask array, Series or DataFrame (or None); got a {kind}."
    return (
        f"X must be a dask array or a dask DataFrame; got a {kind}. Data in memory needs no "
        "dask: StreamLearner.fit(X, y) streams arrays in batches, and a Streamer streams any "
        "iterable of batches; or wrap it: dask.array.from_array(X, chunks=(1024, -1)) or "
        "dask.dataframe.from_pandas(frame, chunksize=1024)."
    )


def _checked_features(X: Any) -> Any:
    """``X`` if it is a 2-D numeric dask array or a dask DataFrame."""
    kind = _kind(X)
    if kind is None:
        raise TypeError(_not_dask_message("X", X))
    if kind == "series":
        raise ValueError(
            "X must be 2-D (rows of features); got a dask Series: use X.to_frame() for one "
            "feature."
        )
    if kind == "array" and X.ndim != 2:
        raise ValueError(
            f"X must be a 2-D dask array (rows of features); got a {X.ndim}-D one of shape "
            f"{X.shape}{': use X[:, None] for one feature' if X.ndim == 1 else ''}."
        )
    if kind == "array" and X.dtype.kind not in NUMERIC_KINDS:
        raise ValueError(
            f"X is a dask array of dtype {X.dtype}; it must be numeric. Encode it first, or "
            "use a dask DataFrame and encode its columns in a pipeline."
        )
    return X


def _agree(x_rows: tuple, y_rows: tuple) -> bool:
    """Same number of blocks, of the same sizes wherever both are known."""
    return len(x_rows) == len(y_rows) and all(
        a == b or math.isnan(a) or math.isnan(b) for a, b in zip(x_rows, y_rows)
    )


def _aligned_targets(y: Any, X: Any) -> Any:
    """``y`` in the blocks of ``X``: as it is when they agree, rechunked when both are
    arrays of known chunks with as many rows (a y chunk may then be computed for two
    blocks); else an error naming both."""
    kind = _kind(y)
    if kind is None:
        raise TypeError(_not_dask_message("y", y))
    if kind == "array" and y.ndim not in (1, 2):
        raise ValueError(f"y must be a 1-D or 2-D dask array; got a {y.ndim}-D one.")
    x_rows, y_rows = _row_chunks(X), _row_chunks(y)
    if _agree(x_rows, y_rows) and _same_divisions(X, y):
        return y
    known = not any(map(math.isnan, x_rows + y_rows))
    if kind == "array" and known and sum(x_rows) == sum(y_rows):
        return y.rechunk({0: x_rows})
    raise ValueError(
        f"X and y are not aligned: X is {_described(X)} and y {_described(y)}. Their "
        "blocks must hold the same rows: make them from one collection (X = df[features] "
        f"and y = df[target], or X[mask] and y[mask] with one mask){_alignment_hint(X, y)}."
    )


def _alignment_hint(X: Any, y: Any) -> str:
    """What else may align two arrays, if anything: known chunk sizes (a ``y`` of known
    chunks and as many rows is then rechunked to those of ``X``)."""
    if _kind(X) != "array" or _kind(y) != "array":
        return ""
    unknown = [name for name, c in (("X", X), ("y", y)) if any(map(math.isnan, c.chunks[0]))]
    if not unknown:  # known chunks of as many rows would have been rechunked
        return f"; X has {X.shape[0]} rows and y {y.shape[0]}"
    calls = " and ".join(f"{name}.compute_chunk_sizes()" for name in unknown)
    cost = "each computes its" if len(unknown) > 1 else "it computes the"
    return (
        f"; or, if they hold the same rows, make their chunk sizes known first ({calls}; "
        f"{cost} whole collection once), after which y is rechunked to the blocks of X"
    )


def _same_divisions(X: Any, y: Any) -> bool:
    """False only for two frames whose known index divisions differ."""
    known = [getattr(c, "known_divisions", False) for c in (X, y)]
    return not all(known) or tuple(X.divisions) == tuple(y.divisions)


def _block(value: Any, index: int, mixed: bool) -> Any:
    """Block ``index`` of a collection: a row chunk with all its columns, or a partition
    (as a delayed object when computed with an array, ``mixed``: dask computes graphs and
    DataFrame expressions together only once both are graphs)."""
    if _kind(value) == "array":
        return value.blocks[index]
    if mixed:
        (delayed,) = value.partitions[index].to_delayed()
        return delayed
    return value.partitions[index]


class DaskReader(FileReader):
    """A data source over a dask array or DataFrame, computed one block at a time.

    Made by :func:`from_dask`, whose parameters it takes.
    """

    def __init__(
        self,
        X: Any,
        y: Any = None,
        *,
        batch_size: int = 1024,
        shuffle: bool = False,
        buffer_size: int | None = None,
        random_state: Any = None,
    ) -> None:
        self._init_locals(locals())

    def __sklearn_clone__(self) -> "DaskReader":
        """A copy with its own epochs that shares ``X`` and ``y``: dask collections never
        change, and a deep copy would copy any data their graphs hold (``from_pandas``)."""
        params = self.get_params(deep=False)
        data = {name: params.pop(name) for name in ("X", "y")}
        return type(self)(**data, **{name: clone(v, safe=False) for name, v in params.items()})

    def _check(self, params: dict) -> tuple:
        """``(X, y in the blocks of X or None)`` after checking them (nothing computed)."""
        self._check_reading(params)
        _dask()
        X = _checked_features(params["X"])
        y = None if params["y"] is None else _aligned_targets(params["y"], X)
        return X, y

    def _blocks(self, state: tuple) -> list:
        return list(range(len(_row_chunks(state[0]))))

    def _read(self, state: tuple, block: int, opened: dict) -> dict:
        X, y = state
        mixed = y is not None and (_kind(X) == "array") != (_kind(y) == "array")
        wanted = [_block(c, block, mixed) for c in (X, y) if c is not None]
        try:
            computed = _dask().compute(*wanted, scheduler=_scheduler())
        except Exception as exc:
            # In a worker given the reader as it is (one worker, no random_state), a
            # persisted collection is found only here: its Futures are missing.
            names = _persisted(X, y) if in_stream_worker() else []
            if names:
                raise _persisted_error(names) from exc
            raise
        if y is not None and len(computed[0]) != len(computed[1]):
            raise ValueError(
                f"block {block} of X has {len(computed[0])} rows but the same block of y has "
                f"{len(computed[1])}: X and y are not aligned (made from different "
                "collections, or filtered differently?)."
            )
        return dict(zip(("X", "y"), computed))

    def _worker_shares(self, random_ints: list) -> tuple[list, list]:
        """The workers' shares (see ``FileReader._worker_shares``); a collection persisted
        on a cluster is refused here, in the main process, before any worker starts."""
        X, y = self.X, self.y
        # Looking for Futures walks the whole graph (about a second for 100,000 tasks):
        # done once for the collections, not each epoch.
        seen = getattr(self, "_futures_seen", None)
        if seen is None or seen[0] is not X or seen[1] is not y:
            seen = self._futures_seen = (X, y, _persisted(X, y))
        if seen[2]:
            raise _persisted_error(seen[2])
        return super()._worker_shares(random_ints)


def from_dask(X: Any, y: Any = None, **params: Any) -> DaskReader:
    """Stream the rows of a dask array or DataFrame, computing one block at a time.

    A block is a chunk of rows of a dask array (with all its column chunks) or a partition
    of a DataFrame; it is computed when the stream reaches it, together with the targets
    of its rows in one ``dask.compute`` call (work they share runs once), so a collection
    much larger than memory trains in the memory of a block or two. With an active
    ``distributed.Client`` the blocks are computed on its cluster; otherwise with dask's
    default (threaded) scheduler. Chunk sizes may be unknown (after a boolean filter).

    The reader is a data source: each ``generate()`` computes every row once (an epoch),
    and it can be cloned, pickled, tuned (``stream__batch_size``) and run in
    ``zmq_stream`` workers, which share the blocks between them. A ``zmq_stream`` worker
    computes its blocks with dask's synchronous scheduler (the workers are the
    parallelism; a Client or dask's thread pool of the process it was forked from does
    not work in it); any other process, forked or not, computes them as dask chooses
    there (its own Client, ``dask.config.set(scheduler=...)``). A collection persisted on
    a cluster (``client.persist(X)``) can only be streamed in the process of its Client.
    Needs dask (the ``dask`` extra).

    Parameters
    ----------
    X : dask array or dask DataFrame
        The features: a 2-D numeric dask array, or a DataFrame (whose columns may be of any
        dtype, for a pipeline to encode).
    y : dask array, Series, DataFrame or None, default=None
        The targets (a 1-D or 2-D array; a DataFrame or 2-D array for several outputs),
        with the same row blocks as ``X``: the same chunks along rows, or the same number
        of partitions. An array of known chunks with as many rows but other chunks is
        rechunked to those of ``X``. None: batches without ``"y"``.
    batch_size : int >= 1, default=1024
        Rows per batch; only an epoch's last batch may have fewer (through ``zmq_stream``,
        each worker's last). Blocks are cut or joined to make batches.
    shuffle : bool, default=False
        Compute the blocks in an order drawn afresh each epoch and mix their rows in a
        window of ``buffer_size`` rows (:func:`~sklearn_stream.shuffle_buffer`). Each row
        still comes once per epoch.
    %(shuffle_params)s

    Returns
    -------
    DaskReader
        A data source of ``{"X": ..., "y": ...}`` batches: numpy arrays for a dask array
        ``X``, a pandas DataFrame (and a Series or DataFrame ``y``) for a dask DataFrame, so
        that a learner sets ``feature_names_in_``.

    Raises
    ------
    ImportError
        If dask is not installed (the message says how to install it).
    TypeError
        If ``X`` or ``y`` is not a dask collection (the message says what to do with data
        in memory), or another parameter has the wrong type.
    ValueError
        If ``X`` is not 2-D (a 1-D array, a Series), or is an array of a non-numeric
        dtype (object, strings); if ``y`` is not 1-D or 2-D; or if ``X`` and ``y`` do not
        have the same row blocks (the message describes both). While streaming: if a
        computed block of ``X`` and of ``y`` differ in length (the message names the
        block). Through ``zmq_stream``: if ``X`` or ``y`` was persisted on a cluster (it
        holds ``distributed`` Futures, which a worker process cannot fetch).

    See Also
    --------
    sklearn_stream.io.read_parquet : Parquet files one row group at a time, without dask.
    sklearn_stream.io.read_npy : ``.npy`` files through memory maps.
    sklearn_stream.shuffle_buffer : the shuffle window, for any stream.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from sklearn_stream.io import from_dask
    >>> X = da.from_array(np.arange(20.0).reshape(10, 2), chunks=(4, 2))  # 4, 4, 2 rows
    >>> y = da.arange(10, chunks=4) % 2
    >>> reader = from_dask(X, y, batch_size=3)
    >>> [batch["X"][:, 0].tolist() for batch in reader.generate()]
    [[0.0, 2.0, 4.0], [6.0, 8.0, 10.0], [12.0, 14.0, 16.0], [18.0]]
    >>> next(iter(reader.generate()))["y"]
    array([0, 1, 0])
    >>> shuffled = reader.set_params(shuffle=True, random_state=0)
    >>> sorted(int(v) for b in shuffled.generate() for v in b["y"])
    [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    """
    return DaskReader(X, y, **params)


reader_function(from_dask, DaskReader)
