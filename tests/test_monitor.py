"""Tests for the training monitor: validation history, early stopping, progress display."""

import io

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import check_scoring

from sklearn_stream.learner._monitor import HISTORY_KEYS, ProgressDisplay, TrainingMonitor


def empty_history():
    return {key: [] for key in HISTORY_KEYS}


class FixedScores:
    """A scorer that returns a given sequence of scores, to drive early stopping exactly."""

    def __init__(self, scores):
        self.scores = list(scores)

    def __call__(self, estimator, X, y=None):
        return self.scores.pop(0)


def monitor(scorer, **kwargs):
    options = {
        "scorer": scorer,
        "validation_data": (np.zeros((2, 2)), np.zeros(2)),
        "eval_every": 1,
        "early_stopping": True,
        "n_iter_no_change": 2,
        "tol": 0.1,
        "display": None,
        "history": empty_history(),
    }
    options.update(kwargs)
    return TrainingMonitor(object(), **options)


@pytest.mark.parametrize(
    ("scores", "stop_after"),
    [
        ([0.5, 0.55, 0.58], 3),  # +0.05 and +0.08 are below tol=0.1: two without improvement
        ([0.5, 0.7, 0.9, 1.1, 1.15, 1.2], 6),
        ([0.5, 0.4, 0.7, 0.65, 0.6], 5),  # the count restarts after a real improvement
    ],
)
def test_early_stopping_counts_evaluations_without_improvement(scores, stop_after):
    watch = monitor(FixedScores(scores))
    stops = [watch.after_batch(i + 1, 10 * (i + 1)) for i in range(len(scores))]
    assert stops.index(True) + 1 == stop_after
    assert watch.stopped_early


def test_tol_none_never_stops():
    watch = monitor(FixedScores([0.5] * 10), tol=None)
    assert not any(watch.after_batch(i + 1, i + 1) for i in range(10))


def test_history_records_batches_samples_scores_and_time():
    X, y = load_iris(return_X_y=True)
    estimator = SGDClassifier(random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    history = empty_history()
    watch = TrainingMonitor(
        estimator,
        scorer=check_scoring(estimator),
        validation_data=(X, y),
        eval_every=3,
        early_stopping=False,
        n_iter_no_change=5,
        tol=1e-3,
        display=None,
        history=history,
    )
    for n in range(1, 8):
        assert watch.after_batch(n, 16 * n) is False
    watch.finish(7, 112)
    assert history["n_batches"] == [3, 6, 7]
    assert history["n_samples"] == [48, 96, 112]
    assert history["score"] == [estimator.score(X, y)] * 3
    assert history["time"] == sorted(history["time"])


def test_continued_history_keeps_its_clock_and_best_score():
    history = {"n_batches": [5], "n_samples": [50], "score": [0.9], "time": [2.0]}
    watch = monitor(FixedScores([0.5, 0.6]), history=history, early_stopping=False)
    watch.after_batch(6, 60)
    assert history["time"][-1] >= 2.0
    assert watch.best_score == 0.9
    assert watch.no_improvement == 1


def test_log_lines_without_tqdm():
    out = io.StringIO()
    display = ProgressDisplay(total=10, use_tqdm=False, every=0.0, stream=out)
    display.update(1, 16)
    display.update(2, 32, score=0.75)
    display.close(2, 32, "stopped early: because")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[StreamLearner] 1 batches, 16 samples, ")
    assert "batches/s" in lines[0]
    assert lines[1].endswith("validation score 0.75")
    assert lines[2].startswith("[StreamLearner] done: 2 batches, 32 samples")
    assert lines[2].endswith("; stopped early: because")


def test_log_lines_are_periodic():
    out = io.StringIO()
    display = ProgressDisplay(total=None, use_tqdm=False, every=3600.0, stream=out)
    for n in range(1, 100):
        display.update(n, n)
    assert out.getvalue() == ""  # nothing before the period has passed, except scores


def test_tqdm_bar_counts_batches(capsys):
    pytest.importorskip("tqdm")
    display = ProgressDisplay(total=5, use_tqdm=True)
    for n in range(1, 6):
        display.update(n, 10 * n, score=0.5 if n == 5 else None)
    assert display.bar.n == 5
    assert display.bar.postfix is not None and "score=0.5" in display.bar.postfix
    display.close(5, 50)
    assert "5/5" in capsys.readouterr().err
