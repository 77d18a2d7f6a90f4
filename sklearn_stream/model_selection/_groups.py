"""The fold streams of a search, each read once for every candidate that trains from it.

A :class:`TrainGroup` is the candidates whose fits on one fold stream the same batches (see
:func:`~sklearn_stream.model_selection._candidates.training_key`). The process that runs the
search opens the group's stream once, reads each round's batches once, and hands them as a
:class:`BatchChunk` to the tasks that continue the group's models. Likewise a held-out
fold's ``eval_stream`` is read once a round (:func:`read_evaluation`) and replayed to every
model scored on it (:class:`EvalReplay`).
"""

import sys
import traceback
from itertools import islice
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..learner._run import FitSource
from ..learner._scoring import Evaluation

__all__ = [
    "BatchChunk",
    "EvalReplay",
    "TrainGroup",
    "batch_nbytes",
    "data_nbytes",
    "read_evaluation",
]


def data_nbytes(data: Any) -> int:
    """The bytes ``data`` holds: an array's ``nbytes``; a sparse matrix's component arrays;
    a DataFrame's or Series' ``memory_usage(deep=True)``; the items of an object array, a
    list or a tuple, each by ``sys.getsizeof`` (a str's or bytes' characters included).

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from sklearn_stream.model_selection._groups import data_nbytes
    >>> data_nbytes(np.zeros((4, 2)))
    64
    >>> data_nbytes(sp.eye(4, format="csr"))  # data, indices and indptr
    68
    >>> data_nbytes(np.array(["x" * 1000], dtype=object)) > 1000
    True
    """
    if sp.issparse(data):
        parts = [getattr(data, name, None) for name in ("data", "indices", "indptr", "row", "col")]
        parts += list(getattr(data, "coords", ()))
        return sum(int(part.nbytes) for part in parts if isinstance(part, np.ndarray))
    if hasattr(data, "memory_usage") and hasattr(data, "dtypes"):  # pandas
        return int(np.sum(data.memory_usage(deep=True)))
    if isinstance(data, np.ndarray) and data.dtype == object:
        return int(data.nbytes) + sum(sys.getsizeof(item) for item in data.flat)
    if isinstance(data, (list, tuple)):
        return sys.getsizeof(data) + sum(
            data_nbytes(item) if hasattr(item, "nbytes") else sys.getsizeof(item) for item in data
        )
    if isinstance(data, (str, bytes)):
        return sys.getsizeof(data)
    return int(getattr(data, "nbytes", 0))


def batch_nbytes(batch: Any) -> int:
    """The bytes of a batch's fields (:func:`data_nbytes` of each).

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
    return sum(data_nbytes(field) for field in fields)


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


class EvalReplay(BatchChunk):
    """The evaluation passes of one round on one fold, shipped to the tasks that score.

    ``batches`` maps a pass's key (the candidates' evaluation key, ``"test"`` or
    ``"train"``) to the raw batches its ``eval_stream`` made.
    """

    __slots__ = ()

    def __init__(self, passes: dict) -> None:
        self.batches = passes
        self.nbytes = sum(batch_nbytes(b) for batches in passes.values() for b in batches)


def read_evaluation(learner: Any, X: Any, y: Any, budget: int) -> list | None:
    """The raw batches of ``learner``'s evaluation stream on ``(X, y)``, read to the end.

    None if they hold more than ``budget`` bytes, or if the stream fails: the models are
    then scored by streaming it themselves (where its errors are reported as scores).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn_stream.learner import StreamLearner
    >>> from sklearn_stream.model_selection._groups import read_evaluation
    >>> def halves(X, y):
    ...     yield {"X": X[:2], "y": y[:2]}
    ...     yield {"X": X[2:], "y": y[2:]}
    >>> learner = StreamLearner(SGDClassifier(), eval_stream=halves)
    >>> X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    >>> len(read_evaluation(learner, X, y, 2**20)), read_evaluation(learner, X, y, 10)
    (2, None)
    """
    evaluation = Evaluation(learner.eval_stream, learner.random_state, X, y, "the search")
    taken: list = []
    size = 0
    try:
        stream = evaluation.start()
    except Exception:
        return None
    try:
        for batch in stream:
            taken.append(batch)
            size += batch_nbytes(batch)
            if size > budget:
                return None
    except Exception:
        return None
    finally:
        stream.close()
    return taken


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
    exhausted : bool
        Whether the stream ended quietly (in-memory data after its ``n_epochs``): a fresh
        fit with more batches trains on no more than these.
    """

    def __init__(self, fold: int, source: FitSource, max_batches: int) -> None:
        self.fold = fold
        self.source = source
        self.max_batches = max_batches
        self.members: list = []
        self.position = 0
        self.broken: str | None = None
        self.exhausted = False
        self._batches: Any = None

    def reached(self, stop: int) -> bool:
        """Whether no more batches are read for a round that trains to ``stop``."""
        return self.broken is not None or self.exhausted or self.position >= stop

    def read(self, stop: int, budget: int) -> BatchChunk:
        """Read the batches up to ``stop`` (from the current position), or fewer once they
        hold ``budget`` bytes; an error of the stream is kept in ``broken`` and propagated.
        """
        taken: list = []
        if self.reached(stop):
            return BatchChunk(taken)
        size = 0
        try:
            with self.source.noted():
                if self._batches is None:  # a stream may fail as it is opened
                    self._batches = self.source.open(self.max_batches)
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
        self.exhausted = self.position < stop and size < budget
        return BatchChunk(taken)

    def close(self) -> None:
        """Close the stream (idempotent)."""
        if self._batches is not None:
            self._batches.close()
            self._batches = None
