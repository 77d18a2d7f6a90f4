"""The fold streams of a search, each read once for every candidate that trains from it.

A :class:`TrainGroup` is the candidates whose fits on one fold stream the same batches (see
:func:`~sklearn_stream.model_selection._candidates.training_key`). The process that runs the
search opens the group's stream once, reads each round's batches once, and hands them as a
:class:`BatchChunk` to the tasks that continue the group's models.
"""

import traceback
from itertools import islice
from typing import Any

from ..learner._run import FitSource

__all__ = ["BatchChunk", "TrainGroup", "batch_nbytes"]


def batch_nbytes(batch: Any) -> int:
    """The bytes of a batch's arrays (fields without ``nbytes`` count as nothing).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_stream.model_selection._groups import batch_nbytes
    >>> batch_nbytes({"X": np.zeros((4, 2)), "y": np.zeros(4)})
    96
    """
    fields = batch.values() if isinstance(batch, dict) else batch
    if not isinstance(fields, (tuple, list, type({}.values()))):
        fields = (fields,)
    return sum(int(getattr(field, "nbytes", 0)) for field in fields)


class BatchChunk:
    """The batches of one round (or part of one) of a group, shipped to its tasks.

    Weak-referenceable and sized by its arrays, so that joblib's dask backend scatters it
    to the cluster once for all the tasks of its group.
    """

    __slots__ = ("__weakref__", "batches", "nbytes")

    def __init__(self, batches: list) -> None:
        self.batches = batches
        self.nbytes = sum(batch_nbytes(batch) for batch in batches)

    def __sizeof__(self) -> int:
        return object.__sizeof__(self) + self.nbytes


class TrainGroup:
    """The candidates that train from one fold's stream, and that stream, read once.

    Parameters
    ----------
    fold : int
    source : FitSource
        The fit source of the group's first member (they all stream the same batches).
    max_batches : int
        The most batches any round reads: the stream is opened with it, so that a stream
        too short for a round fails in that round only, as a fresh fit would.

    Attributes
    ----------
    members : list of int
        The candidates still in the search.
    position : int
        Batches read so far.
    broken : str or None
        The traceback of the error that ended the stream.
    """

    def __init__(self, fold: int, source: FitSource, max_batches: int) -> None:
        self.fold = fold
        self.source = source
        self.max_batches = max_batches
        self.members: list = []
        self.position = 0
        self.broken: str | None = None
        self._batches: Any = None

    def read(self, stop: int, budget: int) -> BatchChunk:
        """Read the batches up to ``stop`` (from the current position), or fewer once they
        hold ``budget`` bytes; an error of the stream is kept in ``broken`` and propagated.
        """
        taken: list = []
        if self.broken is not None:
            return BatchChunk(taken)
        if self._batches is None:
            self._batches = self.source.open(self.max_batches)
        size = 0
        try:
            with self.source.noted():
                for batch in islice(self._batches, stop - self.position):
                    taken.append(batch)
                    size += batch_nbytes(batch)
                    if size >= budget:
                        break
        except Exception:
            self.broken = traceback.format_exc()
            self.close()
            raise
        finally:
            self.position += len(taken)
        return BatchChunk(taken)

    def close(self) -> None:
        """Close the stream (idempotent)."""
        if self._batches is not None:
            self._batches.close()
            self._batches = None
