"""StreamHalvingSearchCV gives exactly HalvingGridSearchCV(resource="max_batches")'s results."""

import numpy as np
import pytest
from joblib.externals.loky import get_reusable_executor
from sklearn.base import clone
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import GroupKFold, HalvingRandomSearchCV, KFold, cross_validate

from sklearn_stream import Streamer
from sklearn_stream.io import read_npy
from sklearn_stream.learner import StreamLearner
from sklearn_stream.model_selection import StreamHalvingSearchCV
from sklearn_stream.model_selection._rounds import RoundEngine

from .search_data import GRID, SGD, X, assert_same_results, noisy, sklearn_halving, y

IN_MEMORY = StreamLearner(SGD, batch_size=32, n_epochs=5, random_state=0)
STREAMED = StreamLearner(SGD, stream=Streamer(noisy), random_state=0)


def _both(learner, grid, X, y, *, min_batches, max_batches, fit_params=None, **kwargs):
    fit_params = fit_params or {}
    ours = StreamHalvingSearchCV(
        learner, grid, min_batches=min_batches, max_batches=max_batches, **kwargs
    ).fit(X, y, **fit_params)
    theirs = sklearn_halving(
        learner, grid, X, y, min_batches=min_batches, max_batches=max_batches, **kwargs
    ).fit(X, y, **fit_params)
    return ours, theirs


@pytest.mark.parametrize(
    ("factor", "aggressive", "min_batches", "max_batches"),
    [(3, False, 2, 30), (2, False, None, 24), (3, True, 6, 24), (2, True, 4, 16)],
)
def test_in_memory_equals_halving_grid_search(factor, aggressive, min_batches, max_batches):
    ours, theirs = _both(
        IN_MEMORY,
        GRID,
        X,
        y,
        min_batches=min_batches,
        max_batches=max_batches,
        factor=factor,
        aggressive_elimination=aggressive,
        cv=KFold(3),
    )
    assert_same_results(ours, theirs)
    if aggressive:
        assert len(set(ours.n_resources_)) < len(ours.n_resources_)  # a rung repeated
    np.testing.assert_array_equal(ours.best_estimator_.coef_, theirs.best_estimator_.coef_)


@pytest.mark.parametrize("scoring", [None, "accuracy"])
def test_a_stream_learner_equals_halving_grid_search(scoring):
    grid = {**GRID, "stream__sigma": [0.0, 1.0]}
    ours, theirs = _both(
        STREAMED, grid, X, y, min_batches=3, max_batches=27, scoring=scoring, cv=3
    )
    assert_same_results(ours, theirs)


def test_train_scores_are_equal_too():
    ours, theirs = _both(
        IN_MEMORY, GRID, X, y, min_batches=3, max_batches=27, cv=3, return_train_score=True
    )
    assert "mean_train_score" in ours.cv_results_
    assert_same_results(ours, theirs)


@pytest.fixture
def npy_files(tmp_path):
    paths, targets = [], []
    for part in range(6):
        rows = np.random.default_rng(part).normal(size=(60, 4))
        np.save(tmp_path / f"X{part}.npy", rows)
        np.save(tmp_path / f"y{part}.npy", (rows[:, 0] > 0).astype(int))
        paths.append(str(tmp_path / f"X{part}.npy"))
        targets.append(str(tmp_path / f"y{part}.npy"))
    return np.array(paths), np.array(targets)


def _epochs(X, y, batch_size=8, random_state=None):
    """Epoch after epoch of the files' rows, shuffled afresh each epoch."""
    for epoch in range(100):
        seed = None if random_state is None else random_state + epoch
        yield from read_npy(
            list(X), list(y), batch_size=batch_size, shuffle=True, random_state=seed
        ).generate()


@pytest.mark.parametrize("factor", [2, 3])
def test_files_with_eval_stream_and_groups_equal_halving_grid_search(npy_files, factor):
    paths, targets = npy_files
    learner = StreamLearner(
        SGD,
        stream=Streamer(_epochs),
        eval_stream=Streamer(read_npy, batch_size=32),
        random_state=0,
    )
    groups = np.arange(6) % 3
    grid = {"estimator__alpha": [1e-5, 1e-3, 1e-1], "estimator__eta0": [0.01, 0.1]}
    ours, theirs = _both(
        learner,
        grid,
        paths,
        targets,
        min_batches=2,
        max_batches=18,
        factor=factor,
        cv=GroupKFold(3),
        fit_params={"groups": groups, "classes": [0, 1]},
    )
    assert_same_results(ours, theirs)


def test_each_rung_equals_a_fresh_cross_validation():
    search = StreamHalvingSearchCV(
        STREAMED, GRID, min_batches=3, max_batches=27, cv=KFold(3), refit=False
    ).fit(X, y)
    results = search.cv_results_
    for row in (0, len(results["params"]) - 1):
        learner = clone(STREAMED).set_params(**results["params"][row])
        fresh = cross_validate(learner, X, y, cv=KFold(3))["test_score"]
        scores = [results[f"split{k}_test_score"][row] for k in range(3)]
        np.testing.assert_array_equal(scores, fresh)


def test_sampled_candidates_equal_halving_random_search():
    grid = {"estimator__alpha": [1e-5, 1e-4, 1e-3, 1e-2, 1e-1], "estimator__eta0": [0.01, 0.1]}
    ours = StreamHalvingSearchCV(
        IN_MEMORY, grid, n_candidates=6, random_state=0, min_batches=3, max_batches=27, cv=3
    ).fit(X, y)
    theirs = HalvingRandomSearchCV(
        IN_MEMORY,
        grid,
        n_candidates=6,
        random_state=0,
        resource="max_batches",
        min_resources=3,
        max_resources=27,
        cv=3,
        return_train_score=False,
    ).fit(X, y)
    assert_same_results(ours, theirs)


def test_a_random_state_object_shares_no_stream_and_stays_exact():
    learner = clone(IN_MEMORY).set_params(random_state=np.random.RandomState(3))
    grid = {"estimator__alpha": [1e-5, 1e-3, 1e-1]}
    ours, theirs = _both(learner, grid, X, y, min_batches=3, max_batches=9, cv=KFold(2))
    assert_same_results(ours, theirs)


def test_early_stopping_with_validation_data_stays_exact():
    learner = clone(IN_MEMORY).set_params(
        validation_data=(X[:60], y[:60]),
        eval_every=4,
        early_stopping=True,
        n_iter_no_change=2,
        tol=0.0,
    )
    ours, theirs = _both(learner, GRID, X, y, min_batches=3, max_batches=27, cv=KFold(3))
    assert_same_results(ours, theirs)


def test_in_memory_data_used_up_before_a_rung_equals_halving_grid_search():
    # 240 training rows in batches of 32, one epoch: 7 batches, fewer than rungs 9 and 27
    learner = clone(IN_MEMORY).set_params(n_epochs=1)
    ours, theirs = _both(learner, GRID, X, y, min_batches=3, max_batches=27, cv=KFold(3))
    assert_same_results(ours, theirs)
    assert ours.n_batches_read_.tolist() == [7, 7, 7]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_last_round_of_one_candidate_refits_it_alongside(monkeypatch, n_jobs):
    """The winner of a last round of one candidate is known before that round: its refit
    runs as one more task of the round, and equals the refit made after the rounds."""
    used = []
    early_task = RoundEngine._early_task

    def spy(engine):
        task = early_task(engine)
        used.append(task is not None)
        return task

    monkeypatch.setattr(RoundEngine, "_early_task", spy)
    grid = {"estimator__alpha": [1e-5, 1e-3, 1e-1], "estimator__eta0": [0.01, 0.03, 0.1]}
    try:
        ours, theirs = _both(IN_MEMORY, grid, X, y, min_batches=2, max_batches=18, n_jobs=n_jobs)
    finally:  # joblib keeps its loky workers otherwise; later tests count child processes
        get_reusable_executor().shutdown(wait=True)
    assert ours.n_candidates_ == [9, 3, 1]
    assert used[-1] and not any(used[:-1])  # the last round only
    assert_same_results(ours, theirs)
    np.testing.assert_array_equal(ours.best_estimator_.coef_, theirs.best_estimator_.coef_)
    assert ours.refit_time_ > 0


ALL_ROWS = len(X)


def failing_on_all_data(X, y):
    """The batches of ``X`` and ``y``, unless they are all the data (the refit's)."""
    if len(X) == ALL_ROWS:
        raise OSError("the refit's stream fails")
    yield from noisy(X, y, random_state=0)


def test_an_early_refit_that_fails_fails_again_after_the_rounds():
    """The error of a failed early refit is that of a refit in the search's own process,
    raised after the rounds, with the stream's frames in its traceback."""
    learner = StreamLearner(SGD, stream=Streamer(failing_on_all_data), random_state=0)
    grid = {"estimator__alpha": [1e-5, 1e-3, 1e-1], "estimator__eta0": [0.01, 0.03, 0.1]}
    search = StreamHalvingSearchCV(learner, grid, min_batches=2, max_batches=18, cv=3)
    with pytest.raises(OSError, match="the refit's stream fails") as raised:
        search.fit(X, y)
    assert search.best_index_ == 12  # the rounds ended: the winner was chosen
    assert "failing_on_all_data" in "".join(str(entry) for entry in raised.traceback)
