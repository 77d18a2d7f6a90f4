"""A data source that cuts in-memory data into shuffled mini-batches, epoch after epoch.

``StreamLearner.fit(X, y)`` builds one of these and trains from its stream with the same
loop that ``iter_fit`` runs over a user's stream.
"""

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _is_arraylike, _num_samples

from ..core import check_max_batches

__all__ = ["ArraySource", "split_sample_params"]

# Sparse formats that support indexing rows by an integer array.
_ROW_INDEXABLE = frozenset({"csr", "csc", "lil"})


def split_sample_params(params: Mapping, n_samples: int, constant: frozenset) -> tuple:
    """Separate per-sample parameters (cut with each batch) from constant ones.

    A parameter is per-sample when it is array-like (or sparse) with ``n_samples`` rows and
    its name is not in ``constant`` (e.g. ``classes``, which must reach every call whole).

    Returns
    -------
    per_sample, constant_params : dict, dict

    Examples
    --------
    >>> from sklearn_stream.learner._array_source import split_sample_params
    >>> split_sample_params({"sample_weight": [1, 2], "classes": [0, 1]}, 2, {"classes"})
    ({'sample_weight': [1, 2]}, {'classes': [0, 1]})
    """
    per_sample, constant_params = {}, {}
    for name, value in params.items():
        if (
            name not in constant
            and value is not None
            and (_is_arraylike(value) or sp.issparse(value))
            and _num_samples(value) == n_samples
        ):
            per_sample[name] = value
        else:
            constant_params[name] = value
    return per_sample, constant_params


def _row_indexable(value: Any) -> Any:
    if sp.issparse(value) and value.format not in _ROW_INDEXABLE:
        return value.tocsr()
    return value


class ArraySource:
    """Shuffled mini-batches of in-memory data, as dict batches ``{"X", "y", ...}``.

    Each epoch visits every sample once, in a fresh random order when ``shuffle`` is True.
    An epoch's last batch, when shorter than ``batch_size``, is joined to the one before it
    (as :func:`sklearn.utils.gen_batches` does with ``min_batch_size``), so every batch has
    at least ``min(batch_size, n_samples)`` samples: estimators such as ``IncrementalPCA``
    need that many.

    Parameters
    ----------
    X : array-like or sparse matrix
        Features; any object :func:`sklearn.utils._safe_indexing` can index by rows.
    y : array-like or None
        Targets; no ``"y"`` field when None.
    sample_params : dict
        Per-sample fields (e.g. ``sample_weight``) cut along with ``X``.
    batch_size, n_epochs : int >= 1
    shuffle : bool
    rng : numpy.random.RandomState
        Draws the permutations; advanced by each epoch.

    Examples
    --------
    >>> from sklearn_stream.learner._array_source import ArraySource
    >>> source = ArraySource(np.arange(10)[:, None], None, {}, 4, 1, False, None)
    >>> [batch["X"].ravel().tolist() for batch in source.generate()]
    [[0, 1, 2, 3], [4, 5, 6, 7, 8, 9]]
    """

    def __init__(
        self,
        X: Any,
        y: Any,
        sample_params: Mapping,
        batch_size: int,
        n_epochs: int,
        shuffle: bool,
        rng: np.random.RandomState | None,
    ) -> None:
        self.X = _row_indexable(X)
        self.y = y
        self.sample_params = {name: _row_indexable(v) for name, v in sample_params.items()}
        self.n_samples = _num_samples(X)
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.shuffle = shuffle
        self.rng = rng

    def _bounds(self) -> list:
        n, size = self.n_samples, self.batch_size
        starts = list(range(0, n, size))
        if len(starts) > 1 and n - starts[-1] < size:
            starts.pop()  # join the short tail to the batch before it
        return [(start, stops) for start, stops in zip(starts, [*starts[1:], n])]

    def generate(self, max_batches: int | None = None) -> Iterator[dict]:
        """Start a fresh stream of ``n_epochs`` passes over the data.

        Parameters
        ----------
        max_batches : int >= 0 or None, default=None
            The most batches to yield.

        Returns
        -------
        iterator of dict
        """
        return self._batches(check_max_batches(max_batches))

    def _batches(self, max_batches: int | None) -> Iterator[dict]:
        bounds = self._bounds()
        fields = {"X": self.X}
        if self.y is not None:
            fields["y"] = self.y
        fields.update(self.sample_params)
        produced = 0
        for _ in range(self.n_epochs):
            order = (
                self.rng.permutation(self.n_samples) if self.shuffle else np.arange(self.n_samples)
            )
            for start, stop in bounds:
                if max_batches is not None and produced >= max_batches:
                    return
                rows = order[start:stop]
                yield {name: _safe_indexing(value, rows) for name, value in fields.items()}
                produced += 1
