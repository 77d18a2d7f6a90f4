"""The search trains each survivor only on its final batches, reads each stream once, scores
from one read of eval_stream per round, and keeps the live candidates' models only."""

import gc
import weakref

import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.model_selection import KFold

from sklearn_stream import Streamer
from sklearn_stream.learner import StreamLearner, stream_scorer
from sklearn_stream.model_selection import StreamHalvingSearchCV, StreamHyperbandSearchCV, _rounds

from .search_data import (
    SGD,
    CountedPass,
    CountedStream,
    LoggedSGD,
    X,
    assert_same_results,
    counts,
    noisy,
    pids,
    sklearn_halving,
    starts_per_data,
    y,
)

GRID = {"estimator__alpha": [1e-5, 1e-4, 1e-3, 1e-2, 1e-1], "estimator__eta0": [0.01, 0.1]}


def _final_rungs(search):
    """Each candidate's last rung: the batches it trained on, per fold."""
    results = search.cv_results_
    last = {}
    for params, rung in zip(results["params"], results["n_resources"]):
        key = tuple(sorted((k, v) for k, v in params.items() if k != "max_batches"))
        last[key] = rung
    return sum(last.values())


def test_partial_fit_runs_once_per_batch_of_the_survivors_final_rungs(tmp_path):
    log = str(tmp_path / "calls.log")
    learner = StreamLearner(LoggedSGD(log), batch_size=32, n_epochs=5, random_state=0)
    search = StreamHalvingSearchCV(
        learner, GRID, min_batches=3, max_batches=27, cv=KFold(3), refit=False
    ).fit(X, y)
    n_calls = len(pids(log))
    assert n_calls == 3 * _final_rungs(search) == search.n_batches_trained_
    (tmp_path / "calls.log").unlink()
    theirs = sklearn_halving(
        learner, GRID, X, y, min_batches=3, max_batches=27, cv=KFold(3), refit=False
    ).fit(X, y)
    rows = np.asarray(theirs.cv_results_["n_resources"])
    assert len(pids(log)) == 3 * rows.sum() > n_calls
    print(f"partial_fit calls: ours {n_calls}, HalvingGridSearchCV {len(pids(log))}")


@pytest.mark.parametrize("n_alphas", [3, 9])
def test_stream_reads_do_not_grow_with_the_candidates_sharing_them(tmp_path, n_alphas):
    log = tmp_path / "stream.log"
    learner = StreamLearner(SGD, stream=Streamer(CountedStream(log)), random_state=0)
    grid = {"estimator__alpha": list(np.logspace(-5, -1, n_alphas)), "stream__sigma": [0.0, 1.0]}
    search = StreamHalvingSearchCV(
        learner, grid, min_batches=3, max_batches=27, factor=3, cv=KFold(3), refit=False
    ).fit(X, y)
    starts, batches = counts(log)
    assert starts == 3 * 2  # one per fold and training key (sigma)
    # each key's stream is read as far as its best candidate went
    assert batches == search.n_batches_read_.sum() <= 3 * 2 * 27
    assert search.n_batches_read_.tolist() == [batches // 3] * 3
    log.unlink()
    sklearn_halving(
        learner, grid, X, y, min_batches=3, max_batches=27, cv=KFold(3), refit=False
    ).fit(X, y)
    their_starts, their_batches = counts(log)
    assert their_starts == 3 * sum(search.n_candidates_)
    assert their_batches > batches
    print(
        f"{2 * n_alphas} candidates: starts {starts} vs {their_starts}, "
        f"batches {batches} vs {their_batches}"
    )


def test_the_reads_are_the_same_for_three_and_nine_candidates_per_stream(tmp_path):
    read = []
    for n_alphas in (3, 9):
        log = tmp_path / f"{n_alphas}.log"
        learner = StreamLearner(SGD, stream=Streamer(CountedStream(log)), random_state=0)
        grid = {"estimator__alpha": list(np.logspace(-5, -1, n_alphas))}
        search = StreamHalvingSearchCV(
            learner, grid, min_batches=3, max_batches=27, cv=KFold(3), refit=False
        ).fit(X, y)
        assert search.n_resources_[-1] == 27 or n_alphas == 3
        read.append(counts(log))
    assert read[0][0] == read[1][0] == 3  # one start per fold
    assert read[1][1] == 3 * 27  # 9 candidates: rungs 3, 9, 27, read once


def _evaluated_learner(log):
    return StreamLearner(
        SGD, stream=Streamer(noisy), eval_stream=Streamer(CountedPass(log)), random_state=0
    )


@pytest.mark.parametrize(("n_alphas", "return_train_score"), [(2, False), (9, True)])
def test_eval_stream_is_read_once_per_fold_and_round(tmp_path, n_alphas, return_train_score):
    log = tmp_path / "eval.log"
    learner = _evaluated_learner(log)
    grid = {"estimator__alpha": list(np.logspace(-5, -1, n_alphas)), "stream__sigma": [0, 1]}
    kwargs = {"min_batches": 3, "max_batches": 27, "cv": KFold(3), "refit": False}
    search = StreamHalvingSearchCV(
        learner, grid, return_train_score=return_train_score, **kwargs
    ).fit(X, y)
    starts = starts_per_data(log)
    n_rounds = search.n_iterations_
    parts = 2 if return_train_score else 1
    assert len(starts) == 3 * parts  # the folds' test (and train) parts
    assert set(starts.values()) == {n_rounds}  # each read once a round, for every model
    assert search.n_eval_passes_.tolist() == [parts * n_rounds] * 3
    log.unlink()
    theirs = sklearn_halving(
        learner, grid, X, y, return_train_score=return_train_score, **kwargs
    ).fit(X, y)
    assert_same_results(search, theirs)
    assert sum(starts_per_data(log).values()) == 3 * parts * sum(search.n_candidates_)


def test_above_the_budget_each_model_reads_eval_stream_itself(tmp_path, monkeypatch):
    monkeypatch.setattr(_rounds, "EVAL_BUDGET", 100)
    log = tmp_path / "eval.log"
    grid = {"estimator__alpha": [1e-5, 1e-3, 1e-1]}
    kwargs = {"min_batches": 3, "max_batches": 9, "cv": KFold(3), "refit": False}
    search = StreamHalvingSearchCV(_evaluated_learner(log), grid, **kwargs).fit(X, y)
    # each fold's pass is read by the search, then by each of the round's models
    assert sum(starts_per_data(log).values()) == 3 * (2 + sum(search.n_candidates_))
    assert search.n_eval_passes_.tolist() == [0, 0, 0]
    theirs = sklearn_halving(_evaluated_learner(log), grid, X, y, **kwargs).fit(X, y)
    assert_same_results(search, theirs)


def test_only_the_live_candidates_models_are_kept(monkeypatch):
    """After each round, the models of eliminated candidates (and of brackets that are
    over) are gone: no reference to them is left anywhere."""
    alive_after_rounds = []
    refs = {}
    start, end_round = _rounds.RoundEngine._start, _rounds.RoundEngine._end_round

    def recorded_start(engine, live):
        start(engine, live)
        for key, run in engine.runs.items():
            refs[key] = (weakref.ref(run), weakref.ref(run.estimator))

    def checked_end_round(engine, due, results):
        end_round(engine, due, results)
        gc.collect()
        alive = {key for key, pair in refs.items() if any(ref() is not None for ref in pair)}
        live = {(c, f) for b in engine.brackets for c in b.live for f in range(2)}
        assert set(engine.runs) == live == alive
        alive_after_rounds.append(len(live) // 2)

    monkeypatch.setattr(_rounds.RoundEngine, "_start", recorded_start)
    monkeypatch.setattr(_rounds.RoundEngine, "_end_round", checked_end_round)
    learner = StreamLearner(SGD, stream=Streamer(noisy), random_state=0)
    space = {"estimator__alpha": loguniform(1e-5, 1e-1)}
    search = StreamHyperbandSearchCV(
        learner, space, max_batches=9, cv=KFold(2), refit=False, random_state=0
    ).fit(X, y)
    assert len(refs) == 2 * sum(n[0] for n in search.n_candidates_)
    # rounds at 1, 3 and 9 batches; brackets of (9, 3, 1), (5, 2) and (3) candidates
    assert alive_after_rounds == [3 + 5 + 3, 1 + 2 + 3, 0]


def test_several_stream_scorers_share_the_rounds_read(tmp_path):
    log = tmp_path / "eval.log"
    balanced = stream_scorer(balanced_accuracy_score)
    scoring = {"acc": stream_scorer(accuracy_score), "bal": balanced}
    grid = {"estimator__alpha": [1e-5, 1e-3, 1e-1]}
    kwargs = {"min_batches": 3, "max_batches": 9, "cv": KFold(3), "refit": False}
    search = StreamHalvingSearchCV(
        _evaluated_learner(log), grid, scoring=scoring, **{**kwargs, "refit": "bal"}
    ).fit(X, y)
    assert set(starts_per_data(log).values()) == {search.n_iterations_}
    # HalvingGridSearchCV takes no dict scoring: compare with one metric's search
    single = StreamHalvingSearchCV(_evaluated_learner(log), grid, scoring=balanced, **kwargs)
    results, theirs = search.cv_results_, single.fit(X, y).cv_results_
    np.testing.assert_array_equal(results["mean_test_bal"], theirs["mean_test_score"])
    assert list(results["params"]) == list(theirs["params"])
