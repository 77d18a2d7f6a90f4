"""Exceptions raised by sklearn_stream.

Errors about the data (malformed batches, empty pools or streams, failed workers) derive from
:class:`StreamError`, and also from the built-in exception a user would expect
(``TypeError``, ``RuntimeError``), so ``except TypeError`` keeps working. Invalid arguments
raise plain ``TypeError`` or ``ValueError`` at the call, as scikit-learn's functions do.
"""

__all__ = [
    "BatchError",
    "BatchLengthError",
    "EmptyPoolError",
    "EmptyStreamError",
    "ShortStreamError",
    "StreamError",
]


class StreamError(Exception):
    """Base class of the errors raised by sklearn_stream."""


class BatchError(StreamError, TypeError):
    """A stream produced something that is not a valid batch.

    Raised for a value that is not a ``dict``, a batch without fields, a field without a
    length, or a batch whose keys differ from the first batch of its stream.
    """


class BatchLengthError(StreamError, RuntimeError):
    """The fields of a batch do not share their first-axis length."""


class EmptyPoolError(StreamError, RuntimeError):
    """A multiplexer was given no seeds to draw from."""


class EmptyStreamError(StreamError, RuntimeError):
    """A stream produced no batch where at least one was needed."""


class ShortStreamError(StreamError, RuntimeError):
    """A stream ended before yielding the ``max_batches`` batches a fit was asked to train on."""
