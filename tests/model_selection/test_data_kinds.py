"""Sparse data, text and DataFrames; parameter objects in the grid; models whose arrays
come back read-only from a cluster."""

import pickle
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.linear_model import Perceptron, SGDClassifier
from sklearn.model_selection import KFold

from sklearn_stream import Streamer
from sklearn_stream.learner import StreamLearner
from sklearn_stream.model_selection import StreamHalvingSearchCV, _groups, _rounds
from sklearn_stream.model_selection._groups import batch_nbytes, data_nbytes
from sklearn_stream.model_selection._tasks import ScoringJob, run_slice, writable

from .search_data import SGD, X, assert_same_results, sklearn_halving, y

GRID = {"estimator__alpha": [1e-5, 1e-3, 1e-1]}


def test_sparse_data_equals_halving_grid_search():
    X_sparse = sp.random(120, 30, density=0.2, format="csr", random_state=0)
    target = np.arange(120) % 2
    learner = StreamLearner(SGD, batch_size=20, random_state=0)
    kwargs = {"min_batches": None, "max_batches": 9, "cv": KFold(3), "return_train_score": True}
    ours = StreamHalvingSearchCV(learner, GRID, **kwargs).fit(X_sparse, target)
    theirs = sklearn_halving(learner, GRID, X_sparse, target, **kwargs)
    assert_same_results(ours, theirs.fit(X_sparse, target))


def test_the_bytes_of_sparse_text_and_frames_are_counted():
    matrix = sp.random(100, 1000, density=0.05, format="csr", random_state=0)
    assert data_nbytes(matrix) == sum(
        part.nbytes for part in (matrix.data, matrix.indices, matrix.indptr)
    )
    assert data_nbytes(matrix.tocoo()) >= matrix.data.nbytes + 2 * matrix.nnz * 4
    docs = np.array(["a long document " * 100] * 10, dtype=object)
    assert data_nbytes(docs) > 10 * 1600
    assert data_nbytes(list(docs)) > 10 * 1600
    frame = pd.DataFrame({"text": list(docs), "n": np.arange(10)})
    assert data_nbytes(frame) > 10 * 1600
    assert batch_nbytes({"X": matrix, "y": np.zeros(100)}) == data_nbytes(matrix) + 800


def _sparse_batches(X, y, random_state=None):
    rng = np.random.default_rng(random_state)
    while True:
        rows = rng.integers(len(X), size=16)
        yield {"X": sp.csr_matrix(X[rows]), "y": y[rows]}


@pytest.mark.timeout(60)
def test_the_chunk_budget_applies_to_sparse_batches(monkeypatch):
    matrix = sp.csr_matrix(X[:16])
    one = matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes + y[:16].nbytes
    monkeypatch.setattr(_rounds, "CHUNK_BUDGET", 2 * one)  # two batches a read
    sizes = []
    read = _groups.TrainGroup.read

    def recorded(group, stop, budget):
        chunk = read(group, stop, budget)
        sizes.append(len(chunk.batches))
        return chunk

    monkeypatch.setattr(_groups.TrainGroup, "read", recorded)
    learner = StreamLearner(SGD, stream=_sparse_batches, random_state=0)
    kwargs = {"min_batches": 3, "max_batches": 9, "cv": KFold(2), "refit": False}
    ours = StreamHalvingSearchCV(learner, GRID, **kwargs).fit(X, y)
    assert max(sizes) == 2 and sum(sizes) == 2 * 9
    monkeypatch.undo()
    assert_same_results(ours, sklearn_halving(learner, GRID, X, y, **kwargs).fit(X, y))


def _sizes(X, y, size=16, random_state=None):
    rng = np.random.default_rng(random_state)
    while True:
        rows = rng.integers(len(X), size=size)
        yield {"X": X[rows], "y": y[rows]}


def test_parameter_objects_in_the_grid_are_cloned_not_shared_or_changed():
    stream = Streamer(_sizes)
    grid = {"stream": [stream], "stream__size": [4, 64]}
    learner = StreamLearner(SGD, random_state=0)
    kwargs = {"min_batches": 3, "max_batches": 3, "cv": KFold(3)}
    ours = StreamHalvingSearchCV(learner, grid, **kwargs).fit(X, y)
    theirs = sklearn_halving(learner, grid, X, y, **kwargs).fit(X, y)
    assert_same_results(ours, theirs)
    assert grid["stream"][0] is stream
    assert stream.get_params() == Streamer(_sizes).get_params()
    estimators = [SGDClassifier(), Perceptron()]
    grid = {"estimator": list(estimators), "estimator__alpha": [1e-5, 1.0]}
    StreamHalvingSearchCV(learner, grid, max_batches=4, cv=3).fit(X, y)
    assert grid["estimator"] == estimators
    assert [e.get_params() for e in estimators] == [
        SGDClassifier().get_params(),
        Perceptron().get_params(),
    ]
    assert not any(hasattr(e, "coef_") for e in estimators)


def _read_only(value):
    """``value`` with its arrays read-only, as Ray's zero-copy deserialisation gives."""
    buffers = []
    data = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    return pickle.loads(data, buffers=[bytes(b.raw()) for b in buffers])


@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_run_with_read_only_arrays_trains_on_a_copy_exactly(n_classes):
    target = np.arange(len(X)) % n_classes
    learner = StreamLearner(SGD, batch_size=32, random_state=0)
    run, source = learner._start_run(X, target, {})
    batches = list(source.open(6))
    run.train_on(batches[:3])
    shipped = _read_only(run)
    assert not shipped.estimator.coef_.flags.writeable
    assert writable(run) is run
    (outcome,) = run_slice([(0, shipped)], _groups.BatchChunk(batches[3:]), None, {}, None, 0.0)
    assert outcome.run.broken is None and outcome.n_trained == 3
    run.train_on(batches[3:])
    np.testing.assert_array_equal(outcome.run.estimator.coef_, run.estimator.coef_)


def test_a_scoring_job_holds_and_is_sized_by_its_folds_rows_only():
    test = np.arange(300, 360)
    job = ScoringJob.of_fold(None, (X, y), {"test": test}, {}, np.nan)
    X_test, y_test, _ = job.parts["test"]
    np.testing.assert_array_equal(X_test, X[test])
    assert sys.getsizeof(job) >= X_test.nbytes + y_test.nbytes
    assert sys.getsizeof(job) < X.nbytes
