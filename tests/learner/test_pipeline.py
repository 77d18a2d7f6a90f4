"""StreamLearner over a Pipeline: every step learns each batch as it reaches it.

The trained pipeline is compared, coefficient for coefficient, with a hand-written loop over
the same batches that calls each step's ``partial_fit`` and ``transform`` itself.
"""

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone
from sklearn.cluster import MiniBatchKMeans
from sklearn.compose import ColumnTransformer, make_column_transformer
from sklearn.decomposition import IncrementalPCA
from sklearn.exceptions import NotFittedError, UnsetMetadataPassedError
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.model_selection import GridSearchCV
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    PolynomialFeatures,
    StandardScaler,
)

from sklearn_stream import StreamClassifier, Streamer, StreamLearner
from tests.learner.learner_data import SEED

CLASSES = [0, 1, 2]


def drifting_data(n=600, n_features=4, seed=SEED):
    """Features of very different scales and offsets; three classes."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features)) * np.logspace(-1, 3, n_features) + 50
    y = np.digitize(X[:, 0], np.quantile(X[:, 0], [1 / 3, 2 / 3]))
    return X, y


def batches(X, y, size=50):
    return [{"X": X[i : i + size], "Y": y[i : i + size]} for i in range(0, len(X), size)]


X, y = drifting_data()
BATCHES = batches(X, y)


# -- the trained pipeline equals the hand-written loop ---------------------------------------
def test_scaler_then_sgd_equals_the_hand_written_loop():
    learner = StreamLearner(make_pipeline(StandardScaler(), SGDClassifier(random_state=0)))
    learner.iter_fit(BATCHES, classes=CLASSES)

    scaler, model = StandardScaler(), SGDClassifier(random_state=0)
    for batch in BATCHES:
        scaler.partial_fit(batch["X"])
        model.partial_fit(scaler.transform(batch["X"]), batch["Y"], classes=CLASSES)

    fitted = learner.estimator_
    assert isinstance(fitted, Pipeline)
    assert_array_equal(fitted[0].mean_, scaler.mean_)
    assert_array_equal(fitted[-1].coef_, model.coef_)
    assert_array_equal(fitted[-1].intercept_, model.intercept_)
    assert_array_equal(learner.predict(X), model.predict(scaler.transform(X)))
    assert learner.n_batches_seen_ == len(BATCHES)


@pytest.mark.parametrize("as_frame", [False, True], ids=["array", "DataFrame"])
def test_column_transformer_of_two_scalers_equals_the_hand_written_loop(as_frame):
    columns = (["a", "b"], ["c", "d"]) if as_frame else ([0, 1], [2, 3])
    frame = pd.DataFrame(X, columns=list("abcd")) if as_frame else X
    data = [
        {"X": frame[i : i + 50], "Y": y[i : i + 50]}
        if not as_frame
        else {"X": frame.iloc[i : i + 50], "Y": y[i : i + 50]}
        for i in range(0, len(X), 50)
    ]
    pipeline = make_pipeline(
        make_column_transformer(
            (StandardScaler(), columns[0]), (MinMaxScaler(), columns[1]), remainder="drop"
        ),
        SGDClassifier(random_state=0),
    )
    learner = StreamLearner(pipeline).iter_fit(data, classes=CLASSES)

    first, second, model = StandardScaler(), MinMaxScaler(), SGDClassifier(random_state=0)
    for batch in batches(X, y):
        left, right = batch["X"][:, [0, 1]], batch["X"][:, [2, 3]]
        first.partial_fit(left)
        second.partial_fit(right)
        features = np.hstack([first.transform(left), second.transform(right)])
        model.partial_fit(features, batch["Y"], classes=CLASSES)

    fitted = learner.estimator_
    transformers = fitted[0].named_transformers_
    assert_array_equal(transformers["standardscaler"].mean_, first.mean_)
    assert_array_equal(transformers["minmaxscaler"].data_max_, second.data_max_)
    assert_array_equal(fitted[-1].coef_, model.coef_)
    whole = frame if as_frame else X
    assert_array_equal(
        learner.predict(whole),
        model.predict(np.hstack([first.transform(X[:, :2]), second.transform(X[:, 2:])])),
    )
    if as_frame:
        names = ["standardscaler__a", "standardscaler__b", "minmaxscaler__c", "minmaxscaler__d"]
        assert list(fitted[:-1].get_feature_names_out()) == names


def documents(n=400, seed=SEED):
    """Short texts from three vocabularies, with their topic."""
    rng = np.random.default_rng(seed)
    words = [["ball", "goal", "team", "match"], ["vote", "law", "party", "senate"],
             ["cell", "gene", "virus", "lab"]]  # fmt: skip
    topics = rng.integers(3, size=n)
    texts = [" ".join(rng.choice(words[topic], size=6)) for topic in topics]
    return np.array(texts, dtype=object), topics


def test_hashing_vectorizer_then_naive_bayes_equals_the_hand_written_loop():
    texts, topics = documents()
    data = batches(texts, topics, size=40)
    vectorizer = HashingVectorizer(n_features=2**10, alternate_sign=False)
    learner = StreamLearner(make_pipeline(vectorizer, MultinomialNB()))
    learner.iter_fit(data, classes=CLASSES)

    model = MultinomialNB()
    for batch in data:
        model.partial_fit(vectorizer.transform(batch["X"]), batch["Y"], classes=CLASSES)

    assert_array_equal(learner.estimator_[-1].feature_count_, model.feature_count_)
    assert_array_equal(learner.predict(texts), model.predict(vectorizer.transform(texts)))
    assert learner.score(texts, topics) > 0.9


def test_feature_union_and_nested_pipeline_equal_the_hand_written_loop():
    union = FeatureUnion(
        [
            ("scaled", StandardScaler()),
            ("pca", make_pipeline(MaxAbsScaler(), IncrementalPCA(n_components=2))),
            ("roots", FunctionTransformer(np.cbrt)),
        ]
    )
    learner = StreamLearner(make_pipeline(union, "passthrough", SGDRegressor(random_state=0)))
    target = X[:, 0] / 100.0
    learner.iter_fit([{"X": b["X"], "Y": target[i * 50 : i * 50 + 50]}
                      for i, b in enumerate(BATCHES)])  # fmt: skip

    scaler, absmax, pca, model = (
        StandardScaler(), MaxAbsScaler(), IncrementalPCA(n_components=2),
        SGDRegressor(random_state=0),
    )  # fmt: skip
    for i, batch in enumerate(BATCHES):
        part = batch["X"]
        scaler.partial_fit(part)
        absmax.partial_fit(part)
        pca.partial_fit(absmax.transform(part))
        features = np.hstack(
            [scaler.transform(part), pca.transform(absmax.transform(part)), np.cbrt(part)]
        )
        model.partial_fit(features, target[i * 50 : i * 50 + 50])

    assert_allclose(learner.estimator_[-1].coef_, model.coef_, rtol=0, atol=0)
    assert_allclose(learner.estimator_[0].transformer_list[1][1][-1].components_, pca.components_)


def test_sparse_steps_and_passthrough():
    learner = StreamLearner(
        make_pipeline(MaxAbsScaler(), None, SGDClassifier(random_state=0)), random_state=0
    )
    sparse = sp.csr_matrix(np.where(X > 60, X, 0.0))
    learner.fit(sparse, y)
    assert learner.estimator_[0].n_samples_seen_ == 5 * len(X)  # n_epochs passes


# -- which steps can learn from a stream ---------------------------------------------------
@pytest.mark.parametrize(
    ("pipeline", "named"),
    [
        (make_pipeline(TfidfTransformer(), SGDClassifier()), "'tfidftransformer'"),
        (make_pipeline(PolynomialFeatures(), SGDClassifier()), "'polynomialfeatures'"),
        (
            make_pipeline(
                make_column_transformer((StandardScaler(), [0]), (PolynomialFeatures(), [1])),
                SGDClassifier(),
            ),
            "estimator__columntransformer__polynomialfeatures",
        ),
        (
            make_pipeline(FeatureUnion([("poly", PolynomialFeatures())]), SGDClassifier()),
            "estimator__featureunion__poly",
        ),
        (
            make_pipeline(
                ColumnTransformer([("s", StandardScaler(), [0])], remainder=PolynomialFeatures()),
                SGDClassifier(),
            ),
            "estimator__columntransformer__remainder",
        ),
    ],
    ids=["tfidf", "poly", "in-columns", "in-union", "remainder"],
)
@pytest.mark.parametrize("how", ["fit", "iter_fit", "partial_fit"])
def test_a_step_without_partial_fit_is_refused_when_training_starts(pipeline, named, how):
    learner = StreamLearner(pipeline)
    with pytest.raises(TypeError, match=f"{named}.*no partial_fit.*cannot learn from a stream"):
        if how == "fit":
            learner.fit(X, y)
        elif how == "iter_fit":
            learner.iter_fit(BATCHES, classes=CLASSES)
        else:
            learner.partial_fit(X, y, classes=CLASSES)
    assert not hasattr(learner, "estimator_")


def test_a_frozen_step_is_used_as_it_is():
    scaler = StandardScaler().fit(X[:100])
    mean = scaler.mean_.copy()
    learner = StreamLearner(make_pipeline(FrozenEstimator(scaler), SGDClassifier(random_state=0)))
    learner.iter_fit(BATCHES, classes=CLASSES)
    assert_array_equal(scaler.mean_, mean)
    assert_array_equal(learner.estimator_[0].estimator.mean_, mean)
    model = SGDClassifier(random_state=0)
    for batch in BATCHES:
        model.partial_fit(scaler.transform(batch["X"]), batch["Y"], classes=CLASSES)
    assert_array_equal(learner.estimator_[-1].coef_, model.coef_)


def test_a_stateless_step_is_fitted_once():
    calls = []

    def log_and_double(Z):
        calls.append(len(Z))
        return 2 * Z

    step = FunctionTransformer(log_and_double, check_inverse=False)
    learner = StreamLearner(make_pipeline(step, SGDClassifier(random_state=0)), warm_start=True)
    learner.iter_fit(BATCHES[:3], classes=CLASSES)
    learner.iter_fit(BATCHES[3:5])  # continues: the step is not fitted again
    learner.partial_fit(BATCHES[5]["X"], BATCHES[5]["Y"])
    assert calls == [50] * 6  # one transform per batch, none for a second fit
    assert learner.n_batches_seen_ == 6


# -- fit parameters reach the step they are meant for --------------------------------------
def test_sample_weight_in_the_batches_goes_to_the_last_step():
    weights = np.linspace(0.1, 2.0, len(X))
    data = [dict(b, sample_weight=weights[i * 50 : i * 50 + 50]) for i, b in enumerate(BATCHES)]
    learner = StreamLearner(make_pipeline(StandardScaler(), SGDClassifier(random_state=0)))
    learner.iter_fit(data, classes=CLASSES)
    scaler, model = StandardScaler(), SGDClassifier(random_state=0)
    for batch in data:
        scaler.partial_fit(batch["X"])
        model.partial_fit(
            scaler.transform(batch["X"]), batch["Y"], classes=CLASSES,
            sample_weight=batch["sample_weight"],
        )  # fmt: skip
    assert_array_equal(learner.estimator_[-1].coef_, model.coef_)
    assert learner.estimator_[0].n_samples_seen_ == len(X)  # unweighted


def test_a_prefixed_fit_parameter_goes_to_its_step():
    weights = np.r_[np.zeros(50), np.ones(len(X) - 50)]
    learner = StreamLearner(
        make_pipeline(StandardScaler(), SGDClassifier(random_state=0)), random_state=0
    )
    learner.partial_fit(X, y, classes=CLASSES, standardscaler__sample_weight=weights)
    assert learner.estimator_[0].n_samples_seen_ == len(X) - 50
    assert_allclose(learner.estimator_[0].mean_, X[50:].mean(axis=0))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"scaler__sample_weight": np.ones(len(X))}, "names no step"),
        ({"functiontransformer__kw": 1}, "names no step"),
    ],
)
def test_a_fit_parameter_for_no_step_is_refused(params, message):
    learner = StreamLearner(make_pipeline(FunctionTransformer(), SGDClassifier()))
    with pytest.raises(ValueError, match=message):
        learner.partial_fit(X, y, classes=CLASSES, **params)


def test_metadata_routing_sends_each_step_what_it_requested():
    weights = np.r_[np.zeros(100), np.ones(len(X) - 100)]
    with config_context(enable_metadata_routing=True):
        scaler = StandardScaler().set_partial_fit_request(sample_weight=True)
        model = SGDClassifier(random_state=0).set_partial_fit_request(
            sample_weight=True, classes=True
        )
        learner = StreamLearner(make_pipeline(scaler, model), random_state=0, n_epochs=1)
        learner.fit(X, y, sample_weight=weights, classes=CLASSES)
        assert learner.estimator_[0].n_samples_seen_ == len(X) - 100
        # A step that neither requested nor refused sample_weight: scikit-learn's error.
        unset = StreamLearner(make_pipeline(StandardScaler(), clone(model)), n_epochs=1)
        with pytest.raises(UnsetMetadataPassedError, match="StandardScaler.partial_fit"):
            unset.fit(X, y, sample_weight=weights, classes=CLASSES)
        refused = StandardScaler().set_partial_fit_request(sample_weight=False)
        learner = StreamLearner(make_pipeline(refused, clone(model)), n_epochs=1)
        learner.fit(X, y, sample_weight=weights, classes=CLASSES)
        assert learner.estimator_[0].n_samples_seen_ == len(X)


# -- training the preprocessing first -------------------------------------------------------
def test_preprocessing_batches_train_the_steps_before_the_last_then_freeze_them():
    learner = StreamLearner(
        make_pipeline(StandardScaler(), SGDClassifier(random_state=0)), preprocessing_batches=4
    )
    with pytest.warns(UserWarning, match="last step has not been trained yet"):
        learner.iter_fit(BATCHES[:4], classes=CLASSES)
    assert learner.estimator_[0].n_samples_seen_ == 200
    with pytest.raises(NotFittedError):
        learner.estimator_[-1].predict(X)
    learner.set_params(warm_start=True).iter_fit(BATCHES[4:])  # classes were given before
    assert learner.estimator_[0].n_samples_seen_ == 200  # frozen after 4 batches

    scaler = StandardScaler()
    for batch in BATCHES[:4]:
        scaler.partial_fit(batch["X"])
    model = SGDClassifier(random_state=0)
    for batch in BATCHES[4:]:
        model.partial_fit(scaler.transform(batch["X"]), batch["Y"], classes=CLASSES)
    assert_array_equal(learner.estimator_[-1].coef_, model.coef_)
    assert learner.n_batches_seen_ == len(BATCHES)


@pytest.mark.parametrize("value", [0, -1, 1.5, "2", True])
def test_preprocessing_batches_is_validated(value):
    learner = StreamLearner(make_pipeline(StandardScaler(), SGDClassifier()))
    with pytest.raises((TypeError, ValueError), match="preprocessing_batches"):
        learner.set_params(preprocessing_batches=value).fit(X, y)


def test_preprocessing_batches_needs_a_pipeline():
    with pytest.raises(ValueError, match="preprocessing_batches.*Pipeline"):
        StreamLearner(SGDClassifier(), preprocessing_batches=2).fit(X, y)


# -- the fitted pipeline, the learner's kind, parameters and searches ------------------------
def test_estimator_is_a_usable_picklable_pipeline():
    learner = StreamLearner(make_pipeline(StandardScaler(), SGDClassifier(random_state=0)))
    learner.fit(X, y)
    restored = pickle.loads(pickle.dumps(learner.estimator_))
    assert_array_equal(restored.predict(X), learner.predict(X))
    assert_array_equal(learner.estimator_.predict(X), learner.predict(X))


@pytest.mark.parametrize(
    ("final", "has_proba"),
    [(SGDClassifier(loss="log_loss"), True), (SGDClassifier(), False)],
    ids=["log_loss", "hinge"],
)
def test_the_learner_has_what_the_pipeline_has(final, has_proba):
    pipeline = make_pipeline(StandardScaler(), final)
    learner = StreamLearner(pipeline, random_state=0)
    assert isinstance(learner, StreamClassifier)
    assert hasattr(learner, "predict_proba") == has_proba == hasattr(pipeline, "predict_proba")
    learner.fit(X, y)
    assert hasattr(learner, "predict_proba") == has_proba
    if has_proba:
        assert_allclose(learner.predict_proba(X), learner.estimator_.predict_proba(X))


def test_a_pipeline_ending_in_a_clusterer_transforms_and_predicts():
    learner = StreamLearner(
        make_pipeline(MinMaxScaler(), MiniBatchKMeans(n_clusters=3, n_init=1, random_state=0)),
        random_state=0,
    )
    learner.fit(X)
    assert learner.transform(X).shape == (len(X), 3)
    assert learner.predict(X).shape == (len(X),)


def test_searches_reach_inside_the_pipeline():
    learner = StreamLearner(
        make_pipeline(StandardScaler(), SGDClassifier(random_state=0)), random_state=0
    )
    params = learner.get_params()
    assert params["estimator__sgdclassifier__alpha"] == 1e-4
    assert params["estimator__standardscaler__with_mean"] is True
    grid = {
        "estimator__sgdclassifier__alpha": [1e-4, 1e-1],
        "estimator__standardscaler__with_mean": [True, False],
    }
    search = GridSearchCV(learner, grid, cv=3).fit(X, y)
    assert set(search.best_params_) == set(grid)
    assert (
        search.best_estimator_.estimator_[-1].alpha
        == search.best_params_["estimator__sgdclassifier__alpha"]
    )


def test_a_pipeline_trains_from_a_streamer_through_fit():
    def chunks(X, y, size):
        for start in range(0, len(X), size):
            yield X[start : start + size], y[start : start + size]

    learner = StreamLearner(
        make_pipeline(StandardScaler(), SGDClassifier(random_state=0)),
        stream=Streamer(chunks, size=100),
        random_state=0,
    )
    learner.fit(X, y, classes=CLASSES)
    assert learner.n_batches_seen_ == 6
    assert learner.estimator_[0].n_samples_seen_ == len(X)


def test_validation_scores_start_when_the_last_step_trains():
    learner = StreamLearner(
        make_pipeline(StandardScaler(), SGDClassifier(random_state=0)),
        preprocessing_batches=5,
        validation_data=(X, y),
        eval_every=2,
    )
    learner.iter_fit(BATCHES, classes=CLASSES)
    assert learner.history_["n_batches"] == [6, 8, 10, 12]
    with pytest.warns(UserWarning, match="preprocessing_batches=5"):
        short = clone(learner).iter_fit(BATCHES[:4], classes=CLASSES)  # never reached the model
    assert short.history_["score"] == []


# -- found by review -------------------------------------------------------------------------
def test_a_nested_pipeline_as_last_step_gets_the_fit_parameters():
    inner = make_pipeline(MaxAbsScaler(), SGDClassifier(random_state=0))
    learner = StreamLearner(make_pipeline(StandardScaler(), inner))
    learner.iter_fit(BATCHES, classes=CLASSES)
    scaler, absmax, model = StandardScaler(), MaxAbsScaler(), SGDClassifier(random_state=0)
    for batch in BATCHES:
        scaler.partial_fit(batch["X"])
        scaled = scaler.transform(batch["X"])
        absmax.partial_fit(scaled)
        model.partial_fit(absmax.transform(scaled), batch["Y"], classes=CLASSES)
    assert_array_equal(learner.estimator_[-1][-1].coef_, model.coef_)
    assert StreamLearner(make_pipeline(StandardScaler(), clone(inner)), n_epochs=1).fit(X, y)


def test_classes_given_once_reach_the_last_step_after_preprocessing():
    learner = StreamLearner(
        make_pipeline(StandardScaler(), SGDClassifier(random_state=0)), preprocessing_batches=3
    )
    learner.partial_fit(BATCHES[0]["X"], BATCHES[0]["Y"], classes=CLASSES)
    for batch in BATCHES[1:]:
        learner.partial_fit(batch["X"], batch["Y"])
    assert_array_equal(learner.classes_, CLASSES)


def test_the_last_steps_classes_may_be_given_with_its_prefix():
    learner = StreamLearner(
        make_pipeline(StandardScaler(), SGDClassifier(random_state=0)), n_epochs=1
    )
    two = y < 2
    learner.fit(X[two], y[two], sgdclassifier__classes=CLASSES)
    assert_array_equal(learner.classes_, CLASSES)  # not only the classes found in y
    with pytest.raises(ValueError, match="given twice"):
        learner.fit(X, y, classes=CLASSES, sgdclassifier__classes=CLASSES)


def test_routed_classes_count_as_given():
    def chunks(paths):
        for _ in paths:
            yield X[:100], y[:100]

    with config_context(enable_metadata_routing=True):
        model = SGDClassifier(random_state=0).set_partial_fit_request(classes=True)
        learner = StreamLearner(
            make_pipeline(StandardScaler(), model), stream=Streamer(chunks), random_state=0
        )
        learner.fit(X[:2], classes=CLASSES)  # two seeds; the stream ignores their values
        assert_array_equal(learner.classes_, CLASSES)


@pytest.mark.parametrize("how", ["fit", "iter_fit"])
def test_a_steps_sample_weight_is_refused_where_weights_belong_in_the_batches(how):
    learner = StreamLearner(
        make_pipeline(StandardScaler(), SGDClassifier()), stream=Streamer(lambda X, y: [])
    )
    with pytest.raises(TypeError, match=r"\['standardscaler__sample_weight'\]"):
        if how == "fit":
            learner.fit(X, y, standardscaler__sample_weight=np.ones(len(X)))
        else:
            learner.iter_fit(BATCHES, standardscaler__sample_weight=np.ones(50))


def test_a_fit_that_ends_within_the_preprocessing_batches_raises():
    learner = StreamLearner(
        make_pipeline(StandardScaler(), SGDClassifier()), preprocessing_batches=10, n_epochs=1
    )
    with pytest.raises(ValueError, match="last step has not been trained"):
        learner.set_params(batch_size=60).fit(X, y)  # 10 batches
    assert not hasattr(learner, "estimator_")


def test_set_output_leaves_the_users_frozen_step_alone():
    scaler = StandardScaler().fit(X)
    learner = StreamLearner(make_pipeline(FrozenEstimator(scaler), IncrementalPCA(2)))
    learner.set_output(transform="pandas").fit(X)
    assert isinstance(scaler.transform(X[:2]), np.ndarray)
    assert isinstance(learner.transform(X[:2]), pd.DataFrame)


def test_a_frozen_last_step_trains_the_steps_before_it_only():
    model = SGDClassifier(random_state=0).fit(X, y)
    coef = model.coef_.copy()
    learner = StreamLearner(make_pipeline(StandardScaler(), FrozenEstimator(model)))
    learner.iter_fit(BATCHES)
    assert learner.estimator_[0].n_samples_seen_ == len(X)
    assert_array_equal(model.coef_, coef)


def test_routing_into_a_composite_step_is_refused():
    with config_context(enable_metadata_routing=True):
        inner = StandardScaler().set_partial_fit_request(sample_weight=True)
        model = SGDClassifier().set_partial_fit_request(sample_weight=True, classes=True)
        learner = StreamLearner(make_pipeline(make_column_transformer((inner, [0, 1])), model))
        with pytest.raises(ValueError, match="estimator__columntransformer__standardscaler"):
            learner.fit(X, y, sample_weight=np.ones(len(X)), classes=CLASSES)


def test_preprocessing_batches_needs_a_step_that_learns_before_the_last():
    learner = StreamLearner(
        make_pipeline(FunctionTransformer(), SGDClassifier()), preprocessing_batches=2
    )
    with pytest.raises(ValueError, match="none of them learns"):
        learner.iter_fit(BATCHES, classes=CLASSES)


def test_scoring_over_an_eval_stream_keeps_predictions_only():
    from sklearn.metrics import accuracy_score

    from sklearn_stream.learner._scoring import _metric

    assert _metric(make_pipeline(StandardScaler(), SGDClassifier())) is accuracy_score


def test_steps_that_take_no_fit_parameters_are_not_offered_them():
    pipeline = make_pipeline(
        HashingVectorizer(), FrozenEstimator(MaxAbsScaler().fit(np.ones((2, 2)))), MultinomialNB()
    )
    from sklearn_stream.learner._pipeline import step_names

    assert step_names(pipeline) == ["hashingvectorizer", "multinomialnb"]  # not the frozen one


def test_set_output_after_fit_leaves_the_users_frozen_step_alone():
    scaler = StandardScaler().fit(X)
    learner = StreamLearner(make_pipeline(FrozenEstimator(scaler), IncrementalPCA(2))).fit(X)
    learner.set_output(transform="pandas")
    assert isinstance(scaler.transform(X[:2]), np.ndarray)
    # scikit-learn warns, as for any pipeline whose output changes to pandas after fit
    with pytest.warns(UserWarning, match="fitted without feature names"):
        assert isinstance(learner.transform(X[:2]), pd.DataFrame)


def nested_classifier():
    inner = make_pipeline(StandardScaler(), SGDClassifier(random_state=0))
    return make_pipeline(MaxAbsScaler(), inner)


def test_routing_reaches_the_last_estimator_of_a_nested_last_pipeline():
    def chunks(seeds):
        for _ in seeds:
            yield X[:100], y[:100]

    with config_context(enable_metadata_routing=True):
        pipeline = nested_classifier()
        pipeline[-1][-1].set_partial_fit_request(classes=True)
        learner = StreamLearner(pipeline, stream=Streamer(chunks), random_state=0)
        learner.fit(X[:2], classes=CLASSES)
        assert_array_equal(learner.classes_, CLASSES)
        single = StreamLearner(clone(pipeline)).partial_fit(X, y, classes=CLASSES)
        assert_array_equal(single.classes_, CLASSES)


def test_parameters_of_a_nested_last_pipeline_take_scikit_learns_names():
    weights = np.r_[np.zeros(100), np.ones(len(X) - 100)]
    learner = StreamLearner(nested_classifier(), n_epochs=1, shuffle=False, batch_size=600)
    learner.fit(
        X,
        y,
        pipeline__standardscaler__sample_weight=weights,
        pipeline__sgdclassifier__classes=CLASSES,
    )
    assert learner.estimator_[-1][0].n_samples_seen_ == len(X) - 100
    assert_array_equal(learner.classes_, CLASSES)


def test_a_nested_last_pipeline_ending_in_passthrough_takes_no_weights():
    pipeline = make_pipeline(MaxAbsScaler(), make_pipeline(StandardScaler(), "passthrough"))
    data = [dict(batch, sample_weight=np.ones(50)) for batch in BATCHES]
    with pytest.raises(ValueError, match="takes none"):
        StreamLearner(pipeline).iter_fit([{"X": b["X"], "sample_weight": b["sample_weight"]}
                                          for b in data])  # fmt: skip


def test_preprocessing_batches_cannot_change_once_the_last_step_trains():
    learner = StreamLearner(
        make_pipeline(StandardScaler(), SGDClassifier(random_state=0)),
        preprocessing_batches=5,
        warm_start=True,
    )
    with pytest.warns(UserWarning, match="not been trained"):
        learner.iter_fit(BATCHES[:3], classes=CLASSES)
    learner.set_params(preprocessing_batches=2).iter_fit(BATCHES[3:6])  # not started yet
    assert_array_equal(learner.classes_, CLASSES)
    assert learner.estimator_[0].n_samples_seen_ == 150  # frozen after batch 3
    with pytest.raises(ValueError, match="changed from 2 to 8"):
        learner.set_params(preprocessing_batches=8).iter_fit(BATCHES[6:])


def test_a_request_inside_a_composite_step_is_named_before_routing():
    with config_context(enable_metadata_routing=True):
        inner = StandardScaler().set_partial_fit_request(sample_weight=True)
        model = SGDClassifier().set_partial_fit_request(sample_weight=False, classes=True)
        learner = StreamLearner(make_pipeline(make_column_transformer((inner, [0, 1])), model))
        with pytest.raises(ValueError, match="routed to its top-level steps only"):
            learner.fit(X, y, sample_weight=np.ones(len(X)), classes=CLASSES)


def test_the_warning_points_at_the_callers_line():
    learner = StreamLearner(
        make_pipeline(StandardScaler(), SGDClassifier()), preprocessing_batches=5
    )
    with pytest.warns(UserWarning) as record:
        learner.iter_fit(BATCHES[:2], classes=CLASSES)
    assert record[0].filename == __file__


def test_a_frozen_last_classifier_is_scored_from_predictions():
    from sklearn.metrics import accuracy_score

    from sklearn_stream.learner._scoring import _metric

    frozen = FrozenEstimator(SGDClassifier().fit(X, y))
    assert _metric(make_pipeline(StandardScaler(), frozen)) is accuracy_score


def test_a_fitted_transforming_pipeline_names_its_output_features():
    frame = pd.DataFrame(X, columns=list("abcd"))
    learner = StreamLearner(make_pipeline(StandardScaler(), IncrementalPCA(2)), random_state=0)
    learner.fit(frame)
    names = ["incrementalpca0", "incrementalpca1"]
    assert list(learner.estimator_.get_feature_names_out()) == names
    assert list(learner.get_feature_names_out()) == names
    assert list(learner.feature_names_in_) == list("abcd")
    assert_allclose(learner.transform(frame), learner.estimator_.transform(frame))
