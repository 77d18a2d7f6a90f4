"""Exceptions raised by sklearn_stream.

Every error the package raises on purpose derives from :class:`StreamError`, and also from
the built-in exception a user would expect (``TypeError``, ``ValueError``, ``RuntimeError``),
so ``except ValueError`` keeps working.
"""

__all__ = [
    "BatchError",
    "BatchLengthError",
    "EmptyPoolError",
    "EmptyStreamError",
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
