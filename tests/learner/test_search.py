"""StreamLearner(stream=...): streams as parameters, in scikit-learn's searches and tools."""

import pickle

import numpy as np
import pytest
from scipy.stats import uniform
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    RandomizedSearchCV,
    cross_validate,
    learning_curve,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_stream import Streamer
from sklearn_stream.learner import StreamLearner


def noisy(X, y, sigma=0.1, batch_size=16, random_state=None):
    """An endless stream of noisy resamples of (X, y)."""
    rng = np.random.default_rng(random_state)
    while True:
        rows = rng.integers(len(X), size=batch_size)
        noise = sigma * rng.standard_normal((batch_size, X.shape[1]))
        yield {"X": X[rows] + noise, "y": y[rows]}


def chunks(X, y=None, size=10):
    """One ordered pass over (X, y) in chunks of ``size``."""
    for start in range(0, len(X), size):
        batch = {"X": X[start : start + size]}
        if y is not None:
            batch["y"] = y[start : start + size]
        yield batch


def _regression(n=120, seed=0):
    return make_regression(n_samples=n, n_features=4, noise=1.0, random_state=seed)


def _coef(learner):
    return np.concatenate([np.ravel(learner.coef_), np.ravel(learner.intercept_)])


# -- the stream receives the fit's data ---------------------------------------------------------
@pytest.mark.parametrize(
    ("stream", "explicit"),
    [
        (Streamer(chunks), lambda X, y: Streamer(chunks, X, y)),
        (Streamer(chunks, 7), lambda X, y: Streamer(chunks, X, y, 7)),
        (Streamer(chunks, size=5), lambda X, y: Streamer(chunks, X, y, size=5)),
        (chunks, lambda X, y: Streamer(chunks, X, y)),
        (lambda X, y: chunks(X, y, size=3), lambda X, y: Streamer(chunks, X, y, size=3)),
    ],
    ids=["streamer", "positional-arg", "keyword-arg", "function", "lambda"],
)
def test_fit_streams_the_data_put_before_the_streams_own_arguments(stream, explicit):
    X, y = _regression()
    before = (stream.args, dict(stream.kwargs)) if isinstance(stream, Streamer) else None
    learner = StreamLearner(SGDRegressor(random_state=0), stream=stream).fit(X, y)
    reference = StreamLearner(SGDRegressor(random_state=0)).iter_fit(explicit(X, y))
    np.testing.assert_array_equal(_coef(learner), _coef(reference))
    assert learner.n_samples_seen_ == len(X) == reference.n_samples_seen_
    if before is not None:  # the parameter itself was not touched
        assert (stream.args, stream.kwargs) == before


def test_without_y_the_stream_gets_x_alone():
    X, _ = _regression()
    learner = StreamLearner(StandardScaler(), stream=Streamer(chunks, size=30)).fit(X)
    assert learner.n_batches_seen_ == 4
    np.testing.assert_allclose(learner.mean_, X.mean(axis=0))


def test_stream_keywords_are_learner_parameters():
    learner = StreamLearner(SGDRegressor(), stream=Streamer(noisy, sigma=1.0))
    params = learner.get_params(deep=True)
    assert params["stream__sigma"] == 1.0
    assert "stream__batch_size" not in params  # a default the user did not pass
    twin = clone(learner)
    # a keyword the function takes can be set even when it was not given at construction
    twin.set_params(stream__sigma=2.0, stream__batch_size=4)
    assert twin.stream.kwargs == {"sigma": 2.0, "batch_size": 4}
    assert learner.stream.kwargs == {"sigma": 1.0}  # clone made an independent copy
    assert twin.get_params()["stream__batch_size"] == 4
    with pytest.raises(ValueError, match="invalid parameters"):
        twin.set_params(stream__colour="red")


def test_set_stream_keyword_changes_what_is_trained_on():
    X, y = _regression()
    base = StreamLearner(SGDRegressor(random_state=0), 30, stream=Streamer(noisy), random_state=0)
    tuned = clone(base).set_params(stream__batch_size=4).fit(X, y)
    built = clone(base).set_params(stream=Streamer(noisy, batch_size=4)).fit(X, y)
    assert tuned.n_samples_seen_ == 120 == built.n_samples_seen_
    np.testing.assert_array_equal(_coef(tuned), _coef(built))


# -- random_state ----------------------------------------------------------------------------
def _fit(stream, random_state, estimator=None):
    X, y = _regression()
    estimator = SGDRegressor(random_state=0) if estimator is None else estimator
    return StreamLearner(estimator, 40, stream=stream, random_state=random_state).fit(X, y)


@pytest.mark.parametrize("random_state", [0, 7, np.int64(3)])
def test_int_random_state_makes_stream_fits_identical(random_state):
    first = _fit(Streamer(noisy, sigma=0.5), random_state, SGDRegressor())
    second = _fit(Streamer(noisy, sigma=0.5), random_state, SGDRegressor())
    np.testing.assert_array_equal(_coef(first), _coef(second))
    other = _fit(Streamer(noisy, sigma=0.5), random_state + 1, SGDRegressor())
    assert not np.array_equal(_coef(first), _coef(other))


def test_derived_seed_reaches_an_unset_random_state_only():
    X, y = _regression()
    derived = _fit(Streamer(noisy), 0)
    passed_none = _fit(Streamer(noisy, random_state=None), 0)  # None counts as unset
    np.testing.assert_array_equal(_coef(derived), _coef(passed_none))
    # a random_state the user set is kept: the same as streaming it by hand
    kept = _fit(Streamer(noisy, random_state=5), 0)
    by_hand = StreamLearner(SGDRegressor(random_state=0), 40, random_state=0)
    by_hand.iter_fit(Streamer(noisy, X, y, random_state=5))
    np.testing.assert_array_equal(_coef(kept), _coef(by_hand))
    assert not np.array_equal(_coef(kept), _coef(derived))


def test_learner_without_random_state_leaves_the_streams_default():
    X, y = _regression()

    def seeded(X, y, random_state=11):
        return noisy(X, y, random_state=random_state)

    learner = _fit(Streamer(seeded), None)
    by_hand = StreamLearner(SGDRegressor(random_state=0), 40).iter_fit(Streamer(seeded, X, y))
    np.testing.assert_array_equal(_coef(learner), _coef(by_hand))


def test_a_function_without_random_state_gets_none():
    def plain(X, y, **kwargs):  # random_state would land in **kwargs: not passed
        assert "random_state" not in kwargs
        return chunks(X, y)

    X, y = _regression()
    learner = StreamLearner(SGDRegressor(random_state=0), stream=plain, random_state=0)
    assert learner.fit(X, y).n_batches_seen_ == 12


# -- scikit-learn's tools ----------------------------------------------------------------------
def _search_learner(**params):
    return StreamLearner(
        SGDRegressor(), 40, stream=Streamer(noisy), random_state=0, **params
    ).set_params(estimator__random_state=0)


def test_grid_search_over_stream_estimator_and_max_batches_is_reproducible():
    X, y = _regression()
    grid = {
        "stream__sigma": [0.0, 3.0],
        "estimator__alpha": [1e-4, 1.0],
        "max_batches": [5, 40],
    }
    searches = [GridSearchCV(_search_learner(), grid, cv=3).fit(X, y) for _ in range(2)]
    np.testing.assert_array_equal(
        searches[0].cv_results_["mean_test_score"], searches[1].cv_results_["mean_test_score"]
    )
    best = searches[0].best_estimator_
    assert searches[0].best_params_ == {
        "stream__sigma": 0.0,
        "estimator__alpha": 1e-4,
        "max_batches": 40,
    }
    assert best.stream.kwargs == {"sigma": 0.0}
    assert best.n_batches_seen_ == 40
    assert searches[0].estimator.stream.kwargs == {}  # the search's own learner is untouched


def test_randomized_search_samples_stream_parameters():
    X, y = _regression()
    search = RandomizedSearchCV(
        _search_learner(),
        {"stream__sigma": uniform(0.0, 2.0), "stream__batch_size": [4, 16]},
        n_iter=4,
        cv=2,
        random_state=0,
    ).fit(X, y)
    sigmas = search.cv_results_["param_stream__sigma"]
    assert len(set(np.asarray(sigmas, dtype=float))) == 4
    assert search.best_estimator_.stream.kwargs["sigma"] == search.best_params_["stream__sigma"]


def test_halving_search_uses_max_batches_as_the_resource():
    X, y = _regression()
    search = HalvingGridSearchCV(
        _search_learner(),
        {"stream__sigma": [0.0, 1.0, 4.0], "estimator__alpha": [1e-4, 1e-2, 1.0]},
        resource="max_batches",
        min_resources=5,
        max_resources=45,
        factor=3,
        cv=2,
        random_state=0,
    ).fit(X, y)
    assert search.n_resources_ == [5, 15, 45]
    assert sorted(set(search.cv_results_["n_resources"])) == [5, 15, 45]
    assert search.best_estimator_.n_batches_seen_ == search.best_params_["max_batches"] == 45


def test_cross_validate_and_learning_curve():
    X, y = _regression()
    result = cross_validate(_search_learner(), X, y, cv=3, return_estimator=True)
    assert all(fitted.n_batches_seen_ == 40 for fitted in result["estimator"])
    assert result["test_score"].min() > 0.9
    learner = StreamLearner(SGDRegressor(random_state=0), stream=Streamer(chunks))
    sizes, train, test = learning_curve(learner, X, y, train_sizes=[0.25, 1.0], cv=3)
    assert sizes.tolist() == [20, 80]
    assert np.isfinite(train).all() and np.isfinite(test).all()


def test_pipeline_tunes_the_stream_of_its_last_step():
    X, y = make_classification(
        n_samples=150, n_features=4, n_informative=3, n_redundant=0, random_state=0
    )
    X = X * 10 + 5
    learner = StreamLearner(
        SGDClassifier(random_state=0), 30, stream=Streamer(noisy), random_state=0
    )
    pipe = make_pipeline(StandardScaler(), learner)
    search = GridSearchCV(pipe, {"streamclassifier__stream__sigma": [0.0, 5.0]}, cv=3)
    search.fit(X, y)
    assert search.best_params_ == {"streamclassifier__stream__sigma": 0.0}
    fitted = search.best_estimator_
    by_hand = clone(learner).set_params(stream__sigma=0.0)
    by_hand.fit(StandardScaler().fit_transform(X), y)
    np.testing.assert_array_equal(fitted[-1].coef_, by_hand.coef_)
    assert fitted[-1].classes_.tolist() == [0, 1]  # found from y, passed as classes


def test_learner_with_a_stream_pickles_and_clones_after_fitting():
    X, y = _regression()
    learner = StreamLearner(SGDRegressor(random_state=0), 20, stream=Streamer(noisy, sigma=0.5))
    learner.set_params(random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(learner))
    np.testing.assert_array_equal(restored.predict(X), learner.predict(X))
    assert restored.stream.kwargs == {"sigma": 0.5}
    refitted = clone(restored).fit(X, y)  # the same stream, the same seeds
    np.testing.assert_array_equal(_coef(refitted), _coef(learner))


# -- scikit-learn's estimator checks on learners whose fit and score go through streams ----------
def passes(X, y=None, n_epochs=10, size=32):
    """``n_epochs`` ordered passes over (X, y) in chunks, for any input the checks give."""
    n = X.shape[0] if hasattr(X, "shape") else len(X)
    for _ in range(n_epochs):
        for start in range(0, n, size):
            batch = {"X": X[start : start + size]}
            if y is not None:
                batch["y"] = y[start : start + size]
            yield batch


STREAMED = [
    StreamLearner(estimator, stream=Streamer(passes), eval_stream=Streamer(passes, n_epochs=1))
    for estimator in (SGDRegressor(), SGDClassifier())
]
# With stream set, y=None is valid input (the stream's batches may carry the targets, as
# file streams do), so fit does not stop at "requires y" as the check expects: it fails
# later, naming the batch without a target (regressors) or asking for classes (classifiers).
STREAMED_FAILURES = {"check_requires_y_none": "with stream set, y=None is valid input"}


@parametrize_with_checks(STREAMED, expected_failed_checks=lambda _: STREAMED_FAILURES)
def test_sklearn_checks_with_stream_and_eval_stream(estimator, check):
    check(estimator)


@pytest.mark.timeout(120)
def test_a_source_that_runs_a_streamer_in_workers_is_rebuilt_around_it():
    pytest.importorskip("zmq")
    from sklearn_stream.zmq_stream import ZMQStreamer

    X, y = _regression()
    in_workers = ZMQStreamer(Streamer(noisy, sigma=0.5))
    learner = StreamLearner(SGDRegressor(random_state=0), 20, stream=in_workers, random_state=0)
    assert learner.get_params()["stream__source__sigma"] == 0.5
    search = GridSearchCV(learner, {"stream__source__sigma": [0.0, 3.0]}, cv=2).fit(X, y)
    assert search.best_params_ == {"stream__source__sigma": 0.0}
    assert in_workers.source.kwargs == {"sigma": 0.5}  # the parameter itself is untouched
    # one worker keeps the order: the same model as streaming in this process
    here = clone(learner).set_params(stream=Streamer(noisy, sigma=0.0)).fit(X, y)
    np.testing.assert_array_equal(_coef(search.best_estimator_), _coef(here))
