"""The search trains each survivor only on its final batches, and reads each stream once."""

import numpy as np
import pytest
from sklearn.model_selection import KFold

from sklearn_stream import Streamer
from sklearn_stream.learner import StreamLearner
from sklearn_stream.model_selection import StreamHalvingSearchCV

from .search_data import SGD, CountedStream, LoggedSGD, X, counts, pids, sklearn_halving, y

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
