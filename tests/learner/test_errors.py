"""StreamLearner's errors as a new user meets them, and the advice each one carries.

Each error says what went wrong as the user wrote it (which batch, which parameter, which
argument) and how to fix it; next to it are the cases where nothing is wrong and no error
comes. The tests came from issue 12 ("what a new user trips over in the first hour") and
the review of its fixes.
"""

import ast
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import IncrementalPCA, LatentDirichletAllocation
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier, SGDOneClassSVM, SGDRegressor
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.naive_bayes import GaussianNB
from sklearn.neural_network import MLPClassifier
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_stream import Streamer, StreamLearner, buffer_batch
from sklearn_stream.exceptions import (
    BatchError,
    BatchLengthError,
    BatchShapeError,
    ShortStreamError,
)
from sklearn_stream.learner._training import add_note
from tests.learner.learner_data import (
    PATHS,
    SEED,
    batches_of,
    labelled_data,
    read_blobs,
    watched_stream,
)

ROOT = Path(__file__).resolve().parents[2]


# Stored "files": the seeds a stream reads, as a search over file paths would.
_X, _Y = labelled_data(80)
_FILES = {f"part{i}.npz": (_X[20 * i : 20 * i + 20], _Y[20 * i : 20 * i + 20]) for i in range(4)}


def read_parts(paths, y=None, batch_size=10):
    for path in paths:
        X, target = _FILES[str(path)]
        yield from batches_of(X, target, batch_size)


# -- a stream fit over seeds (file paths) needs eval_stream to score ------------------------------
@pytest.mark.parametrize(
    "estimator", [SGDClassifier(random_state=0), SGDRegressor(random_state=0)], ids=type
)
@pytest.mark.parametrize("as_list", [False, True], ids=["array", "list"])
def test_fit_over_seeds_without_eval_stream_raises_at_once(estimator, as_list):
    paths = np.array(sorted(_FILES))
    paths = paths.tolist() if as_list else paths
    calls = []

    def recorded(seeds, y=None):
        calls.append(seeds)
        return read_parts(seeds)

    learner = StreamLearner(estimator, stream=recorded)
    params = {"classes": [0, 1]} if isinstance(estimator, SGDClassifier) else {}
    with pytest.raises(
        ValueError, match=r"eval_stream=None.*eval_stream=Streamer\(read_batches\)"
    ):
        learner.fit(paths, **params)
    assert calls == []  # raised before streaming anything


def test_a_search_over_seeds_without_eval_stream_fails_instead_of_picking_from_nan():
    paths = np.array(sorted(_FILES))
    learner = StreamLearner(SGDClassifier(random_state=0), stream=Streamer(read_parts))
    search = GridSearchCV(learner, {"estimator__alpha": [1e-4, 1e-2]}, cv=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's FitFailedWarning, before it raises
        with pytest.raises(ValueError, match=r"Set eval_stream"):
            search.fit(paths, classes=[0, 1])
    learner.set_params(eval_stream=Streamer(read_parts))
    search = GridSearchCV(learner, {"estimator__alpha": [1e-4, 1e-2]}, cv=2)
    search.fit(paths, classes=[0, 1])
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


@pytest.mark.parametrize(
    "learner",
    [
        StreamLearner(IncrementalPCA(n_components=2)),
        StreamLearner(SGDRegressor(random_state=0), eval_stream=Streamer(read_parts)),
    ],
    ids=["no-score", "eval_stream-set"],
)
def test_fit_over_seeds_is_allowed_when_score_is_not_at_stake(learner):
    def features_only(paths):
        for batch in read_parts(paths):
            yield {"X": batch["X"]}

    stream = Streamer(read_parts) if learner.eval_stream is not None else features_only
    fitted = learner.set_params(stream=stream).fit(np.array(sorted(_FILES)))
    assert fitted.n_samples_seen_ == 80


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


# -- the estimator's input tags decide what a 1-D X of seeds is -----------------------------------
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


# -- notes say where in training an error was raised, added by one helper -------------------------
LEARNER_MODULES = sorted(path.name for path in (ROOT / "sklearn_stream" / "learner").glob("*.py"))


@pytest.mark.parametrize("name", LEARNER_MODULES)
def test_learner_modules_add_notes_only_through_the_helper(name):
    tree = ast.parse((ROOT / "sklearn_stream" / "learner" / name).read_text())
    calls = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "add_note"
    ]
    if name == "_training.py":
        assert len(calls) == 1  # the helper itself
    else:
        assert calls == [], f"{name} calls add_note directly at lines {calls}"


@pytest.mark.parametrize("times", [1, 2])
def test_the_note_helper_adds_each_note_once(times):
    error = ValueError("boom")
    for _ in range(times):
        add_note(error, "(context)")
    assert error.__notes__ == ["(context)"]


def test_an_error_in_a_stream_fit_carries_its_notes():
    def failing(X, y):
        yield {"X": X, "y": y}
        raise OSError("disk gone")

    X, y = labelled_data()
    with pytest.raises(OSError, match="disk gone") as info:
        StreamLearner(SGDRegressor(), stream=failing).fit(X, y)
    assert any("StreamRegressor.fit on 60 samples" in note for note in info.value.__notes__)


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


# -- targets given to an unsupervised estimator ---------------------------------------------------
@pytest.mark.parametrize(
    "estimator",
    [MiniBatchKMeans(n_clusters=2, n_init=1), IncrementalPCA(n_components=2), SGDOneClassSVM()],
    ids=type,
)
@pytest.mark.parametrize("layout", ["dict", "tuple"])
def test_targets_in_a_stream_for_an_unsupervised_estimator_raise(estimator, layout):
    X, y = labelled_data()
    batches = [{"X": X[:20], "Y": y[:20]}] if layout == "dict" else [(X[:20], y[:20])]
    with pytest.raises(BatchError, match=r"batch 0 .* has a target .* is unsupervised"):
        StreamLearner(estimator).iter_fit(batches)
    fitted = StreamLearner(estimator).iter_fit([{"X": X[:20]}])  # features only: fine
    assert fitted.n_samples_seen_ == 20


def test_targets_from_a_fit_stream_raise_but_fit_on_arrays_keeps_ignoring_y():
    X, y = labelled_data()
    kmeans = MiniBatchKMeans(n_clusters=2, n_init=1, random_state=0)
    with pytest.raises(BatchError, match=r"has a target .*MiniBatchKMeans"):
        StreamLearner(kmeans, stream=batches_of).fit(X, y)
    assert StreamLearner(kmeans, random_state=0).fit(X, y).n_samples_seen_ == 5 * 60


# -- a stream shorter than max_batches ------------------------------------------------------------
def test_iter_fit_stops_quietly_where_fit_raises_and_both_docstrings_say_why():
    X, y = labelled_data()
    learner = StreamLearner(SGDRegressor(random_state=0), max_batches=10)
    assert learner.iter_fit(list(batches_of(X, y))).n_batches_seen_ == 6
    with pytest.raises(ShortStreamError, match=r"ended after 6 batches"):
        clone(learner).set_params(stream=batches_of).fit(X, y)
    assert "ShortStreamError" in StreamLearner.fit.__doc__
    assert "ends training quietly" in StreamLearner.iter_fit.__doc__


def test_a_short_stream_over_seeds_names_them_as_items_not_samples():
    paths = np.array(sorted(_FILES)[:2])
    learner = StreamLearner(
        SGDRegressor(), 10, stream=Streamer(read_parts), eval_stream=Streamer(read_parts)
    )
    with pytest.raises(ShortStreamError) as info:
        learner.fit(paths)
    message = str(info.value)
    assert "a 1-D X of 2 items ['part0.npz', 'part1.npz']" in message
    assert "2 samples" not in message


# -- classes forgotten in iter_fit ----------------------------------------------------------------
@pytest.mark.parametrize(
    "estimator", [SGDClassifier(), GaussianNB(), MLPClassifier(max_iter=5)], ids=type
)
def test_iter_fit_without_classes_says_how_to_give_them(estimator):
    X, y = labelled_data()
    consumed = []

    with pytest.raises(ValueError, match=r"iter_fit\(stream, classes=\[\.\.\.\]\)"):
        StreamLearner(estimator).iter_fit(watched_stream(X, y, consumed))
    assert consumed == []


def test_a_warm_start_continues_without_classes():
    X, y = labelled_data()
    learner = StreamLearner(SGDClassifier(random_state=0), warm_start=True)
    learner.iter_fit(batches_of(X, y), classes=[0, 1]).iter_fit(batches_of(X, y))
    assert learner.n_batches_seen_ == 12


# -- fields of one batch with different lengths ---------------------------------------------------
@pytest.mark.parametrize(
    ("batch", "listing"),
    [
        ({"X": np.zeros((5, 3)), "y": np.zeros(4)}, "{'X': 5, 'y': 4}"),
        ((np.zeros((5, 3)), [0.0] * 6), "{'X': 5, 'y': 6}"),
        (
            {"X": np.zeros((5, 3)), "y": np.zeros(5), "sample_weight": np.ones(3)},
            "{'X': 5, 'y': 5, 'sample_weight': 3}",
        ),
    ],
    ids=["dict", "tuple", "weights"],
)
def test_fields_of_different_lengths_raise_batch_length_error(batch, listing):
    X, y = labelled_data()
    stream = [{"X": X[:5], "y": y[:5]}, batch]
    with pytest.raises(BatchLengthError, match=r"^batch 1 of the stream: ") as info:
        StreamLearner(SGDRegressor()).iter_fit(stream)
    assert listing in str(info.value)


def test_fields_of_different_lengths_raise_when_scoring_over_a_stream():
    X, y = labelled_data()

    def uneven(X, y):
        yield {"X": X, "y": y[:-1]}

    learner = StreamLearner(SGDRegressor(), eval_stream=uneven).fit(X, y)
    with pytest.raises(BatchLengthError, match=r"batch 0 of the stream: .*'y': 59"):
        learner.score(X, y)


# -- a 1-D row as a batch raises BatchShapeError, advising X[None, :] only ------------------------
@pytest.mark.parametrize(
    "row", [np.arange(3.0), [0.0, 1.0, 2.0], np.arange(3)], ids=["floats", "list", "ints"]
)
@pytest.mark.parametrize(
    "estimator", [SGDRegressor(), MiniBatchKMeans(n_clusters=1, n_init=1)], ids=type
)
def test_a_one_dimensional_row_names_the_batch_and_suggests_a_row(row, estimator):
    X, y = labelled_data()
    first = {"X": X[:4]} if isinstance(estimator, MiniBatchKMeans) else {"X": X[:4], "y": y[:4]}
    second = {"X": row} if isinstance(estimator, MiniBatchKMeans) else {"X": row, "y": [1.0]}
    with pytest.raises(
        BatchShapeError, match=r"batch 1 of the stream has a 1-D X of shape \(3,\)"
    ) as info:
        StreamLearner(estimator).iter_fit([first, second])
    assert isinstance(info.value, ValueError)  # as scikit-learn's own error is
    # buffer_batch joins 1-D rows end to end, so it is no advice for them
    assert "X[None, :]" in str(info.value) and "buffer_batch" not in str(info.value)


def test_one_dimensional_documents_still_reach_a_text_vectorizer():
    documents = [{"X": ["a cat", "a dog", "two birds"]}, {"X": np.array(["one more"])}]
    learner = StreamLearner(HashingVectorizer(n_features=8)).iter_fit(documents)
    assert learner.n_samples_seen_ == 4


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


# -- validation data checked when training starts, or after the first batch -----------------------
def test_validation_data_without_targets_is_refused_before_training():
    X, y = labelled_data()
    consumed = []

    learner = StreamLearner(SGDClassifier(), validation_data=(X,), eval_every=2)
    with pytest.raises(ValueError, match=r"validation_data=\(X_val,\) has no targets"):
        learner.iter_fit(watched_stream(X, y, consumed), classes=[0, 1])
    assert consumed == []


@pytest.mark.parametrize(
    ("estimator", "scoring"),
    [
        (MiniBatchKMeans(n_clusters=2, n_init=1, random_state=0), None),
        (SGDClassifier(random_state=0), lambda est, X, y=None: float(est.predict(X).mean())),
    ],
    ids=["unsupervised", "callable-scoring"],
)
def test_validation_data_without_targets_is_fine_where_nothing_needs_them(estimator, scoring):
    X, y = labelled_data()
    learner = StreamLearner(estimator, validation_data=(X,), eval_every=2, scoring=scoring)
    learner.fit(X, y)
    assert len(learner.history_["score"]) == 3


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


# -- a missing argument of a stream function, named as the user wrote it --------------------------
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


# -- one-shot iterators and fixed batches as stream parameters ------------------------------------
@pytest.mark.parametrize("name", ["stream", "eval_stream"])
@pytest.mark.parametrize(
    ("make", "what"),
    [(lambda: batches_of(np.zeros((4, 2))), "a generator object"), (lambda: iter([]), "list_")],
    ids=["generator", "list_iterator"],
)
def test_a_one_shot_iterator_as_stream_parameter_gets_the_streamer_advice(name, make, what):
    X, y = labelled_data()
    learner = StreamLearner(SGDRegressor(), **{name: make()})
    with pytest.raises(InvalidParameterError, match=rf"The '{name}' parameter .*{what}") as info:
        learner.fit(X, y)
    assert "cannot be restarted" in str(info.value)
    assert "Pass the generator function instead" in str(info.value)


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
