"""What a new user trips over in the first hour (issue 12): the learner's side.

Each test names the item of the issue it covers.
"""

import ast
import io
import pickle
import re
import sys
import threading
import tomllib
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from learner_data import batches_of, labelled_data, watched_stream
from matplotlib.figure import Figure
from sklearn.base import clone
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import IncrementalPCA
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier, SGDOneClassSVM, SGDRegressor
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV
from sklearn.naive_bayes import GaussianNB
from sklearn.neural_network import MLPClassifier
from sklearn.utils._param_validation import InvalidParameterError

import sklearn_stream
from sklearn_stream import Streamer, StreamLearner, plot_history
from sklearn_stream.exceptions import (
    BatchError,
    BatchLengthError,
    BatchShapeError,
    ShortStreamError,
)
from sklearn_stream.learner._monitor import ProgressDisplay
from sklearn_stream.learner._training import add_note

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
RNG_SEED = 0


# Stored "files": the seeds a stream reads, as a search over file paths would.
_X, _Y = labelled_data(80)
_FILES = {f"part{i}.npz": (_X[20 * i : 20 * i + 20], _Y[20 * i : 20 * i + 20]) for i in range(4)}


def read_parts(paths, y=None, batch_size=10):
    for path in paths:
        X, target = _FILES[str(path)]
        yield from batches_of(X, target, batch_size)


# -- item 1: a search over seeds without eval_stream ---------------------------------------------
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


# -- item 2: one Python floor, one helper for notes --------------------------------------------
def test_the_declared_python_floor_is_the_one_tested():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    floor = project["project"]["requires-python"]
    assert floor == ">=3.11"
    assert project["tool"]["ruff"]["target-version"] == "py311"
    assert sys.version_info >= (3, 11)


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


# -- item 3: targets given to an unsupervised estimator ----------------------------------------
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


# -- item 4: a stream shorter than max_batches ---------------------------------------------------
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


# -- item 5: classes forgotten in iter_fit ----------------------------------------------------
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


# -- item 6: a generator object as stream or eval_stream ----------------------------------------
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


# -- item 8: fields of one batch with different lengths ------------------------------------------
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


# -- item 9: validation data without targets ----------------------------------------------------
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


# -- item 10: a 1-D row as a batch ----------------------------------------------------------------
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


# -- item 11: an endless stream with max_batches=None --------------------------------------------
@pytest.mark.parametrize(
    ("max_batches", "from_stream", "warned"),
    [(None, True, True), (3, True, False), (None, False, False)],
    ids=["stream-unbounded", "stream-bounded", "arrays"],
)
def test_verbose_says_when_an_endless_stream_would_train_for_ever(
    max_batches, from_stream, warned, capsys
):
    X, y = labelled_data()
    learner = StreamLearner(SGDRegressor(random_state=0), max_batches, verbose=1, n_epochs=1)
    if from_stream:
        learner.iter_fit(batches_of(X, y))
    else:
        learner.fit(X, y)
    out = capsys.readouterr().out
    assert ("max_batches=None: training runs until the stream ends" in out) is warned
    assert "trains for ever" in StreamLearner.__doc__


# -- item 12: the kind classes are public ---------------------------------------------------------
KINDS = {
    "StreamClassifier": SGDClassifier(),
    "StreamRegressor": SGDRegressor(),
    "StreamClusterer": MiniBatchKMeans(),
    "StreamTransformer": IncrementalPCA(),
    "StreamOutlierDetector": SGDOneClassSVM(),
}


@pytest.mark.parametrize("name", sorted(KINDS))
def test_the_kind_classes_are_exported_and_documented(name):
    kind = getattr(sklearn_stream, name)
    assert name in sklearn_stream.__all__
    learner = StreamLearner(KINDS[name])
    assert type(learner) is kind and repr(learner).startswith(f"{name}(")
    assert type(pickle.loads(pickle.dumps(learner))) is kind
    assert type(kind(KINDS[name])) is kind
    api = (ROOT / "doc" / "api.rst").read_text()
    assert re.search(rf"^   {name}$", api, flags=re.MULTILINE)


# -- item 18: readable counts, styled curves ---------------------------------------------------
def test_log_lines_show_counts_with_thousands_separators():
    out = io.StringIO()
    display = ProgressDisplay(total=None, use_tqdm=False, every=0.0, stream=out)
    display.update(12_345, 1_234_567)
    display.close(12_345, 1_234_567)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[StreamLearner] 12,345 batches, 1,234,567 samples, ")
    assert "e+" not in out.getvalue()


@pytest.mark.parametrize("n_samples", [100_000, 7, 12_345_678])
def test_the_progress_bar_shows_whole_sample_counts(n_samples, capsys):
    pytest.importorskip("tqdm")
    display = ProgressDisplay(total=2, use_tqdm=True)
    display.update(1, n_samples)
    display.close(2, n_samples)
    err = capsys.readouterr().err
    assert f"samples={n_samples:,}" in err
    assert "e+" not in err


@pytest.mark.parametrize(
    "style",
    [{}, {"label": "alpha=1e-4"}, {"color": "red", "linestyle": "--", "marker": "s"}],
    ids=["defaults", "label", "style"],
)
def test_plot_history_passes_keyword_arguments_to_matplotlib(style):
    X, y = labelled_data()
    learner = StreamLearner(
        SGDClassifier(random_state=0), validation_data=(X, y), eval_every=2, random_state=0
    ).fit(X, y)
    ax = Figure().subplots()
    line = plot_history(learner, ax, **style).lines[0]
    expected = {"label": "validation score", "marker": "o", **style}
    assert line.get_label() == expected["label"]
    assert line.get_marker() == expected["marker"]
    if "color" in style:
        assert line.get_color() == "red" and line.get_linestyle() == "--"


# -- item 19: one learner, two threads ---------------------------------------------------------
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
