"""The ``util`` namespace of pescador 0.1.3: stream manipulation functions.

``sklearn_stream.util.mux`` and friends are the same objects as the top-level names, so code
written as ``pescador.util.mux(...)`` works with ``sklearn_stream`` in its place.

Examples
--------
>>> from sklearn_stream import util
>>> util.batch_length({"X": np.zeros((4, 2))})
4
"""

from .buffer import batch_length, buffer_batch, buffer_streamer
from .mux import mux

__all__ = ["batch_length", "buffer_batch", "buffer_streamer", "mux"]
