"""sklearn_stream: learn from data streams that do not fit in memory, the scikit-learn way.

The data layer: :class:`Streamer` (a restartable data source), :class:`Mux` and :func:`mux`
(stochastic multiplexing of many sources), :class:`ShuffledMux`, :class:`RoundRobinMux` and
:class:`ChainMux` (every source at once by weight, in turn, or one after another),
:func:`buffer_batch` and :func:`buffer_streamer` (re-cutting streams into batches of a fixed
size), :func:`shuffle_buffer` (shuffling a stream's rows in bounded memory) and
:func:`batch_length`. As in pescador 3: calling a data source starts a stream,
:func:`streamable` makes a generator function return a ``Streamer``, :func:`buffer_stream`
stacks single samples into batches, and :mod:`maps` holds ``tuples``, ``keras_tuples`` and
``cache``.
Learning: :class:`StreamLearner` trains any estimator with ``partial_fit`` from a stream, and
is itself a scikit-learn estimator of the same kind (:class:`StreamClassifier`,
:class:`StreamRegressor`, :class:`StreamClusterer`, :class:`StreamTransformer` or
:class:`StreamOutlierDetector`). Parallel streams:
:func:`zmq_stream.zmq_stream` and :class:`ZMQStreamer` run a data source in worker processes.
"""

from . import exceptions, io, maps, util, zmq_stream
from .buffer import batch_length, buffer_batch, buffer_stream, buffer_streamer, shuffle_buffer
from .core import Streamer, streamable
from .learner import (
    StreamClassifier,
    StreamClusterer,
    StreamLearner,
    StreamOutlierDetector,
    StreamRegressor,
    StreamTransformer,
    stream_scorer,
)
from .mux import ChainMux, Mux, RoundRobinMux, ShuffledMux, mux
from .plotting import plot_history
from .zmq_stream import ZMQStreamer

__version__ = "0.1.0.dev0"

__all__ = [
    "ChainMux",
    "Mux",
    "RoundRobinMux",
    "ShuffledMux",
    "StreamClassifier",
    "StreamClusterer",
    "StreamLearner",
    "StreamOutlierDetector",
    "StreamRegressor",
    "StreamTransformer",
    "Streamer",
    "ZMQStreamer",
    "__version__",
    "batch_length",
    "buffer_batch",
    "buffer_stream",
    "buffer_streamer",
    "exceptions",
    "io",
    "maps",
    "mux",
    "plot_history",
    "shuffle_buffer",
    "stream_scorer",
    "streamable",
    "util",
    "zmq_stream",
]
