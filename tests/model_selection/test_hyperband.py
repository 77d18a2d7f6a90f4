"""StreamHyperbandSearchCV: Hyperband's brackets, each a HalvingGridSearchCV over its
candidates, all from one read of each fold's stream."""

import numpy as np
import pytest
from scipy.stats import loguniform, randint
from sklearn.model_selection import KFold, ParameterSampler
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_stream import Streamer
from sklearn_stream.learner import StreamLearner
from sklearn_stream.model_selection import StreamHyperbandSearchCV
from sklearn_stream.model_selection._schedule import hyperband_brackets

from .search_data import (
    SGD,
    CountedStream,
    X,
    assert_same_rows,
    counts,
    sklearn_halving,
    y,
)

SPACE = {"estimator__alpha": loguniform(1e-5, 1e-1), "stream__sigma": [0.0, 1.0]}


def test_the_brackets_of_81_batches_by_3():
    brackets = hyperband_brackets(81, 3)
    assert [b.n_candidates[0] for b in brackets] == [81, 34, 15, 8, 5]
    assert [b.min_batches for b in brackets] == [1, 3, 9, 27, 81]
    assert [b.s for b in brackets] == [4, 3, 2, 1, 0]
    assert all(b.rungs[-1] == 81 and len(b.rungs) == b.s + 1 for b in brackets)
    assert brackets[0].n_candidates == [81, 27, 9, 3, 1]
    # with min_batches, the brackets start no lower, and end at max_batches
    assert [b.rungs for b in hyperband_brackets(30, 3, min_batches=3)] == [
        [3, 9, 27],
        [10, 30],
        [30],
    ]


@pytest.fixture(scope="module")
def hyperband(tmp_path_factory):
    log = tmp_path_factory.mktemp("hyperband") / "stream.log"
    learner = StreamLearner(SGD, stream=Streamer(CountedStream(log)), random_state=0)
    search = StreamHyperbandSearchCV(
        learner, SPACE, max_batches=27, cv=KFold(2), random_state=0
    ).fit(X, y)
    return search, learner, counts(log)


def test_each_bracket_equals_halving_grid_search_over_its_candidates(hyperband):
    search, learner, _ = hyperband
    results = search.cv_results_
    brackets = hyperband_brackets(27, 3)
    n_candidates = sum(b.n_candidates[0] for b in brackets)
    sampled = list(ParameterSampler(SPACE, n_candidates, random_state=0))
    assert [b.n_candidates for b in brackets] == search.n_candidates_
    start = 0
    for bracket in brackets:
        mine = bracket.n_candidates[0]
        candidates = sampled[start : start + mine]
        start += mine
        rows = np.flatnonzero(results["bracket"] == bracket.s)
        assert [results["params"][i] for i in rows[:mine]] == [
            {**c, "max_batches": bracket.min_batches} for c in candidates
        ]
        theirs = sklearn_halving(
            learner,
            [{name: [value] for name, value in c.items()} for c in candidates],
            X,
            y,
            min_batches=bracket.min_batches,
            max_batches=27,
            cv=KFold(2),
            refit=False,
        ).fit(X, y)
        assert theirs.n_resources_ == bracket.rungs
        assert_same_rows(search, rows, theirs)
    assert start == np.count_nonzero(results["iter"] == 0)


def test_rows_are_ordered_by_bracket_then_round(hyperband):
    search, _, _ = hyperband
    results = search.cv_results_
    order = list(zip(-results["bracket"], results["iter"]))
    assert order == sorted(order)
    assert results["bracket"].tolist()[0] == 3 and results["bracket"].tolist()[-1] == 0


def test_the_best_is_the_best_of_each_brackets_last_round(hyperband):
    search, _, _ = hyperband
    results = search.cv_results_
    last = [
        i
        for i, (b, itr) in enumerate(zip(results["bracket"], results["iter"]))
        if itr == search.n_iterations_[search.n_brackets_ - 1 - b] - 1
    ]
    best = last[int(np.nanargmax(results["mean_test_score"][last]))]
    assert search.best_index_ == best
    assert search.best_params_ == results["params"][best]
    assert search.best_params_["max_batches"] == 27
    assert search.best_estimator_.max_batches == 27


def test_one_stream_start_per_fold_and_stream_for_every_bracket(hyperband):
    search, _, (starts, batches) = hyperband
    # folds x stream__sigma values, whatever the brackets; then the refit's own
    assert starts == 2 * 2 + 1
    assert batches == search.n_batches_read_.sum() + 27
    assert search.n_batches_read_.tolist() == [2 * 27, 2 * 27]


def test_parameters_are_validated():
    learner = StreamLearner(SGD, batch_size=32, random_state=0)
    with pytest.raises(InvalidParameterError, match="max_batches"):
        StreamHyperbandSearchCV(learner, SPACE, max_batches=None).fit(X, y)
    with pytest.raises(ValueError, match="greater than max_batches"):
        StreamHyperbandSearchCV(learner, SPACE, max_batches=9, min_batches=10).fit(X, y)
    with pytest.raises(ValueError, match="Cannot search over"):
        StreamHyperbandSearchCV(learner, {"max_batches": randint(1, 9)}, max_batches=9).fit(X, y)


def test_a_small_grid_fills_the_brackets_in_order():
    learner = StreamLearner(SGD, batch_size=32, n_epochs=3, random_state=0)
    grid = {"estimator__alpha": [1e-5, 1e-4, 1e-3, 1e-2, 1e-1]}
    with pytest.warns(UserWarning, match="smaller than n_iter"):
        search = StreamHyperbandSearchCV(learner, grid, max_batches=9, cv=2, random_state=0).fit(
            X, y
        )
    assert search.n_candidates_ == [[5, 2, 1]]
    assert search.n_resources_ == [[1, 3, 9]]
