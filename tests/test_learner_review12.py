"""The review of issue 12's fixes, tried as a new user: what still misled or went wrong.

Each test names the item of the review it covers.
"""

import re
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from learner_data import batches_of, labelled_data, watched_stream
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_stream import Streamer, StreamLearner, buffer_batch, plot_history
from sklearn_stream.exceptions import BatchError, BatchShapeError
from sklearn_stream.learner._monitor import ProgressDisplay

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
SEED = 0


# Stored "files" (the seeds a stream reads, as a search over file paths would): two blobs,
# and counts for a topic model.
_RNG = np.random.default_rng(SEED)
_BLOBS = np.r_[_RNG.normal(-4, 1, size=(40, 2)), _RNG.normal(4, 1, size=(40, 2))]
_RNG.shuffle(_BLOBS)
_COUNTS = _RNG.poisson(2.0, size=(80, 6)).astype(float)
_FILES = {f"part{i}.npz": slice(20 * i, 20 * i + 20) for i in range(4)}
PATHS = np.array(sorted(_FILES))


def read_blobs(paths, y=None, batch_size=10):
    for path in paths:
        yield from batches_of(_BLOBS[_FILES[str(path)]], size=batch_size)


def read_counts(paths, y=None, batch_size=10):
    for path in paths:
        yield from batches_of(_COUNTS[_FILES[str(path)]], size=batch_size)


def _rows(paths, source):
    return np.concatenate([source[_FILES[str(path)]] for path in paths])


# -- item 1: a 1-D row raises BatchShapeError, advising X[None, :] only ---------------------------
@pytest.mark.parametrize("row", [np.arange(3.0), [0.0, 1.0, 2.0]], ids=["array", "list"])
@pytest.mark.parametrize("from_fit", [False, True], ids=["iter_fit", "fit-stream"])
def test_a_one_dimensional_row_raises_batch_shape_error_that_advises_a_row(row, from_fit):
    def one_row(X, y):
        yield {"X": row, "y": [1.0]}

    learner = StreamLearner(SGDRegressor(random_state=SEED))
    with pytest.raises(BatchShapeError, match=r"batch 0 of the stream has a 1-D X") as info:
        if from_fit:
            learner.set_params(stream=one_row).fit(*labelled_data())
        else:
            learner.iter_fit(one_row(None, None))
    assert isinstance(info.value, ValueError)
    assert "X[None, :]" in str(info.value)
    assert "buffer_batch" not in str(info.value)


@pytest.mark.parametrize("n_rows", [2, 5])
def test_buffer_batch_joins_one_dimensional_rows_end_to_end_as_the_guide_says(n_rows):
    rows = [{"X": np.full(3, float(i))} for i in range(n_rows)]
    (joined,) = buffer_batch(rows, 3 * n_rows)  # not a matrix of rows: one longer row
    assert joined["X"].shape == (3 * n_rows,)
    guide = (ROOT / "doc" / "user_guide" / "learner.rst").read_text()
    assert "stack single samples" not in guide
    assert "joins batches end to end" in guide


@pytest.mark.parametrize("section", ["BatchError", "BatchShapeError"])
def test_iter_fit_lists_one_dimensional_rows_under_batch_shape_error(section):
    raises = StreamLearner.iter_fit.__doc__.split("Raises")[1].split("Examples")[0]
    entries = re.split(r"\n\s*sklearn_stream\.exceptions\.", raises)
    (entry,) = [e for e in entries if e.startswith(section + "\n")]
    assert ("1-D" in entry) == (section == "BatchShapeError")


# -- item 2: validation data checked when training starts, or after the first batch ------------


@pytest.mark.parametrize(
    ("make_validation", "match"),
    [
        (lambda X, y: (X, None), r"validation_data=\(X_val, None\) has no targets"),
        (lambda X, y: (X, y[:-5]), r"validation_data=\(X_val, y_val\) .* 60 samples .* 55"),
        (lambda X, y: (X[:-1], y), r"validation_data=\(X_val, y_val\) .* 59 samples .* 60"),
    ],
    ids=["y_val-None", "short-y_val", "short-X_val"],
)
@pytest.mark.parametrize("method", ["iter_fit", "fit"])
def test_bad_validation_data_is_refused_before_any_batch(make_validation, match, method):
    X, y = labelled_data()
    consumed = []
    learner = StreamLearner(
        SGDClassifier(random_state=SEED), validation_data=make_validation(X, y), eval_every=2
    )
    with pytest.raises(ValueError, match=match):
        if method == "iter_fit":
            learner.iter_fit(watched_stream(X, y, consumed), classes=[0, 1])
        else:
            learner.set_params(stream=lambda X, y: watched_stream(X, y, consumed).generate())
            learner.fit(X, y)
    assert consumed == []


@pytest.mark.parametrize("width", [2, 5])
@pytest.mark.parametrize(
    "estimator", [SGDClassifier(random_state=SEED), MiniBatchKMeans(n_clusters=2, n_init=1)]
)
def test_validation_data_of_other_width_fails_after_the_first_batch(width, estimator):
    X, y = labelled_data()
    X_val = np.zeros((10, width))
    validation = (X_val,) if isinstance(estimator, MiniBatchKMeans) else (X_val, y[:10])
    target = None if isinstance(estimator, MiniBatchKMeans) else y
    consumed = []
    learner = StreamLearner(estimator, validation_data=validation, eval_every=100)
    params = {} if target is None else {"classes": [0, 1]}
    with pytest.raises(ValueError, match=rf"validation_data has an X_val of {width} features"):
        learner.iter_fit(watched_stream(X, target, consumed), **params)
    assert len(consumed) == 1


# -- item 3: a missing argument inside a learner, as the user wrote the parameter ---------------
def noisy(X, y, sigma, random_state=None):
    rng = np.random.default_rng(random_state)
    for batch in batches_of(X, y):
        yield {**batch, "X": batch["X"] + sigma * rng.normal(size=batch["X"].shape)}


def paths_noisy(paths, y=None, *, sigma):
    yield from read_blobs(paths)


@pytest.mark.parametrize(
    ("stream", "data", "expected"),
    [
        (Streamer(noisy), "arrays", "stream=Streamer(noisy, sigma=...)"),
        (noisy, "arrays", "stream=Streamer(noisy, sigma=...)"),
        (Streamer(paths_noisy), "paths", "stream=Streamer(paths_noisy, sigma=...)"),
    ],
    ids=["streamer", "function", "file-paths"],
)
def test_a_missing_argument_in_fit_is_named_as_the_parameter_was_written(stream, data, expected):
    if data == "arrays":
        learner, args = (
            StreamLearner(SGDClassifier(random_state=SEED), stream=stream),
            labelled_data(),
        )
    else:
        estimator = MiniBatchKMeans(n_clusters=2, n_init=1, random_state=SEED)
        learner = StreamLearner(estimator, stream=stream, eval_stream=stream)
        args = (PATHS,)
    with pytest.raises(TypeError, match="missing the required argument 'sigma'") as info:
        learner.fit(*args)
    message = str(info.value)
    assert expected in message
    settable = isinstance(stream, Streamer)
    assert ("learner.set_params(stream__sigma=...)" in message) == settable
    for shown in ("ndarray", "array(", "part0.npz", "X, y, sigma", "<"):
        assert shown not in message


@pytest.mark.parametrize("target", [True, False], ids=["X-y", "X-only"])
def test_a_missing_argument_of_eval_stream_names_eval_stream(target):
    X, y = labelled_data()
    fitted = StreamLearner(SGDRegressor(random_state=SEED), random_state=SEED).fit(X, y)
    fitted.set_params(eval_stream=Streamer(noisy))
    with pytest.raises(TypeError) as info:
        fitted.score(X, y) if target else fitted.score(X)
    message = str(info.value)
    assert message.startswith(
        "eval_stream=Streamer(noisy) cannot start a stream in StreamRegressor.score"
    )
    if target:
        assert "learner.set_params(eval_stream__sigma=...)" in message
    else:  # no y: its parameter is not one to set, the targets are missing
        assert "was given y=None" in message and "eval_stream__y" not in message
    assert "ndarray" not in message


@pytest.mark.parametrize(
    "args",
    [(np.zeros((30, 2)), np.zeros(30)), (np.zeros((3, 2)), [0, 1, 0])],
    ids=["large", "small"],
)
def test_a_missing_argument_outside_a_learner_shows_placeholders(args):
    with pytest.raises(TypeError) as info:
        Streamer(noisy, *args).generate()
    message = str(info.value)
    assert message.startswith("Streamer(noisy, X, y) cannot start a stream")
    assert "Streamer(noisy, X, y, sigma)" in message
    assert "ndarray" not in message and "array(" not in message and "[0, 1" not in message


# -- item 4: clusterers and other estimators with score, over seeds ------------------------------
@pytest.mark.parametrize(
    "estimator",
    [
        MiniBatchKMeans(n_clusters=2, n_init=1, random_state=SEED),
        LatentDirichletAllocation(n_components=2, random_state=SEED),
    ],
    ids=type,
)
def test_a_stream_fit_over_seeds_of_an_estimator_with_score_needs_eval_stream(estimator):
    calls = []

    def recorded(paths, y=None):
        calls.append(paths)
        return read_blobs(paths)

    learner = StreamLearner(estimator, stream=recorded)
    with pytest.raises(ValueError, match=r"eval_stream=None.*\.score and fail.*Set eval_stream"):
        learner.fit(PATHS)
    with pytest.raises(ValueError, match=r"set_params\(eval_stream=learner\.stream\)"):
        learner.fit(PATHS)
    assert calls == []


@pytest.mark.parametrize(
    ("estimator", "read", "source"),
    [
        (MiniBatchKMeans(n_clusters=2, n_init=1, random_state=SEED), read_blobs, _BLOBS),
        (LatentDirichletAllocation(n_components=2, random_state=SEED), read_counts, _COUNTS),
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
    expected = learner.estimator_.score(_rows(PATHS[3:], source))
    assert learner.score(PATHS[3:]) == pytest.approx(expected, rel=1e-9)


@pytest.mark.timeout(120)
def test_a_search_of_a_clusterer_over_seeds_compares_finite_scores():
    stream = Streamer(read_blobs)
    learner = StreamLearner(
        MiniBatchKMeans(n_init=1, random_state=SEED), stream=stream, random_state=SEED
    )
    search = GridSearchCV(learner, {"estimator__n_clusters": [1, 2]}, cv=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's FitFailedWarning, before it raises
        with pytest.raises(ValueError, match="Set eval_stream"):
            search.fit(PATHS)
    search = GridSearchCV(learner.set_params(eval_stream=stream), search.param_grid, cv=2)
    search.fit(PATHS)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_params_ == {"estimator__n_clusters": 2}


# -- item 5: the estimator's input tags decide what a 1-D X is -----------------------------------
class TextSGD(ClassifierMixin, BaseEstimator):
    """A classifier of raw documents (a 1-D X of strings), or of 2-D X if told so."""

    def __init__(self, one_dimensional=True):
        self.one_dimensional = one_dimensional

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = not self.one_dimensional
        tags.input_tags.string = self.one_dimensional
        return tags

    def partial_fit(self, X, y, classes=None):
        if not hasattr(self, "sgd_"):
            self.vectorizer_ = HashingVectorizer(n_features=64)
            self.sgd_ = SGDClassifier(random_state=SEED)
        self.sgd_.partial_fit(self.vectorizer_.transform(X), y, classes=classes)
        self.classes_ = self.sgd_.classes_
        return self

    def predict(self, X):
        return self.sgd_.predict(self.vectorizer_.transform(X))


DOCS = np.array(["good fun", "bad sad", "great good", "awful bad"] * 10)
LABELS = np.array([1, 0, 1, 0] * 10)


def augment(X, y, n=3):
    for _ in range(n):
        yield {"X": [doc + " x" for doc in X], "y": y}


@pytest.mark.parametrize("one_dimensional", [True, False], ids=["1-D-input", "2-D-input"])
@pytest.mark.timeout(60)
def test_the_seeds_check_follows_the_estimators_input_tags(one_dimensional):
    learner = StreamLearner(TextSGD(one_dimensional), stream=Streamer(augment))
    if one_dimensional:
        scores = cross_val_score(learner, DOCS, LABELS, cv=2, error_score="raise")
        assert (scores > 0.9).all()
    else:
        with pytest.raises(ValueError, match="not a 2-D matrix of features"):
            learner.fit(DOCS, LABELS)


# -- item 6: labels_ only where they label the training data -------------------------------------
@pytest.mark.parametrize("how", ["fit-stream", "iter_fit"])
def test_labels_are_absent_after_training_from_a_stream(how):
    X = _BLOBS[:30]
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
    X = _BLOBS[:n]
    learner = StreamLearner(MiniBatchKMeans(n_clusters=2, n_init=1, random_state=SEED))
    learner.iter_fit(batches_of(_BLOBS[30:], size=20))
    learner.partial_fit(X)
    assert learner.labels_.shape == (n,)


# -- item 7: small ones ---------------------------------------------------------------------------
@pytest.mark.parametrize("batch_size", [1, 16])
def test_the_progress_bar_sample_count_keeps_step_with_thebatches_of(batch_size, capsys):
    pytest.importorskip("tqdm")
    display = ProgressDisplay(total=None, use_tqdm=True, name="StreamRegressor")
    display.bar.mininterval = 0  # redraw on every update, so that every frame is checked
    display.bar.miniters = 1
    display.bar.dynamic_miniters = False
    for n_batches in range(1, 121):
        display.update(n_batches, n_batches * batch_size)
    display.close(120, 120 * batch_size)
    frames = re.findall(r"(\d+)batch \[[^]]*samples=([\d,]+)", capsys.readouterr().err)
    assert len(frames) > 100
    for batches, samples in frames:
        assert int(samples.replace(",", "")) == int(batches) * batch_size


@pytest.mark.parametrize(
    ("estimator", "name"),
    [
        (SGDClassifier(random_state=SEED), "StreamClassifier"),
        (SGDRegressor(random_state=SEED), "StreamRegressor"),
        (MiniBatchKMeans(n_clusters=2, n_init=1, random_state=SEED), "StreamClusterer"),
    ],
    ids=lambda value: value if isinstance(value, str) else type(value).__name__,
)
def test_progress_is_labelled_with_the_learners_class(estimator, name, capsys):
    X, y = labelled_data()
    y = None if isinstance(estimator, MiniBatchKMeans) else y
    params = {"classes": [0, 1]} if isinstance(estimator, SGDClassifier) else {}
    StreamLearner(estimator, max_batches=4, verbose=1).iter_fit(batches_of(X, y), **params)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert name in text
    assert "StreamLearner" not in text


def make_batches(X, y):
    yield from batches_of(X, y)


@pytest.mark.parametrize(
    ("name", "present", "absent"),
    [
        ("stream", "call iter_fit(iterator)", "score(X, y) starts"),
        ("eval_stream", "score(X, y) starts a fresh evaluation stream", "iter_fit"),
    ],
)
def test_one_shot_advice_is_worded_per_parameter(name, present, absent):
    X, y = labelled_data()
    learner = StreamLearner(SGDClassifier(), **{name: make_batches(X, y)})
    with pytest.raises(InvalidParameterError) as info:
        learner.fit(X, y)
    message = str(info.value)
    assert present in message and absent not in message
    assert f"{name}=Streamer(make_batches, " in message  # the generator's own function


@pytest.mark.parametrize("name", ["stream", "eval_stream"])
@pytest.mark.parametrize("container", [list, tuple])
def test_fixed_batches_as_a_stream_parameter_get_advice_without_their_values(name, container):
    X, y = labelled_data()
    batches = container(batches_of(X, y))
    with pytest.raises(InvalidParameterError) as info:
        StreamLearner(SGDClassifier(), **{name: batches}).fit(X, y)
    message = str(info.value)
    assert f"got a {container.__name__} of 6 items" in message
    assert "Streamer(list_of_batches)" in message
    assert "array(" not in message and len(message) < 1000
    assert ("iter_fit(list_of_batches)" in message) == (name == "stream")


def counting(n):
    yield from ({"X": np.array([[i]])} for i in range(n))


@pytest.mark.parametrize(
    ("generator", "function"),
    [(noisy(1, 2, 0.5), "noisy"), (counting(3), "counting")],
    ids=["noisy", "counting"],
)
def test_a_generator_object_in_streamer_is_named_by_its_function(generator, function):
    with pytest.raises(TypeError) as info:
        Streamer(generator)
    message = str(info.value)
    assert f"Streamer({function}, ...) rather than Streamer({function}(...))" in message
    assert "noisy_samples" not in message


@pytest.mark.parametrize(
    "estimator", [SGDClassifier(), MiniBatchKMeans(n_clusters=2, n_init=1)], ids=type
)
def test_plot_history_of_an_unfitted_learner_raises_not_fitted(estimator):
    with pytest.raises(NotFittedError):
        plot_history(StreamLearner(estimator, validation_data=labelled_data()))


@pytest.mark.parametrize("estimator", [SGDRegressor(), SGDClassifier()], ids=type)
def test_an_error_in_fit_on_arrays_speaks_of_the_traininglabelled_data(estimator):
    X, y = labelled_data()
    with pytest.raises(ValueError, match="2D array") as info:
        StreamLearner(estimator, batch_size=16).fit(X[:, 0], y)
    notes = getattr(info.value, "__notes__", [])
    assert notes == ["(raised while training on batch 0 of the training data)"]


def test_an_error_in_a_stream_still_names_the_stream():
    def bad(X, y):
        yield {"X": np.full((4, 3), np.nan), "y": np.zeros(4)}

    with pytest.raises(ValueError) as info:
        StreamLearner(SGDRegressor()).iter_fit(bad(None, None))
    assert "(raised while training on batch 0 of the stream)" in info.value.__notes__
    assert not isinstance(info.value, BatchError)
