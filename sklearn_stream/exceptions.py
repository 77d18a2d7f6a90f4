"""Exceptions raised by sklearn_stream.

Errors about the data (malformed batches, empty pools or streams, failed workers) derive from
:class:`StreamError`, and also from the built-in exception a user would expect
(``TypeError``, ``RuntimeError``), so ``except TypeError`` keeps working. Invalid arguments
raise plain ``TypeError`` or ``ValueError`` at the call, as scikit-learn's functions do.
"""

__all__ = [
    "BatchError",
    "BatchKeyError",
    "BatchLengthError",
    "BatchShapeError",
    "BindError",
    "EmptyPoolError",
    "EmptyStreamError",
    "ShortStreamError",
    "StreamError",
    "WireError",
    "WorkerError",
    "WorkerTraceback",
]


class StreamError(Exception):
    """Base class of the errors sklearn_stream raises about data.

    Examples
    --------
    >>> from sklearn_stream import batch_length
    >>> from sklearn_stream.exceptions import StreamError
    >>> try:
    ...     batch_length({"X": [1, 2], "Y": [1]})
    ... except StreamError as error:
    ...     print(type(error).__name__)
    BatchLengthError
    """


class BatchError(StreamError, TypeError):
    """A stream produced something that is not a valid batch.

    Raised for a value that is not a ``dict``, a batch without fields, a field without a
    length, or a batch whose keys differ from the first batch of its stream.

    Examples
    --------
    >>> from sklearn_stream import buffer_batch
    >>> list(buffer_batch([{"X": [1]}, {"X": [2], "Y": [3]}], 2))
    Traceback (most recent call last):
    ...
    sklearn_stream.exceptions.BatchError: batch 1 of the stream has keys ['X', 'Y'], ...
    """


class BatchKeyError(BatchError, KeyError):
    """A batch lacks a field that was asked for, or has other fields than expected.

    Raised by :func:`~sklearn_stream.maps.tuples` and :func:`~sklearn_stream.maps.keras_tuples`
    for a key a batch does not have, and by :func:`~sklearn_stream.buffer_stream` for a
    sample whose keys differ from the first sample's. The message names the key and the
    keys the batch has. It is a :class:`BatchError` and also a ``KeyError`` (what a missing
    key raises in a ``dict``, and in pescador), so ``except KeyError`` keeps working.

    Examples
    --------
    >>> from sklearn_stream.maps import tuples
    >>> next(tuples([{"X": np.zeros(2), "y": np.ones(2)}], "X", "Y"))
    Traceback (most recent call last):
    ...
    sklearn_stream.exceptions.BatchKeyError: batch 0 of the stream has no field 'Y'; ...
    >>> issubclass(BatchKeyError, KeyError) and issubclass(BatchKeyError, BatchError)
    True
    """

    def __str__(self) -> str:
        # KeyError shows its argument's repr (quotes and escapes); show the message as is.
        return Exception.__str__(self)


class BatchShapeError(StreamError, ValueError):
    """A batch holds an array of a shape the estimator cannot take.

    Raised, for example, for a 1-D ``X`` (a single row without its batch axis) given to an
    estimator that takes 2-D input, or by :func:`~sklearn_stream.buffer_stream` for samples
    whose values differ in shape, which cannot be stacked. It is a ``ValueError``, as
    scikit-learn raises for such input, so ``except ValueError`` keeps working.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import SGDRegressor
    >>> from sklearn_stream import StreamLearner
    >>> from sklearn_stream.exceptions import BatchShapeError
    >>> row, target = np.ones(3), np.ones(1)  # one sample, without its batch axis
    >>> StreamLearner(SGDRegressor()).iter_fit([{"X": row, "y": target}])
    Traceback (most recent call last):
    ...
    sklearn_stream.exceptions.BatchShapeError: batch 0 of the stream has a 1-D X of shape
    (3,), ... X[None, :] ...
    >>> learner = StreamLearner(SGDRegressor()).iter_fit([{"X": row[None, :], "y": target}])
    >>> learner.n_samples_seen_, issubclass(BatchShapeError, ValueError)
    (1, True)
    """


class BatchLengthError(StreamError, RuntimeError):
    """The fields of a batch do not share their first-axis length.

    Examples
    --------
    >>> from sklearn_stream import batch_length
    >>> batch_length({"X": np.zeros((3, 2)), "Y": [0, 1]})
    Traceback (most recent call last):
    ...
    sklearn_stream.exceptions.BatchLengthError: ... got lengths {'X': 3, 'Y': 2}.
    """


class EmptyPoolError(StreamError, RuntimeError):
    """A multiplexer was given no seeds to draw from.

    Examples
    --------
    >>> from sklearn_stream import mux
    >>> mux([], 10, 1)
    Traceback (most recent call last):
    ...
    sklearn_stream.exceptions.EmptyPoolError: seed_pool is empty: ...
    """


class EmptyStreamError(StreamError, RuntimeError):
    """A stream produced no batch where at least one was needed.

    Examples
    --------
    >>> from sklearn_stream import Streamer
    >>> next(Streamer([]).cycle())
    Traceback (most recent call last):
    ...
    sklearn_stream.exceptions.EmptyStreamError: Streamer([]) started a stream that yielded ...
    """


class ShortStreamError(StreamError, RuntimeError):
    """A stream ended before yielding the ``max_batches`` batches a fit was asked to train on.

    Examples
    --------
    >>> from sklearn.linear_model import SGDRegressor
    >>> from sklearn_stream import StreamLearner, Streamer
    >>> def three_batches(X, y):
    ...     for _ in range(3):
    ...         yield {"X": X, "y": y}
    >>> learner = StreamLearner(SGDRegressor(), 5, stream=Streamer(three_batches))
    >>> learner.fit(np.ones((4, 2)), np.ones(4))
    Traceback (most recent call last):
    ...
    sklearn_stream.exceptions.ShortStreamError: ...ended after 3 batches, but max_batches=5...
    """


class WorkerError(StreamError, RuntimeError):
    """A :func:`~sklearn_stream.zmq_stream.zmq_stream` worker failed.

    Raised when a worker process died without finishing its stream (killed, crashed, or
    ended by ``os._exit``; only after every batch it did send has been yielded), when it
    sent something that is not a valid message, or when its source raised an exception of
    a type that is not built in (built-in exceptions are raised again as their own type).

    Attributes
    ----------
    worker_traceback : str or None
        The traceback printed in the worker, when its source raised.

    Examples
    --------
    >>> from sklearn_stream.exceptions import WorkerError
    >>> issubclass(WorkerError, RuntimeError)
    True
    """

    worker_traceback: str | None = None


class WorkerTraceback(StreamError):
    """The traceback of an exception raised in a worker process.

    It is never raised on its own: it is the ``__cause__`` of the exception that
    :func:`~sklearn_stream.zmq_stream.zmq_stream` raises again in the consumer, so that the
    worker's traceback is printed with it.

    Examples
    --------
    >>> from sklearn_stream.exceptions import WorkerTraceback
    >>> issubclass(WorkerTraceback, Exception)
    True
    """


class BindError(StreamError, OSError):
    """:func:`~sklearn_stream.zmq_stream.zmq_stream` found no free port to bind.

    Examples
    --------
    >>> from sklearn_stream.exceptions import BindError
    >>> issubclass(BindError, OSError)
    True
    """


class WireError(StreamError, ValueError):
    """A message received by :func:`~sklearn_stream.zmq_stream.zmq_stream` is malformed.

    The consumer turns it into a :class:`WorkerError` when the message came from one of its
    own workers (messages from anyone else are dropped unread).

    Examples
    --------
    >>> from sklearn_stream.exceptions import WireError
    >>> issubclass(WireError, ValueError)
    True
    """
