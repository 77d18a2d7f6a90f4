"""Refused settings, failing fits and scorers, and estimators that are not learners."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_stream import Streamer
from sklearn_stream.learner import StreamLearner
from sklearn_stream.model_selection import StreamHalvingSearchCV, _groups
from sklearn_stream.model_selection._groups import BatchChunk

from .search_data import SGD, LoggedSGD, X, assert_same_results, noisy, sklearn_halving, y

LEARNER = StreamLearner(SGD, batch_size=32, n_epochs=5, random_state=0)
GRID = {"estimator__alpha": [1e-5, 1e-3, 1e-1]}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_batches": 9, "param_grid": {"max_batches": [3, 9]}}, "Cannot search over"),
        ({}, "needs the most batches"),
        ({"min_batches": 10, "max_batches": 9}, "greater than max_batches"),
        (
            {"max_batches": 9, "scoring": {"a": "accuracy", "b": "f1"}},
            "refit must name the one",
        ),
    ],
)
def test_refused_settings(kwargs, match):
    kwargs = {"param_grid": GRID, **kwargs}
    with pytest.raises(ValueError, match=match):
        StreamHalvingSearchCV(LEARNER, **kwargs).fit(X, y)


def test_parameters_are_validated_like_scikit_learns():
    with pytest.raises(InvalidParameterError, match="factor"):
        StreamHalvingSearchCV(LEARNER, GRID, factor=1, max_batches=9).fit(X, y)
    with pytest.raises(InvalidParameterError, match="estimator"):
        StreamHalvingSearchCV(object(), GRID, max_batches=9).fit(X, y)


def _quietly(search):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return search.fit(X, y)


def test_a_partial_fit_failing_mid_way_scores_error_score_from_that_rung_as_sklearn():
    learner = StreamLearner(LoggedSGD(), batch_size=32, n_epochs=5, random_state=0)
    grid = {"estimator__fail_at": [None, 5], "estimator__alpha": [1e-5, 1e-3, 1e-1]}
    kwargs = {"min_batches": 3, "max_batches": 27, "cv": KFold(3), "factor": 2}
    ours = _quietly(StreamHalvingSearchCV(learner, grid, **kwargs))
    theirs = _quietly(sklearn_halving(learner, grid, X, y, **kwargs))
    assert_same_results(ours, theirs)
    results = ours.cv_results_
    failing = [p["estimator__fail_at"] == 5 for p in results["params"]]
    scores = results["mean_test_score"]
    rungs = results["n_resources"]
    assert np.isnan(scores[np.array(failing) & (rungs > 5)]).all()
    assert not np.isnan(scores[np.array(failing) & (rungs <= 5)]).any()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        StreamHalvingSearchCV(learner, grid, refit=False, **kwargs).fit(X, y)
    assert any(w.category is FitFailedWarning for w in record)


def test_error_score_raise_raises_the_fit_error():
    learner = StreamLearner(LoggedSGD(fail_at=4), batch_size=32, random_state=0)
    search = StreamHalvingSearchCV(learner, GRID, max_batches=9, error_score="raise")
    with pytest.raises(RuntimeError, match="fails at call 4"):
        search.fit(X, y)


def test_every_fit_failing_is_an_error():
    learner = StreamLearner(LoggedSGD(fail_at=0), batch_size=32, random_state=0)
    with pytest.raises(ValueError, match="All the 9 fits failed"):
        StreamHalvingSearchCV(learner, GRID, max_batches=9, cv=3).fit(X, y)


def test_a_failing_scorer_gives_error_score_with_a_warning():
    def scorer(estimator, X, y):
        if estimator.estimator_.alpha > 0.01:
            raise ArithmeticError("no score")
        return estimator.score(X, y)

    search = StreamHalvingSearchCV(LEARNER, GRID, max_batches=9, cv=3, scoring=scorer)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        search.fit(X, y)
    assert any("Scoring failed" in str(w.message) for w in record)
    alphas = [p["estimator__alpha"] for p in search.cv_results_["params"]]
    assert np.isnan(search.cv_results_["mean_test_score"][alphas.index(0.1)])


def test_several_metrics_choose_by_the_refit_one():
    scoring = {"acc": "accuracy", "bal": "balanced_accuracy"}
    search = StreamHalvingSearchCV(
        LEARNER, GRID, max_batches=9, cv=3, scoring=scoring, refit="bal"
    ).fit(X, y)
    results = search.cv_results_
    assert search.multimetric_ and "mean_test_acc" in results
    assert search.best_score_ == results["mean_test_bal"][search.best_index_]
    assert search.best_estimator_.max_batches == 9


def test_a_bare_partial_fit_estimator_is_wrapped_with_its_own_names():
    sgd = SGDClassifier(learning_rate="constant", eta0=0.01)
    search = StreamHalvingSearchCV(
        sgd, {"alpha": [1e-5, 1e-3, 1e-1]}, max_batches=6, cv=3, random_state=0
    ).fit(X, y)
    assert set(search.best_params_) == {"alpha", "max_batches"}
    learner = StreamLearner(sgd, batch_size=256, n_epochs=6, random_state=0)
    same = StreamHalvingSearchCV(
        learner, {"estimator__alpha": [1e-5, 1e-3, 1e-1]}, max_batches=6, cv=3
    ).fit(X, y)
    np.testing.assert_array_equal(
        search.cv_results_["mean_test_score"], same.cv_results_["mean_test_score"]
    )
    assert search.predict(X[:5]).tolist() == same.predict(X[:5]).tolist()
    assert clone(search).get_params()["estimator"].alpha == sgd.alpha


def _opens_nothing(X, y):
    raise FileNotFoundError("missing file")  # e.g. opening a list of files eagerly


def _eager(X, y, sigma=0.3, random_state=None):
    """A stream that checks its parameters when called, before its first batch."""
    if sigma > 2:
        raise ValueError("sigma too large")
    return noisy(X, y, sigma, random_state)


@pytest.mark.timeout(60)
def test_a_stream_failing_as_it_opens_fails_its_fits_as_sklearn():
    learner = StreamLearner(SGD, stream=Streamer(_eager), random_state=0)
    grid = {"stream__sigma": [0.1, 1.0, 3.0]}
    kwargs = {"min_batches": None, "max_batches": 9, "cv": KFold(3)}
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ours = StreamHalvingSearchCV(learner, grid, **kwargs).fit(X, y)
    failed = [w for w in record if w.category is FitFailedWarning]
    assert failed and "sigma too large" in str(failed[0].message)
    theirs = _quietly(sklearn_halving(learner, grid, X, y, **kwargs))
    assert_same_results(ours, theirs)
    assert np.isnan(ours.cv_results_["mean_test_score"][2])


@pytest.mark.timeout(60)
def test_a_stream_failing_as_it_opens_for_every_fit_is_an_error():
    learner = StreamLearner(SGD, stream=_opens_nothing, random_state=0)
    search = StreamHalvingSearchCV(learner, GRID, max_batches=3, cv=3)
    with pytest.raises(ValueError, match="All the 9 fits failed"):
        search.fit(X, y)
    with pytest.raises(FileNotFoundError, match="missing file"):
        search.set_params(error_score="raise").fit(X, y)


@pytest.mark.timeout(60)
def test_a_pass_that_makes_no_progress_is_an_internal_error(monkeypatch):
    # a (hypothetical) read that neither reads a batch nor ends its stream
    monkeypatch.setattr(_groups.TrainGroup, "read", lambda group, stop, budget: BatchChunk([]))
    with pytest.raises(RuntimeError, match="Internal error"):
        StreamHalvingSearchCV(LEARNER, GRID, max_batches=3, cv=3).fit(X, y)


def test_the_messages_name_what_the_user_wrote():
    sgd = SGDClassifier()
    with pytest.raises(ValueError, match="Cannot search over max_batches:"):
        StreamHalvingSearchCV(sgd, {"max_batches": [3, 9]}, max_batches=9).fit(X, y)
    pipeline = make_pipeline(StandardScaler(), SGDClassifier())
    with pytest.raises(TypeError, match=r"Wrap it in a StreamLearner.*Pipeline"):
        StreamHalvingSearchCV(pipeline, {"sgdclassifier__alpha": [1e-4]}, max_batches=3).fit(X, y)
