"""Data that is a list of files: splits by file, streamed scoring, the example, and errors."""

import itertools
import os
import re
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest
import sklearn
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.metrics import accuracy_score, mean_absolute_error, r2_score, roc_auc_score
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold, cross_validate

from sklearn_stream import Streamer
from sklearn_stream.learner import StreamLearner, stream_scorer
from tests.learner.search_data import cut, data, logged, read_all

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


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
        X_test, y_test = read_all(paths[test])
        np.testing.assert_allclose(
            fitted.score(paths[test]), r2_score(y_test, fitted.predict(X_test)), atol=1e-12
        )


@pytest.mark.slow
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


@pytest.mark.slow
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


def test_streamed_score_keeps_no_earlier_batch_alive():
    X, y = data()
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
        X_test, y_test = read_all(paths[test])
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


# -- a classifier over seeds that are ids: classes come from fit params ---------------------------
def batches_from_ids(ids):
    """Each id seeds one batch of a two-class problem."""
    for seed in ids:
        rng = np.random.default_rng(int(seed))
        X = rng.normal(size=(16, 3))
        yield {"X": X, "y": (X[:, 0] > 0).astype(int)}


@pytest.mark.parametrize("routing", [False, True])
def test_classifier_search_over_ids_gets_classes_from_fit_params(routing):
    ids = np.arange(12)
    with sklearn.config_context(enable_metadata_routing=routing):
        estimator = SGDClassifier(random_state=0)
        if routing:
            estimator.set_partial_fit_request(classes=True)
        learner = StreamLearner(
            estimator, stream=batches_from_ids, eval_stream=batches_from_ids, random_state=0
        )
        search = GridSearchCV(learner, {"estimator__alpha": [1e-4, 1e-1]}, cv=KFold(3))
        search.fit(ids, classes=np.array([0, 1]))
    assert search.best_estimator_.classes_.tolist() == [0, 1]
    assert search.best_estimator_.n_batches_seen_ == 12
    assert search.best_score_ > 0.8
