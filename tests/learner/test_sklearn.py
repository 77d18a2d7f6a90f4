"""StreamLearner inside scikit-learn: kinds, clone, pickling, Pipelines, searches, routing."""

import pickle
import re
from pathlib import Path

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.base import clone, is_classifier, is_clusterer, is_outlier_detector, is_regressor
from sklearn.cluster import MiniBatchKMeans
from sklearn.datasets import make_blobs, make_regression
from sklearn.decomposition import IncrementalPCA
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import SGDClassifier, SGDOneClassSVM, SGDRegressor
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    check_cv,
    cross_val_score,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklearn_stream
from sklearn_stream.learner import StreamLearner

ROOT = Path(__file__).resolve().parents[2]


def _blobs(n=200, seed=0):
    return make_blobs(n_samples=n, n_features=4, centers=3, random_state=seed)


KINDS = [
    (SGDClassifier(), "StreamClassifier", is_classifier),
    (SGDRegressor(), "StreamRegressor", is_regressor),
    (MiniBatchKMeans(n_clusters=3, n_init=1), "StreamClusterer", is_clusterer),
    (SGDOneClassSVM(), "StreamOutlierDetector", is_outlier_detector),
    (StandardScaler(), "StreamTransformer", lambda est: hasattr(est, "transform")),
]


@pytest.mark.parametrize(("estimator", "kind", "predicate"), KINDS, ids=[k for _, k, _ in KINDS])
def test_kind_follows_the_estimator(estimator, kind, predicate):
    learner = StreamLearner(estimator)
    assert type(learner).__name__ == kind
    assert isinstance(learner, StreamLearner)
    assert predicate(learner)
    assert type(clone(learner)) is type(learner)
    assert type(pickle.loads(pickle.dumps(learner))) is type(learner)


@pytest.mark.parametrize(("first", "second"), [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)])
def test_set_params_estimator_changes_the_kind(first, second):
    learner = StreamLearner(KINDS[first][0])
    learner.set_params(estimator=KINDS[second][0])
    assert type(learner).__name__ == KINDS[second][1]
    assert KINDS[second][2](learner)
    learner.estimator = KINDS[first][0]  # plain assignment too
    assert type(learner).__name__ == KINDS[first][1]


def test_a_user_subclass_keeps_its_class():
    class MyLearner(StreamLearner):
        pass

    learner = MyLearner(SGDClassifier())
    assert type(learner) is MyLearner
    learner.set_params(estimator=SGDRegressor())
    assert type(learner) is MyLearner


def test_repr_and_params():
    learner = StreamLearner(SGDClassifier(alpha=0.1), 100, batch_size=8)
    assert " ".join(repr(learner).split()) == (
        "StreamClassifier(batch_size=8, estimator=SGDClassifier(alpha=0.1), max_batches=100)"
    )
    assert learner.get_params()["estimator__alpha"] == 0.1
    learner.set_params(estimator__alpha=0.5, n_epochs=2)
    assert learner.estimator.alpha == 0.5


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
@pytest.mark.parametrize(
    "estimator", [SGDClassifier(), SGDRegressor(), MiniBatchKMeans(n_clusters=3, n_init=1)]
)
def test_fitted_learner_round_trips(estimator, dump, tmp_path):
    X, y = _blobs()
    learner = StreamLearner(estimator, random_state=0).fit(X, y)
    if dump == "pickle":
        restored = pickle.loads(pickle.dumps(learner))
    else:
        joblib.dump(learner, tmp_path / "learner.joblib")
        restored = joblib.load(tmp_path / "learner.joblib")
    assert type(restored) is type(learner)
    np.testing.assert_array_equal(restored.predict(X), learner.predict(X))
    assert restored.n_batches_seen_ == learner.n_batches_seen_
    restored.partial_fit(X[:10], y[:10])  # and training continues
    assert restored.n_batches_seen_ == learner.n_batches_seen_ + 1


def test_classifier_uses_stratified_cv_and_cross_val_score():
    X, y = _blobs()
    learner = StreamLearner(SGDClassifier(), random_state=0)
    assert isinstance(check_cv(5, y, classifier=is_classifier(learner)), StratifiedKFold)
    scores = cross_val_score(learner, X, y, cv=3)
    assert scores.min() > 0.9


def test_pipeline_and_grid_search():
    X, y = _blobs(n=300)
    pipe = make_pipeline(StandardScaler(), StreamLearner(SGDClassifier(), random_state=0))
    search = GridSearchCV(
        pipe,
        {
            "streamclassifier__estimator__alpha": [1e-4, 1e-2],
            "streamclassifier__batch_size": [16, 64],
        },
        cv=3,
    )
    search.fit(X, y)
    assert search.best_score_ > 0.9
    assert set(search.best_params_) == {
        "streamclassifier__estimator__alpha",
        "streamclassifier__batch_size",
    }


def test_regressor_in_a_search():
    X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    search = GridSearchCV(
        StreamLearner(SGDRegressor(), random_state=0, n_epochs=20),
        {"max_batches": [2, None]},
        cv=3,
    )
    search.fit(X, y)
    assert search.best_params_ == {"max_batches": None}
    assert search.best_score_ > 0.9


# -- metadata routing ------------------------------------------------------------------------
@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


def test_routing_sample_weight_through_a_pipeline(routing):
    X, y = _blobs()
    w = np.random.default_rng(0).uniform(0.1, 3.0, size=len(X))
    estimator = SGDClassifier(random_state=0).set_partial_fit_request(sample_weight=True)
    scaler = StandardScaler().set_fit_request(sample_weight=False)
    pipe = make_pipeline(scaler, StreamLearner(estimator, random_state=0))
    pipe.fit(X, y, sample_weight=w)

    Xs = StandardScaler().fit_transform(X)
    direct = StreamLearner(estimator, random_state=0).fit(Xs, y, sample_weight=w)
    unweighted = StreamLearner(estimator, random_state=0).fit(Xs, y)
    np.testing.assert_array_equal(pipe[-1].coef_, direct.coef_)
    assert not np.array_equal(direct.coef_, unweighted.coef_)


def test_routing_rejects_unrequested_metadata(routing):
    X, y = _blobs()
    learner = StreamLearner(SGDClassifier())
    with pytest.raises(UnsetMetadataPassedError, match="sample_weight"):
        learner.fit(X, y, sample_weight=np.ones(len(X)))


def test_routing_classes_and_sample_weight_in_cross_validate(routing):
    X, y = _blobs()
    estimator = SGDClassifier(random_state=0).set_partial_fit_request(
        sample_weight=True, classes=True
    )
    learner = StreamLearner(estimator, random_state=0)
    result = cross_validate(
        learner,
        X,
        y,
        cv=3,
        params={"sample_weight": np.ones(len(X)), "classes": np.array([0, 1, 2, 3])},
        return_estimator=True,
    )
    for fitted in result["estimator"]:
        assert fitted.classes_.tolist() == [0, 1, 2, 3]  # the routed classes, not y's


def test_without_routing_fit_params_go_to_partial_fit():
    X, y = _blobs()
    learner = StreamLearner(SGDClassifier(), random_state=0)
    learner.fit(X, y, classes=np.array([0, 1, 2, 3]))
    assert learner.classes_.tolist() == [0, 1, 2, 3]


# -- the kind classes are public ------------------------------------------------------------------
ESTIMATOR_OF_KIND = {
    "StreamClassifier": SGDClassifier(),
    "StreamRegressor": SGDRegressor(),
    "StreamClusterer": MiniBatchKMeans(),
    "StreamTransformer": IncrementalPCA(),
    "StreamOutlierDetector": SGDOneClassSVM(),
}


@pytest.mark.parametrize("name", sorted(ESTIMATOR_OF_KIND))
def test_the_kind_classes_are_exported_and_documented(name):
    kind = getattr(sklearn_stream, name)
    assert name in sklearn_stream.__all__
    learner = StreamLearner(ESTIMATOR_OF_KIND[name])
    assert type(learner) is kind and repr(learner).startswith(f"{name}(")
    assert type(pickle.loads(pickle.dumps(learner))) is kind
    assert type(kind(ESTIMATOR_OF_KIND[name])) is kind
    api = (ROOT / "doc" / "api.rst").read_text()
    assert re.search(rf"^   {name}$", api, flags=re.MULTILINE)
