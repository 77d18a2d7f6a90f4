"""Data, learners and comparisons shared by the tests of the adaptive searches."""

import os

import numpy as np
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import HalvingGridSearchCV

rng = np.random.default_rng(1)
X = rng.normal(size=(360, 6))
y = (X[:, 0] - X[:, 1] + 0.8 * rng.normal(size=360) > 0).astype(int)

GRID = {
    "estimator__alpha": [1e-5, 1e-3, 1e-1],
    "estimator__eta0": [0.01, 0.1],
    "estimator__penalty": ["l2", "l1"],
}
SGD = SGDClassifier(learning_rate="constant", eta0=0.01)


def noisy(X, y, sigma=0.3, random_state=None):
    """An endless seeded stream of noisy resamples of ``(X, y)``."""
    generator = np.random.default_rng(random_state)
    while True:
        rows = generator.integers(len(X), size=16)
        yield {"X": X[rows] + sigma * generator.normal(size=(16, X.shape[1])), "y": y[rows]}


class CountedStream:
    """A picklable stream function that logs its starts and batches to a file."""

    def __init__(self, log):
        self.log = str(log)

    def __call__(self, X, y, sigma=0.3, random_state=None):
        with open(self.log, "a") as handle:
            handle.write("start\n")
        for batch in noisy(X, y, sigma, random_state):
            with open(self.log, "a") as handle:
                handle.write("batch\n")
            yield batch


def _words(log):
    if not os.path.exists(log):
        return []
    with open(log) as handle:
        return handle.read().split()


def counts(log):
    """``(starts, batches)`` logged by :class:`CountedStream`."""
    lines = _words(log)
    return lines.count("start"), lines.count("batch")


class LoggedSGD(SGDClassifier):
    """An SGDClassifier that appends its process id to ``log`` at each partial_fit."""

    def __init__(
        self,
        log=None,
        *,
        alpha=1e-4,
        eta0=0.01,
        penalty="l2",
        fail_at=None,
        learning_rate="constant",
        random_state=None,
    ):
        super().__init__(
            alpha=alpha,
            eta0=eta0,
            penalty=penalty,
            learning_rate=learning_rate,
            random_state=random_state,
        )
        self.log = log
        self.fail_at = fail_at

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        calls = getattr(self, "n_calls_", 0)
        if self.fail_at is not None and calls >= self.fail_at:
            raise RuntimeError(f"partial_fit fails at call {calls}")
        self.n_calls_ = calls + 1
        if self.log is not None:
            with open(self.log, "a") as handle:
                handle.write(f"{os.getpid()}\n")
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)


def pids(log):
    return [int(word) for word in _words(log)]


def sklearn_halving(learner, grid, X, y, *, min_batches, max_batches, **kwargs):
    """scikit-learn's halving over ``max_batches``, set up as the stream search is."""
    return HalvingGridSearchCV(
        learner,
        grid,
        resource="max_batches",
        min_resources=min_batches if min_batches is not None else "exhaust",
        max_resources=max_batches,
        return_train_score=kwargs.pop("return_train_score", False),
        **kwargs,
    )


def assert_same_results(ours, theirs):
    """Every non-time column of ``cv_results_``, and the winner, are identical."""
    mine, other = ours.cv_results_, theirs.cv_results_
    keys = {k for k in other if "time" not in k}
    assert keys == {k for k in mine if "time" not in k}
    for key in sorted(keys):
        if key == "params":
            assert list(mine[key]) == list(other[key])
        elif np.ma.isMaskedArray(other[key]):
            assert mine[key].tolist() == other[key].tolist(), key
        else:
            np.testing.assert_array_equal(mine[key], other[key], err_msg=key)
    assert ours.best_index_ == theirs.best_index_
    assert ours.best_params_ == theirs.best_params_
    assert ours.best_score_ == theirs.best_score_ or np.isnan(theirs.best_score_)
    assert ours.n_resources_ == theirs.n_resources_
    assert ours.n_candidates_ == theirs.n_candidates_
    assert ours.n_iterations_ == theirs.n_iterations_
    assert ours.n_remaining_candidates_ == theirs.n_remaining_candidates_


class CountedPass:
    """A picklable finite evaluation stream (one pass in chunks of 32) that logs each start
    with its data's length, first and last values, which tell the folds' parts apart."""

    def __init__(self, log):
        self.log = str(log)

    def __call__(self, X, y, random_state=None):
        with open(self.log, "a") as handle:
            handle.write(f"start:{len(X)}:{float(X[0, 0]):.17g}:{float(X[-1, -1]):.17g}\n")
        for start in range(0, len(X), 32):
            yield {"X": X[start : start + 32], "y": y[start : start + 32]}


def starts_per_data(log):
    """How often :class:`CountedPass` started, by the data it started on."""
    starts = {}
    for word in _words(log):
        starts[word] = starts.get(word, 0) + 1
    return starts


def assert_same_rows(ours, rows, theirs):
    """The ``rows`` of ``ours.cv_results_`` equal every row of ``theirs.cv_results_`` in
    every column but times and ranks (ranks are over all of ``ours``' rows)."""
    mine, other = ours.cv_results_, theirs.cv_results_
    keys = {k for k in other if "time" not in k and not k.startswith("rank")}
    assert keys <= set(mine)
    for key in sorted(keys):
        if key == "params":
            assert [mine[key][i] for i in rows] == list(other[key])
        elif np.ma.isMaskedArray(other[key]):
            assert mine[key][rows].tolist() == other[key].tolist(), key
        else:
            np.testing.assert_array_equal(mine[key][rows], other[key], err_msg=key)
