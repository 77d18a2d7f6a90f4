"""Data that is a list of files: splits by file, streamed scoring, the example, and errors."""

import itertools
import os
import re
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.cluster import MiniBatchKMeans
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.metrics import accuracy_score, mean_absolute_error, r2_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold, cross_validate
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_stream import Mux, Streamer
from sklearn_stream._fit_streams import ShortStreamError
from sklearn_stream.exceptions import BatchError, EmptyStreamError
from sklearn_stream.learner import StreamLearner, stream_scorer

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def example(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    import search_over_files

    yield search_over_files
    sys.modules.pop("search_over_files", None)


@pytest.fixture
def tracks(example, tmp_path):
    paths, artists = example.write_tracks(tmp_path, n_tracks=8, n_rows=64)
    return paths, artists


def logged(paths, y=None, *, log, random_state=None):
    """Every batch of every file, after noting which files this stream was given (the
    per-file targets ``y`` of a search are not used: the files hold the targets)."""
    with open(log, "a") as handle:
        handle.write(" ".join(Path(p).name for p in paths) + "\n")
    for path in paths:
        with np.load(path) as data:
            X, y = data["X"], data["y"]
        for start in range(0, len(X), 16):
            yield {"X": X[start : start + 16], "y": y[start : start + 16]}


def _read_all(paths):
    arrays = [np.load(path) for path in paths]
    return np.concatenate([a["X"] for a in arrays]), np.concatenate([a["y"] for a in arrays])


# -- splitting by file ----------------------------------------------------------------------
@pytest.mark.parametrize("cv", [KFold(4), GroupKFold(4)], ids=["KFold", "GroupKFold"])
def test_each_fold_streams_its_own_files(tracks, tmp_path, cv):
    paths, artists = tracks
    log = tmp_path / "fits.log"
    learner = StreamLearner(
        SGDRegressor(random_state=0),
        stream=Streamer(logged, log=str(log)),
        eval_stream=Streamer(logged, log=str(tmp_path / "scores.log")),
    )
    groups = artists if isinstance(cv, GroupKFold) else None
    result = cross_validate(learner, paths, groups=groups, cv=cv, return_estimator=True)
    fits = log.read_text().splitlines()
    scored = (tmp_path / "scores.log").read_text().splitlines()
    names = np.array([Path(p).name for p in paths])
    for (train, test), fitted_on, scored_on, fitted in zip(
        cv.split(paths, groups=groups), fits, scored, result["estimator"], strict=True
    ):
        assert fitted_on.split() == names[train].tolist()
        assert scored_on.split() == names[test].tolist()
        assert fitted.n_samples_seen_ == 64 * len(train)  # each training file, once
        X_test, y_test = _read_all(paths[test])
        np.testing.assert_allclose(
            fitted.score(paths[test]), r2_score(y_test, fitted.predict(X_test)), atol=1e-12
        )


def test_the_example_prints_its_best_parameters_and_score(example, capsys):
    search = example.main()
    out = capsys.readouterr().out
    match = re.fullmatch(
        r"Best parameters: (\{.*\})\nBest cross-validated R\^2: (-?\d\.\d{3})\n", out
    )
    assert match, out
    assert match.group(1) == str(search.best_params_)
    assert set(search.best_params_) == {"stream__lam", "estimator__alpha"}
    assert 0.0 < float(match.group(2)) <= 1.0
    assert len(search.cv_results_["params"]) == 4


def test_example_search_is_reproducible(example, tracks):
    paths, artists = tracks
    scores = [
        example.make_search().fit(paths, groups=artists).cv_results_["mean_test_score"]
        for _ in range(2)
    ]
    np.testing.assert_array_equal(scores[0], scores[1])


# -- streamed scoring equals scoring the concatenated batches -----------------------------------
def _split_rows(n, cuts):
    bounds = sorted({0, n, *(c % n for c in cuts)})
    return list(itertools.pairwise(bounds))


def cut(X, y, bounds, weights=None):
    for start, stop in bounds:
        batch = {"X": X[start:stop], "y": y[start:stop]}
        if weights is not None:
            batch["sample_weight"] = weights[start:stop]
        yield batch


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("weighted", [False, True])
@given(cuts=st.lists(st.integers(0, 10_000), max_size=8), seed=st.integers(0, 2**16))
def test_streamed_score_equals_the_score_of_the_concatenated_batches(kind, weighted, cuts, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 3))
    weights = rng.uniform(0.1, 2.0, size=60) if weighted else None
    if kind == "classifier":
        y = (X[:, 0] + 0.5 * rng.normal(size=60) > 0).astype(int)
        estimator, metric = SGDClassifier(random_state=0), accuracy_score
    else:
        y = X @ [1.0, -2.0, 0.5] + rng.normal(size=60)
        estimator, metric = SGDRegressor(random_state=0), r2_score
    bounds = _split_rows(60, cuts)
    learner = StreamLearner(estimator, eval_stream=Streamer(cut, bounds, weights), random_state=0)
    learner.fit(X[:30], y[:30])
    expected = metric(y, learner.predict(X), sample_weight=weights)
    assert abs(learner.score(X, y) - expected) <= 1e-12


# -- predicting on seeds is rejected clearly -----------------------------------------------------
def test_predict_on_seeds_says_predict_takes_features(tracks):
    paths, _ = tracks
    learner = StreamLearner(
        SGDRegressor(), stream=Streamer(logged, log=None), eval_stream=Streamer(logged, log=None)
    )
    learner.set_params(stream__log=os.devnull, eval_stream__log=os.devnull).fit(paths)
    with pytest.raises(ValueError, match=r"takes the estimator's features, not the seeds"):
        learner.predict(paths)
    # a scorer calls predict on X: with per-file targets the search reaches predict and the
    # error says what to do (with y=None, scikit-learn's scorer fails before, for lack of y)
    per_file = np.arange(len(paths), dtype=float)
    search = GridSearchCV(
        learner, {"estimator__alpha": [1e-4]}, cv=2, scoring="r2", error_score="raise"
    )
    with pytest.raises(ValueError, match=r"must use scoring=None"):
        search.fit(paths, per_file)
    search.set_params(scoring=None).fit(paths)  # the learner's streamed score works
    assert np.isfinite(search.best_score_)


# -- errors -----------------------------------------------------------------------------------
def nothing(X, y=None):
    return iter(())


def garbage(X, y=None):
    yield {"X": X[:4], "y": y[:4]}
    yield 42


def short(X, y=None):
    third = len(X) // 3
    yield from cut(X, y, [(0, third), (third, 2 * third), (2 * third, len(X))])


def endless(X, y):
    while True:
        yield from cut(X, y, [(0, len(X) // 2), (len(X) // 2, len(X))])


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    return X, X @ [1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    ("stream", "max_batches", "error", "match"),
    [
        (Streamer(nothing), None, EmptyStreamError, r"stream=Streamer\(nothing\) in "),
        (nothing, 5, EmptyStreamError, r"stream=nothing in StreamRegressor\.fit on"),
        (Streamer(garbage), None, BatchError, r"batch 1 of the stream is a int"),
        (short, 5, ShortStreamError, r"ended after 3 batches, but max_batches=5"),
    ],
    ids=["empty", "empty-bounded", "not-a-batch", "too-few"],
)
def test_bad_streams_get_errors_naming_the_stream_and_the_fit(stream, max_batches, error, match):
    X, y = _data()
    learner = StreamLearner(SGDRegressor(), max_batches, stream=stream)
    with pytest.raises(error, match=match) as info:
        learner.fit(X, y)
    assert re.search(
        r"StreamRegressor\.fit on 40 samples of shape \(40, 3\)",
        str(info.value) + "".join(getattr(info.value, "__notes__", [])),
    )
    assert not hasattr(learner, "estimator_")
    # in a search where some candidates work, the default error_score=nan turns the failure
    # into a FitFailedWarning that carries the message; error_score="raise" raises it
    good = Streamer(endless)
    grid = [
        {"stream": [stream], "max_batches": [max_batches]},
        {"stream": [good], "max_batches": [4]},
    ]
    search = GridSearchCV(learner, grid, cv=2)
    with pytest.warns(FitFailedWarning, match=match), pytest.warns(UserWarning, match="non-fin"):
        search.fit(X, y)
    assert search.best_params_["stream"] is good
    with pytest.raises(error, match=match):
        search.set_params(error_score="raise").fit(X, y)


_KMEANS = MiniBatchKMeans(n_clusters=2, n_init=1)


class OwnSource:
    """A data source with parameters, but no function to give a fit's data to."""

    def __init__(self, n=3):
        self.n = n

    def get_params(self, deep=True):
        return {"n": self.n}

    def set_params(self, **params):
        self.n = params.get("n", self.n)
        return self

    def generate(self, max_batches=None):
        return iter([{"X": np.zeros((2, 3)), "y": np.zeros(2)}] * self.n)


@pytest.mark.parametrize(
    ("estimator", "params", "error", "match"),
    [
        (
            SGDRegressor(),
            {"stream": 3},
            InvalidParameterError,
            r"'stream' parameter .* must be None, a callable or an object implementing "
            r"'generate'",
        ),
        (
            SGDRegressor(),
            {"eval_stream": [{"X": [[0.0]]}]},
            InvalidParameterError,
            r"'eval_stream' parameter .* must be None, a callable or an object implementing",
        ),
        (
            SGDRegressor(),
            {"stream": Mux([Streamer(nothing, [0])], 1)},
            TypeError,
            r"a Mux has no function to call with it.*stream__lam.*stream accepts a Streamer",
        ),
        (
            SGDRegressor(),
            {"eval_stream": Streamer([{"X": [[0.0]], "y": [0.0]}])},
            TypeError,
            r"eval_stream=.* it wraps a list, not a function to call with the data.*accepts a "
            r"Streamer",
        ),
        (
            SGDRegressor(),
            {"stream": OwnSource()},
            TypeError,
            r"a OwnSource is a data source of its own.*iter_fit",
        ),
        (
            _KMEANS,
            {"eval_stream": Streamer(cut)},
            TypeError,
            r"KMeans\.score is its own method.*accepts estimators",
        ),
        (
            StandardScaler(),
            {"eval_stream": cut},
            TypeError,
            r"StandardScaler has no score.*accepts estimators",
        ),
    ],
    ids=[
        "number",
        "list",
        "mux",
        "streamer-over-list",
        "other-source",
        "kmeans-score",
        "no-score",
    ],
)
@pytest.mark.parametrize("method", ["fit", "iter_fit", "partial_fit"])
def test_streams_that_cannot_take_the_data_are_rejected_when_training(
    estimator, params, error, match, method
):
    X, y = _data()
    learner = StreamLearner(estimator, **params)
    with pytest.raises(error, match=match):
        if method == "iter_fit":
            learner.iter_fit([{"X": X, "y": y}])
        else:
            getattr(learner, method)(X, y)


def test_stream_fit_errors_for_weights_and_classes():
    X, y = _data()
    with pytest.raises(TypeError, match=r"put the weights in each batch"):
        StreamLearner(SGDRegressor(), stream=short).fit(X, y, sample_weight=np.ones(40))
    labels = (y > 0).astype(int)
    classifier = StreamLearner(SGDClassifier(), stream=lambda X: cut(X, labels, [(0, 40)]))
    with pytest.raises(ValueError, match=r"needs classes=\[\.\.\.\]"):
        classifier.fit(X)
    assert classifier.fit(X, classes=[0, 1]).classes_.tolist() == [0, 1]


def test_eval_stream_errors():
    X, y = _data()
    learner = StreamLearner(SGDRegressor(), eval_stream=nothing).fit(X, y)
    with pytest.raises(EmptyStreamError, match=r"eval_stream=nothing in StreamRegressor\.score"):
        learner.score(X, y)
    learner.set_params(eval_stream=lambda X, y: iter([{"X": X}]))
    with pytest.raises(BatchError, match=r"batch 0 of the stream has no target"):
        learner.score(X, y)
    with pytest.raises(TypeError, match=r"put sample_weight in each batch"):
        learner.score(X, y, sample_weight=np.ones(40))


def test_streamed_score_keeps_no_earlier_batch_alive():
    X, y = _data()
    alive_counts, refs = [], []

    def fresh_batches(X, y):
        for start in range(0, 40, 4):
            batch_X = X[start : start + 4].copy()  # a new array per batch, as a file read
            refs.append(weakref.ref(batch_X))
            alive_counts.append(sum(ref() is not None for ref in refs))
            yield {"X": batch_X, "y": y[start : start + 4]}
            del batch_X

    learner = StreamLearner(SGDRegressor(random_state=0), eval_stream=fresh_batches)
    expected = r2_score(y, learner.fit(X, y).predict(X))
    assert abs(learner.score(X, y) - expected) <= 1e-12
    assert len(alive_counts) == 10
    assert max(alive_counts) <= 2  # the batch being made, and at most the one just scored


# -- any metric over the evaluation stream: stream_scorer -----------------------------------------
def test_stream_scorers_in_cross_validate_over_files(tracks, tmp_path):
    paths, artists = tracks
    learner = StreamLearner(
        SGDRegressor(random_state=0),
        stream=Streamer(logged, log=os.devnull),
        eval_stream=Streamer(logged, log=os.devnull),
    )
    scoring = {
        "mae": stream_scorer(mean_absolute_error, greater_is_better=False),
        "r2": stream_scorer(r2_score),
    }
    cv = GroupKFold(4)
    result = cross_validate(
        learner, paths, groups=artists, cv=cv, scoring=scoring, return_estimator=True
    )
    for (_, test), mae, r2, fitted in zip(
        cv.split(paths, groups=artists),
        result["test_mae"],
        result["test_r2"],
        result["estimator"],
        strict=True,
    ):
        X_test, y_test = _read_all(paths[test])
        predicted = fitted.predict(X_test)
        assert abs(mae + mean_absolute_error(y_test, predicted)) <= 1e-12
        assert abs(r2 - fitted.score(paths[test])) <= 1e-12


def test_stream_scorer_with_another_response_method():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] + rng.normal(size=80) > 0).astype(int)
    bounds = [(0, 25), (25, 26), (26, 80)]
    learner = StreamLearner(
        SGDClassifier(random_state=0), eval_stream=Streamer(cut, bounds), random_state=0
    ).fit(X, y)
    scorer = stream_scorer(roc_auc_score, response_method="decision_function")
    expected = roc_auc_score(y, learner.decision_function(X))
    assert abs(scorer(learner, X, y) - expected) <= 1e-12


def test_stream_scorer_errors():
    X, y = _data()
    scorer = stream_scorer(r2_score)
    with pytest.raises(TypeError, match=r"got StreamRegressor with no eval_stream"):
        scorer(StreamLearner(SGDRegressor()).fit(X, y), X, y)
    with pytest.raises(TypeError, match=r"got SGDRegressor \(not a StreamLearner\)"):
        scorer(SGDRegressor().fit(X, y), X, y)
    with pytest.raises(TypeError, match=r"score_func must be a callable metric"):
        stream_scorer("r2")


def test_a_function_that_does_not_take_the_data_gets_a_note():
    X, y = _data()

    def settings_only(batch_size=4):
        yield {"X": X[:batch_size], "y": y[:batch_size]}

    learner = StreamLearner(SGDRegressor(), stream=Streamer(settings_only))
    with pytest.raises(TypeError, match=r"called with the data first \(X, y\)") as info:
        learner.fit(X, y)
    assert "in StreamRegressor.fit on 40 samples" in "".join(info.value.__notes__)


def test_the_users_generator_is_closed_when_training_stops():
    X, y = _data()
    closed = []

    def endless_noting_close(X, y):
        try:
            yield from endless(X, y)
        finally:
            closed.append(True)

    StreamLearner(SGDRegressor(), 3, stream=endless_noting_close).fit(X, y)
    assert closed == [True]
