"""StreamLearner: training from streams, fit on in-memory data, errors, delegation, threads."""

import gc
import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.cluster import MiniBatchKMeans
from sklearn.datasets import make_blobs, make_multilabel_classification
from sklearn.decomposition import IncrementalPCA, LatentDirichletAllocation
from sklearn.linear_model import Perceptron, SGDClassifier, SGDOneClassSVM, SGDRegressor
from sklearn.metrics import accuracy_score
from sklearn.naive_bayes import GaussianNB, MultinomialNB
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_stream import Streamer
from sklearn_stream.exceptions import BatchError, EmptyStreamError, StreamError
from sklearn_stream.learner import StreamLearner
from tests.learner.learner_data import (
    BLOBS,
    COUNTS,
    PATHS,
    SEED,
    batches_of,
    labelled_data,
    read_blobs,
    read_counts,
    rows_of,
)


def _blobs(n=200, n_features=4, centers=3, seed=0):
    X, y = make_blobs(n_samples=n, n_features=n_features, centers=centers, random_state=seed)
    return X, y


def _batches(X, y, size=20, layout="dict"):
    out = []
    for start in range(0, len(X), size):
        Xb, yb = X[start : start + size], y[start : start + size]
        out.append({"X": Xb, "Y": yb} if layout == "dict" else (Xb, yb))
    return out


# -- iter_fit equals a hand-written partial_fit loop -----------------------------------------
@pytest.mark.parametrize("layout", ["dict", "tuple"])
@pytest.mark.parametrize(
    "estimator", [SGDClassifier(random_state=0), Perceptron(random_state=0), GaussianNB()]
)
def test_iter_fit_equals_hand_written_loop(estimator, layout):
    X, y = _blobs()
    batches = _batches(X, y, layout=layout)
    classes = np.unique(y)
    reference = clone(estimator)
    for batch in batches:
        Xb, yb = (batch["X"], batch["Y"]) if layout == "dict" else batch
        reference.partial_fit(Xb, yb, classes=classes)

    learner = StreamLearner(estimator).iter_fit(batches, classes=classes)

    attribute = "coef_" if hasattr(reference, "coef_") else "theta_"
    np.testing.assert_array_equal(
        getattr(learner.estimator_, attribute), getattr(reference, attribute)
    )
    np.testing.assert_array_equal(learner.predict(X), reference.predict(X))
    assert learner.n_batches_seen_ == len(batches)
    assert learner.n_samples_seen_ == len(X)


def test_iter_fit_passes_sample_weight_from_batches():
    X, y = _blobs()
    w = np.random.default_rng(0).uniform(0.5, 2.0, size=len(X))
    batches = [
        {"X": X[i : i + 25], "y": y[i : i + 25], "sample_weight": w[i : i + 25]}
        for i in range(0, len(X), 25)
    ]
    reference = SGDClassifier(random_state=0)
    for batch in batches:
        reference.partial_fit(
            batch["X"], batch["y"], classes=[0, 1, 2], sample_weight=batch["sample_weight"]
        )
    as_dicts = StreamLearner(SGDClassifier(random_state=0)).iter_fit(batches, classes=[0, 1, 2])
    as_tuples = StreamLearner(SGDClassifier(random_state=0)).iter_fit(
        [(b["X"], b["y"], b["sample_weight"]) for b in batches], classes=[0, 1, 2]
    )
    np.testing.assert_array_equal(as_dicts.estimator_.coef_, reference.coef_)
    np.testing.assert_array_equal(as_tuples.estimator_.coef_, reference.coef_)


def test_user_estimator_is_never_modified():
    X, y = _blobs()
    estimator = SGDClassifier(random_state=0)
    before = estimator.get_params()
    learner = StreamLearner(estimator, random_state=3)
    learner.iter_fit(_batches(X, y), classes=[0, 1, 2])
    learner.fit(X, y)
    learner.partial_fit(X, y)
    assert estimator.get_params() == before
    assert not hasattr(estimator, "coef_")
    assert learner.estimator is estimator
    assert learner.estimator_ is not estimator


# -- streams and data sources ----------------------------------------------------------------
def _counting_source(X, y, log):
    def generate_batches(size):
        log.append("start")
        try:
            for start in range(0, len(X), size):
                yield {"X": X[start : start + size], "Y": y[start : start + size]}
        finally:
            log.append("closed")

    return Streamer(generate_batches, size=10)


def test_data_source_is_started_bounded_and_closed():
    X, y = _blobs()
    log = []
    learner = StreamLearner(SGDClassifier(random_state=0), max_batches=5)
    learner.iter_fit(_counting_source(X, y, log), classes=[0, 1, 2])
    assert log == ["start", "closed"]
    assert learner.n_batches_seen_ == 5
    assert learner.n_samples_seen_ == 50


def test_data_source_is_closed_on_error():
    X, y = _blobs()
    log = []
    source = _counting_source(X, y, log)
    learner = StreamLearner(SGDClassifier(random_state=0))
    with pytest.raises(ValueError, match="classes should include all valid labels"):
        learner.iter_fit(source, classes=[0, 1])  # y has a third class: partial_fit fails
    assert log == ["start", "closed"]
    assert not hasattr(learner, "estimator_")


def test_generator_given_by_the_caller_stays_open():
    X, y = _blobs()
    stream = ({"X": X[i : i + 10], "Y": y[i : i + 10]} for i in range(0, len(X), 10))
    StreamLearner(SGDClassifier(), max_batches=3).iter_fit(stream, classes=[0, 1, 2])
    assert np.array_equal(next(stream)["X"], X[30:40])  # training read exactly 3 batches


def test_seed_style_infinite_generator_with_max_batches():
    X, y = _blobs()
    rng = np.random.default_rng(0)

    def noisy_samples(batch_size=16, sigma=0.5):
        while True:
            i = rng.integers(0, len(X), size=batch_size)
            yield {"X": X[i] + sigma * rng.normal(size=(batch_size, X.shape[1])), "Y": y[i]}

    learner = StreamLearner(SGDClassifier(random_state=0), max_batches=200)
    learner.iter_fit(noisy_samples(), classes=np.unique(y))
    assert learner.n_batches_seen_ == 200
    assert learner.score(X, y) > 0.9


# -- errors ----------------------------------------------------------------------------------
GOOD = {"X": np.zeros((2, 3)), "Y": np.array([0, 1])}


@pytest.mark.parametrize(
    ("bad_batch", "error", "match"),
    [
        ({"Y": np.array([0, 1])}, BatchError, "batch 2 of the stream has no 'X' field"),
        ({"X": np.zeros((2, 3))}, BatchError, "batch 2 of the stream has no target"),
        ({"X": np.zeros((2, 4)), "Y": np.array([0, 1])}, BatchError, "batch 2 .* 4 features"),
        (np.zeros((2, 3)), BatchError, "batch 2 of the stream is a ndarray"),
        ((np.zeros((2, 3)),) * 4, BatchError, "batch 2 of the stream is a tuple of 4"),
        ({**GOOD, "y": np.array([0, 1])}, BatchError, "batch 2 .* both 'Y' and 'y'"),
        ({**GOOD, "weights": np.ones(2)}, BatchError, "batch 2 .* field 'weights'"),
        ({"X": None, "Y": np.array([0, 1])}, BatchError, "batch 2 of the stream has X=None"),
    ],
    ids=[
        "no-X",
        "no-target",
        "features-change",
        "not-a-batch",
        "long-tuple",
        "Y-and-y",
        "unknown-field",
        "X-None",
    ],
)
def test_bad_batch_is_named(bad_batch, error, match):
    learner = StreamLearner(SGDClassifier())
    with pytest.raises(error, match=match):
        learner.iter_fit([GOOD, GOOD, bad_batch, GOOD], classes=[0, 1])
    assert issubclass(error, StreamError)


def test_estimator_errors_name_the_batch():
    bad = {"X": np.array([[np.nan, 0.0, 0.0], [0.0, 0.0, 0.0]]), "Y": np.array([0, 1])}
    with pytest.raises(ValueError, match="NaN") as info:
        StreamLearner(SGDClassifier()).iter_fit([GOOD, bad], classes=[0, 1])
    if hasattr(info.value, "__notes__"):
        assert "batch 1 of the stream" in info.value.__notes__[-1]


@pytest.mark.parametrize(
    "stream", [[], iter([]), Streamer([])], ids=["list", "iterator", "source"]
)
def test_empty_stream(stream):
    with pytest.raises(EmptyStreamError, match="yielded no batch"):
        StreamLearner(SGDClassifier()).iter_fit(stream, classes=[0, 1])


@pytest.mark.parametrize(
    ("stream", "match"),
    [(GOOD, "use partial_fit"), (3, "got a int"), ("abc", "got a str")],
    ids=["single-batch", "int", "str"],
)
def test_stream_of_wrong_type(stream, match):
    with pytest.raises(TypeError, match=match):
        StreamLearner(SGDClassifier()).iter_fit(stream)


def test_estimator_without_partial_fit_is_named():
    from sklearn.linear_model import LogisticRegression

    learner = StreamLearner(LogisticRegression())
    with pytest.raises(
        InvalidParameterError, match="implementing 'partial_fit'.*LogisticRegression"
    ):
        learner.fit(*_blobs())


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"max_batches": 0}, "max_batches"),
        ({"batch_size": 0}, "batch_size"),
        ({"n_epochs": 1.5}, "n_epochs"),
        ({"shuffle": "yes"}, "shuffle"),
        ({"random_state": "x"}, "random_state"),
        ({"warm_start": None}, "warm_start"),
    ],
)
@pytest.mark.parametrize("method", ["fit", "iter_fit", "partial_fit"])
def test_parameters_are_validated_in_every_training_method(params, name, method):
    X, y = _blobs()
    learner = StreamLearner(SGDClassifier(), **params)
    args = {"fit": (X, y), "iter_fit": (_batches(X, y),), "partial_fit": (X, y)}[method]
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        getattr(learner, method)(*args, classes=[0, 1, 2]) if method != "fit" else learner.fit(
            *args
        )


def test_fit_errors():
    with pytest.raises(ValueError, match="requires y to be passed"):
        StreamLearner(SGDRegressor()).fit(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="0 sample"):
        StreamLearner(StandardScaler()).fit(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="Unknown label type"):
        StreamLearner(SGDClassifier()).fit(np.zeros((5, 2)), np.linspace(0, 1, 5))


# -- fit on in-memory data -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("n", "batch_size", "n_epochs", "max_batches", "batches", "samples"),
    [
        (100, 32, 2, None, 6, 200),  # 3 batches per epoch: the 4-sample tail joins the third
        (100, 25, 1, None, 4, 100),
        (100, 200, 3, None, 3, 300),  # fewer samples than batch_size: one batch per epoch
        (100, 32, 5, 4, 4, 32 * 3 + 36),
    ],
)
def test_fit_batches_and_epochs(n, batch_size, n_epochs, max_batches, batches, samples):
    X = np.random.default_rng(0).normal(size=(n, 3))
    learner = StreamLearner(
        StandardScaler(), max_batches, batch_size=batch_size, n_epochs=n_epochs, random_state=0
    ).fit(X)
    assert (learner.n_batches_seen_, learner.n_samples_seen_) == (batches, samples)
    assert learner.estimator_.n_samples_seen_ == samples


@given(
    n=st.integers(1, 60),
    batch_size=st.integers(1, 70),
    n_epochs=st.integers(1, 4),
    max_batches=st.one_of(st.none(), st.integers(1, 30)),
)
def test_fit_visits_every_sample_once_per_epoch(n, batch_size, n_epochs, max_batches):
    X = np.arange(n, dtype=float)[:, None]
    learner = StreamLearner(
        StandardScaler(), max_batches, batch_size=batch_size, n_epochs=n_epochs, random_state=1
    ).fit(X)
    per_epoch = max(1, n // batch_size)
    expected_batches = (
        per_epoch * n_epochs if max_batches is None else min(max_batches, per_epoch * n_epochs)
    )
    assert learner.n_batches_seen_ == expected_batches
    if max_batches is None:
        assert learner.n_samples_seen_ == n * n_epochs
        np.testing.assert_allclose(learner.estimator_.mean_, X.mean(axis=0))


def test_fit_finds_classes_including_strings_and_rare_labels():
    X, y = _blobs(n=300)
    labels = np.array(["ant", "bee", "cat"])[y]
    labels[0] = "dog"  # one sample: most batches never see it
    learner = StreamLearner(SGDClassifier(random_state=0), batch_size=16, random_state=0)
    learner.fit(X, labels)
    assert learner.classes_.tolist() == ["ant", "bee", "cat", "dog"]
    assert set(learner.predict(X)) <= set(learner.classes_)


def test_fit_multilabel():
    X, Y = make_multilabel_classification(n_samples=120, n_classes=4, random_state=0)
    learner = StreamLearner(
        MLPClassifier(random_state=0), batch_size=40, n_epochs=3, random_state=0
    )
    learner.fit(X, Y)
    assert learner.classes_.tolist() == [0, 1, 2, 3]
    assert learner.predict(X).shape == Y.shape


def _learned_values(learner):
    for name in ("coef_", "cluster_centers_"):
        if hasattr(learner, name):
            return getattr(learner, name).ravel()
    return np.concatenate([w.ravel() for w in learner.coefs_])


@pytest.mark.parametrize(
    "estimator",
    [
        SGDClassifier(),
        MLPClassifier(hidden_layer_sizes=(5,)),
        MiniBatchKMeans(n_clusters=3, n_init=1),
    ],
)
def test_int_random_state_makes_fit_reproducible(estimator):
    X, y = _blobs()
    first, second, other = (
        StreamLearner(estimator, batch_size=16, random_state=seed).fit(X, y) for seed in (7, 7, 8)
    )
    np.testing.assert_array_equal(_learned_values(first), _learned_values(second))
    assert not np.array_equal(_learned_values(first), _learned_values(other))
    assert estimator.get_params()["random_state"] is None  # the user's choice is kept


def test_random_state_set_by_user_is_kept():
    X, y = _blobs()
    learner = StreamLearner(SGDClassifier(random_state=5), random_state=0).fit(X, y)
    assert learner.estimator_.random_state == 5


def test_fit_sample_weight_reaches_partial_fit():
    X = np.random.default_rng(0).integers(0, 5, size=(60, 4))
    y = np.arange(60) % 2
    plain = StreamLearner(MultinomialNB(), batch_size=16, random_state=0).fit(X, y)
    double = StreamLearner(MultinomialNB(), batch_size=16, random_state=0).fit(
        X, y, sample_weight=np.full(60, 2.0)
    )
    np.testing.assert_allclose(double.feature_count_, 2 * plain.feature_count_)


def test_clusterer_labels_follow_the_trained_model():
    X, _ = _blobs()
    learner = StreamLearner(
        MiniBatchKMeans(n_clusters=3, n_init=1), batch_size=50, random_state=0
    ).fit(X)
    np.testing.assert_array_equal(learner.labels_, learner.estimator_.predict(X))
    np.testing.assert_array_equal(learner.fit_predict(X), learner.labels_)
    learner.iter_fit([{"X": X[:50]}])
    assert not hasattr(learner, "labels_")  # not stale, and not the last batch's only


# -- warm start and partial_fit --------------------------------------------------------------
def test_warm_start_continues_training():
    X, y = _blobs()
    batches = _batches(X, y)
    learner = StreamLearner(SGDClassifier(random_state=0), warm_start=True)
    learner.iter_fit(batches[:5], classes=[0, 1, 2])
    first = learner.estimator_
    learner.iter_fit(batches[5:], classes=[0, 1, 2])
    assert learner.estimator_ is first
    assert learner.n_batches_seen_ == len(batches)
    reference = StreamLearner(SGDClassifier(random_state=0)).iter_fit(batches, classes=[0, 1, 2])
    np.testing.assert_array_equal(learner.coef_, reference.coef_)
    with pytest.raises(BatchError, match="batch 10 .* 5 features"):
        learner.iter_fit([{"X": np.zeros((2, 5)), "Y": [0, 1]}])


def test_without_warm_start_each_fit_starts_fresh():
    X, y = _blobs()
    learner = StreamLearner(SGDClassifier(random_state=0))
    learner.iter_fit(_batches(X, y), classes=[0, 1, 2])
    first = learner.estimator_
    learner.iter_fit(_batches(X, y)[:2], classes=[0, 1, 2])
    assert learner.estimator_ is not first
    assert learner.n_batches_seen_ == 2


def test_partial_fit_clones_once_then_continues():
    X, y = _blobs()
    learner = StreamLearner(SGDClassifier(random_state=0))
    reference = SGDClassifier(random_state=0)
    for batch in _batches(X, y):
        learner.partial_fit(batch["X"], batch["Y"], classes=[0, 1, 2])
        reference.partial_fit(batch["X"], batch["Y"], classes=[0, 1, 2])
    np.testing.assert_array_equal(learner.coef_, reference.coef_)
    assert (learner.n_batches_seen_, learner.n_samples_seen_) == (10, 200)


# -- delegation ------------------------------------------------------------------------------
METHODS = [
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "transform",
    "inverse_transform",
    "score",
    "score_samples",
    "fit_predict",
    "fit_transform",
]


@pytest.mark.parametrize(
    "estimator",
    [
        SGDClassifier(),
        SGDClassifier(loss="log_loss"),
        SGDRegressor(),
        SGDOneClassSVM(),
        GaussianNB(),
        MiniBatchKMeans(n_clusters=2, n_init=1),
        IncrementalPCA(n_components=2),
        StandardScaler(),
    ],
    ids=lambda e: repr(e),
)
def test_methods_exist_exactly_when_the_estimator_has_them(estimator):
    X, y = _blobs()
    learner = StreamLearner(estimator, random_state=0)
    for name in METHODS:
        assert hasattr(learner, name) == hasattr(estimator, name), name
    learner.fit(X, y)
    for name in METHODS:
        assert hasattr(learner, name) == hasattr(learner.estimator_, name), name
    for name in ["predict", "predict_proba", "decision_function", "transform", "score_samples"]:
        if hasattr(learner, name):
            np.testing.assert_array_equal(
                getattr(learner, name)(X), getattr(learner.estimator_, name)(X)
            )
    if hasattr(learner, "score"):
        assert learner.score(X, y) == learner.estimator_.score(X, y)


def test_fitted_attributes_follow_the_estimator():
    X, y = _blobs()
    learner = StreamLearner(SGDClassifier())
    for name in ["classes_", "n_features_in_", "coef_", "estimator_", "n_batches_seen_"]:
        assert not hasattr(learner, name)
    learner.fit(X, y)
    assert learner.coef_ is learner.estimator_.coef_
    assert learner.n_features_in_ == 4
    assert not hasattr(learner, "no_such_attribute_")
    with pytest.raises(AttributeError, match="estimator_"):
        learner.no_such_attribute_  # noqa: B018


def test_unreferenced_learner_leaves_nothing_behind():
    X, y = _blobs()
    log = []
    learner = StreamLearner(SGDClassifier(), max_batches=2)
    learner.iter_fit(_counting_source(X, y, log), classes=[0, 1, 2])
    del learner
    gc.collect()
    assert log == ["start", "closed"]


def test_sample_weight_belongs_in_the_batches():
    with pytest.raises(TypeError, match="put it in each batch"):
        StreamLearner(SGDClassifier()).iter_fit([GOOD], classes=[0, 1], sample_weight=[1, 1])


def test_warm_start_counts_what_was_trained_before_an_error():
    X, y = _blobs()
    batches = _batches(X, y)
    learner = StreamLearner(SGDClassifier(random_state=0), warm_start=True)
    learner.iter_fit(batches[:2], classes=[0, 1, 2])
    with pytest.raises(BatchError, match="batch 5 of the stream has no 'X'"):
        learner.iter_fit([*batches[2:5], {"Y": y[:3]}])
    assert (learner.n_batches_seen_, learner.n_samples_seen_) == (5, 100)


def test_int_random_state_makes_iter_fit_reproducible():
    X, y = _blobs()
    batches = _batches(X, y)
    fits = [
        StreamLearner(SGDClassifier(), random_state=seed).iter_fit(batches, classes=[0, 1, 2])
        for seed in (0, 0, 1)
    ]
    np.testing.assert_array_equal(fits[0].coef_, fits[1].coef_)
    assert not np.array_equal(fits[0].coef_, fits[2].coef_)


def test_set_output_reaches_estimator_without_touching_the_user_estimator():
    scaler = StandardScaler()
    learner = StreamLearner(scaler)
    assert learner.set_output(transform="default") is learner
    learner.fit(np.arange(12.0).reshape(6, 2))
    assert learner.estimator_._sklearn_output_config["transform"] == "default"
    assert clone(learner)._sklearn_output_config == {"transform": "default"}
    assert not hasattr(scaler, "_sklearn_output_config")
    assert not hasattr(StreamLearner(SGDClassifier()), "set_output")


# -- one learner, two threads ---------------------------------------------------------------------
@pytest.mark.timeout(60)
@pytest.mark.parametrize("second", ["iter_fit", "fit", "partial_fit"])
def test_training_one_learner_from_two_threads_raises(second):
    X, y = labelled_data()
    started, release = threading.Event(), threading.Event()

    def held(n_batches):
        for index, batch in enumerate(batches_of(X, y)):
            if index == 1:
                started.set()
                assert release.wait(30)
            yield batch
            if index + 1 == n_batches:
                return

    learner = StreamLearner(SGDRegressor(random_state=0), random_state=0)
    errors = []

    def first():
        try:
            learner.iter_fit(Streamer(held, 6))
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert started.wait(30)
        call = {
            "iter_fit": lambda: learner.iter_fit(batches_of(X, y)),
            "fit": lambda: learner.fit(X, y),
            "partial_fit": lambda: learner.partial_fit(X, y),
        }[second]
        with pytest.raises(RuntimeError, match=rf"{second} was called while this learner is"):
            call()
    finally:
        release.set()
        thread.join(30)
    assert errors == []
    assert learner.n_batches_seen_ == 6 and learner.n_samples_seen_ == 60
    assert learner.fit(X, y).n_samples_seen_ == 5 * 60  # free again once the first ended


@pytest.mark.timeout(60)
def test_clones_train_in_parallel_threads():
    X, y = labelled_data()
    base = StreamLearner(SGDClassifier(random_state=0), random_state=0)
    learners = [clone(base) for _ in range(4)]
    threads = [threading.Thread(target=learner.fit, args=(X, y)) for learner in learners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    scores = [accuracy_score(y, learner.predict(X)) for learner in learners]
    assert len(set(scores)) == 1
    assert all(learner.n_batches_seen_ == base.fit(X, y).n_batches_seen_ for learner in learners)


# -- labels_ only where they label the training data ----------------------------------------------
@pytest.mark.parametrize("how", ["fit-stream", "iter_fit"])
def test_labels_are_absent_after_training_from_a_stream(how):
    X = BLOBS[:30]
    learner = StreamLearner(MiniBatchKMeans(n_clusters=2, n_init=1, random_state=SEED))
    if how == "fit-stream":
        learner.set_params(stream=lambda X: batches_of(X, size=20)).fit(X)
    else:
        learner.iter_fit(batches_of(X, size=20))
    assert not hasattr(learner, "labels_")
    with pytest.raises(AttributeError, match=r"trained from a stream.*predict\(X\)"):
        learner.labels_  # noqa: B018
    assert learner.predict(X).shape == (30,)
    learner.set_params(stream=None).fit(X)  # arrays again: the labels of all of X
    assert learner.labels_.shape == (30,)
    np.testing.assert_array_equal(learner.labels_, learner.predict(X))


def test_labels_are_documented_as_absent_after_a_stream():
    attributes = StreamLearner.__doc__.split("Attributes")[1].split("See Also")[0]
    entry = attributes.split("labels_ :")[1]
    assert "Absent after training from a stream" in entry


@pytest.mark.parametrize("n", [10, 25])
def test_labels_after_partial_fit_are_those_of_the_batch(n):
    X = BLOBS[:n]
    learner = StreamLearner(MiniBatchKMeans(n_clusters=2, n_init=1, random_state=SEED))
    learner.iter_fit(batches_of(BLOBS[30:], size=20))
    learner.partial_fit(X)
    assert learner.labels_.shape == (n,)


# -- eval_stream scores over seeds with the estimator's own score ---------------------------------
@pytest.mark.parametrize(
    ("estimator", "read", "source"),
    [
        (MiniBatchKMeans(n_clusters=2, n_init=1, random_state=SEED), read_blobs, BLOBS),
        (LatentDirichletAllocation(n_components=2, random_state=SEED), read_counts, COUNTS),
    ],
    ids=["summed-kmeans", "joined-lda"],
)
@pytest.mark.parametrize("batch_size", [7, 20])
def test_eval_stream_scores_an_own_score_as_on_the_joinedbatches_of(
    estimator, read, source, batch_size
):
    stream = Streamer(read, batch_size=batch_size)
    learner = StreamLearner(estimator, stream=stream, eval_stream=stream, random_state=SEED)
    learner.fit(PATHS[:3])
    expected = learner.estimator_.score(rows_of(PATHS[3:], source))
    assert learner.score(PATHS[3:]) == pytest.approx(expected, rel=1e-9)
