"""The training monitor: validation history, early stopping, progress display and plots.

First its parts on their own (TrainingMonitor, ProgressDisplay), then through StreamLearner's
parameters (validation_data, eval_every, scoring, early_stopping, verbose) and plot_history.
"""

import re
import sys

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from sklearn.cluster import MiniBatchKMeans
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.metrics import accuracy_score, check_scoring, make_scorer

from sklearn_stream import StreamLearner, plot_history
from sklearn_stream.learner._monitor import HISTORY_KEYS, ProgressDisplay, TrainingMonitor
from tests.learner.learner_data import SEED, batches_of, labelled_data

matplotlib.use("Agg")
X, y = load_iris(return_X_y=True)
X = (X - X.mean(axis=0)) / X.std(axis=0)


# -- TrainingMonitor: history and early stopping, on its own --------------------------------------
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


# -- ProgressDisplay: log lines and progress bar, on its own --------------------------------------
@pytest.fixture
def log_lines(monkeypatch):
    """ProgressDisplay as it runs where tqdm is not installed: its import fails."""
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    monkeypatch.setattr(ProgressDisplay, "every", 0.0)


def test_log_lines_without_tqdm(log_lines, capsys):
    display = ProgressDisplay(total=10)
    assert display.bar is None
    display.update(1, 16)
    display.update(2, 32, score=0.75)
    display.close(2, 32, "stopped early: because")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("[StreamLearner] 1 batches, 16 samples, ")
    assert "batches/s" in lines[0]
    assert lines[1].endswith("validation score 0.75")
    assert lines[2].startswith("[StreamLearner] done: 2 batches, 32 samples")
    assert lines[2].endswith("; stopped early: because")


def test_log_lines_are_periodic(log_lines, monkeypatch, capsys):
    monkeypatch.setattr(ProgressDisplay, "every", 3600.0)
    display = ProgressDisplay(total=None)
    for n in range(1, 100):
        display.update(n, n)
    assert capsys.readouterr().out == ""  # nothing before the period has passed, except scores
    display.update(100, 100, score=0.5)
    assert "validation score 0.5" in capsys.readouterr().out


def test_tqdm_bar_counts_batches(capsys):
    pytest.importorskip("tqdm")
    display = ProgressDisplay(total=5)
    for n in range(1, 6):
        display.update(n, 10 * n, score=0.5 if n == 5 else None)
    assert display.bar.n == 5
    assert display.bar.postfix is not None and "score=0.5" in display.bar.postfix
    display.close(5, 50)
    assert "5/5" in capsys.readouterr().err


def test_log_lines_show_counts_with_thousands_separators(log_lines, capsys):
    display = ProgressDisplay(total=None)
    display.update(12_345, 1_234_567)
    display.close(12_345, 1_234_567)
    out = capsys.readouterr().out
    assert out.startswith("[StreamLearner] 12,345 batches, 1,234,567 samples, ")
    assert "e+" not in out


@pytest.mark.parametrize("n_samples", [100_000, 7, 12_345_678])
def test_the_progress_bar_shows_whole_sample_counts(n_samples, capsys):
    pytest.importorskip("tqdm")
    display = ProgressDisplay(total=2)
    display.update(1, n_samples)
    display.close(2, n_samples)
    err = capsys.readouterr().err
    assert f"samples={n_samples:,}" in err
    assert "e+" not in err


@pytest.mark.parametrize("batch_size", [1, 16])
def test_the_progress_bar_sample_count_keeps_step_with_thebatches_of(batch_size, capsys):
    pytest.importorskip("tqdm")
    display = ProgressDisplay(total=None, name="StreamRegressor")
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


# -- through StreamLearner: history, scoring, early stopping, verbose output ----------------------
def learner(**params):
    options = {"batch_size": 16, "n_epochs": 4, "random_state": 0}
    options.update(params)
    return StreamLearner(SGDClassifier(random_state=0), **options)


def test_history_is_recorded_every_eval_every_batches_and_at_the_end():
    model = learner(validation_data=(X, y), eval_every=7).fit(X, y)
    n = model.n_batches_seen_
    assert model.history_["n_batches"] == [*range(7, n + 1, 7), n][: len(model.history_["score"])]
    assert model.history_["n_batches"][-1] == n
    assert model.history_["score"][-1] == model.score(X, y)
    assert model.history_["n_samples"][-1] == model.n_samples_seen_
    assert model.history_["time"] == sorted(model.history_["time"])
    assert model.stopped_early_ is False


def test_without_validation_history_is_empty():
    model = learner().fit(X, y)
    assert model.history_ == {"n_batches": [], "n_samples": [], "score": [], "time": []}


@pytest.mark.parametrize(
    "scoring", ["accuracy", make_scorer(accuracy_score)], ids=["name", "scorer"]
)
def test_scoring_chooses_the_validation_metric(scoring):
    model = learner(validation_data=(X, y), eval_every=5, scoring=scoring).fit(X, y)
    assert model.history_["score"][-1] == accuracy_score(y, model.predict(X))


def test_early_stopping_stops_and_says_so():
    model = learner(
        n_epochs=50,
        validation_data=(X, y),
        eval_every=5,
        early_stopping=True,
        n_iter_no_change=3,
        tol=0.05,
    ).fit(X, y)
    full = 50 * int(np.ceil(len(X) / 16))
    assert model.stopped_early_ is True
    assert model.n_batches_seen_ < full
    scores = model.history_["score"]
    best_before = max(scores[:-3])
    assert all(score < best_before + 0.05 for score in scores[-3:])


def test_early_stopping_with_iter_fit_and_a_stream():
    rng = np.random.default_rng(0)

    def noisy():
        while True:
            rows = rng.integers(len(X), size=16)
            yield {"X": X[rows] + rng.normal(size=(16, 4)), "Y": y[rows]}

    model = learner(max_batches=5000, validation_data=(X, y), eval_every=10, early_stopping=True)
    model.iter_fit(noisy(), classes=[0, 1, 2])
    assert model.stopped_early_
    assert model.n_batches_seen_ < 5000


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"early_stopping": True}, "early_stopping=True needs validation_data"),
        ({"validation_data": (X, y, y)}, "tuple of 3 items"),
    ],
)
def test_bad_monitoring_parameters_are_rejected_in_fit(params, match):
    with pytest.raises(ValueError, match=match):
        learner(**params).fit(X, y)


def test_parameter_constraints_name_the_parameter():
    with pytest.raises(ValueError, match="'eval_every' parameter"):
        learner(eval_every=0).fit(X, y)
    with pytest.raises(ValueError, match="'scoring' parameter"):
        learner(scoring="no-such-metric").fit(X, y)


def test_warm_start_continues_the_history():
    model = learner(validation_data=(X, y), eval_every=5, warm_start=True)
    model.fit(X, y)
    first = list(model.history_["n_batches"])
    model.fit(X, y)
    assert model.history_["n_batches"][: len(first)] == first
    assert model.history_["n_batches"][-1] == model.n_batches_seen_ > first[-1]


def test_unsupervised_validation_data():
    from sklearn.cluster import MiniBatchKMeans

    model = StreamLearner(
        MiniBatchKMeans(n_clusters=3, random_state=0, n_init=1),
        batch_size=30,
        n_epochs=2,
        validation_data=(X,),
        eval_every=2,
        random_state=0,
    ).fit(X)
    assert model.history_["score"][-1] == model.estimator_.score(X)


def test_regressor_scores_with_r2():
    Xr = X[:, :3]
    yr = X[:, 3]
    model = StreamLearner(
        SGDRegressor(random_state=0),
        batch_size=16,
        n_epochs=3,
        random_state=0,
        validation_data=(Xr, yr),
        eval_every=4,
    ).fit(Xr, yr)
    assert model.history_["score"][-1] == pytest.approx(model.score(Xr, yr))


def test_verbose_0_prints_nothing(capsys):
    learner(validation_data=(X, y), eval_every=5).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == captured.err == ""


def test_verbose_shows_progress(capsys):
    learner(verbose=1, validation_data=(X, y), eval_every=5).fit(X, y)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "StreamClassifier" in text  # the learner's own class name
    assert "batch" in text


def test_progress_bar_ends_with_the_final_counts(capsys):
    pytest.importorskip("tqdm")
    batch = {"X": X[:16], "Y": y[:16]}
    learner(max_batches=120, verbose=1).iter_fit([batch] * 120, classes=[0, 1, 2])
    err = capsys.readouterr().err
    assert "120/120" in err
    assert "samples=1,920" in err.split("120/120")[-1]


def test_progress_bar_is_closed_when_training_fails(capsys):
    pytest.importorskip("tqdm")

    def broken():
        yield {"X": X[:16], "Y": y[:16]}
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        learner(verbose=1).iter_fit(broken(), classes=[0, 1, 2])
    assert capsys.readouterr().err.endswith("\n")  # the bar finished its line


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


# -- plot_history ---------------------------------------------------------------------------------
def test_plot_history_draws_the_learning_curve():
    model = learner(validation_data=(X, y), eval_every=5).fit(X, y)
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_history(model, ax=ax) is ax
    line = ax.lines[0]
    assert list(line.get_xdata()) == model.history_["n_samples"]
    assert list(line.get_ydata()) == model.history_["score"]
    assert ax.get_ylabel() == "validation score"
    plot_history(model, ax=ax, x="n_batches")
    assert ax.get_xlabel() == "batches seen"


@pytest.mark.parametrize(
    ("model", "kwargs", "match"),
    [
        (learner().fit(X, y), {}, "no recorded validation scores"),
        (learner(validation_data=(X, y)).fit(X, y), {"x": "epochs"}, "x must be one of"),
    ],
    ids=["no-validation", "bad-x"],
)
def test_plot_history_errors(model, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_history(model, **kwargs)


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


@pytest.mark.parametrize(
    "estimator", [SGDClassifier(), MiniBatchKMeans(n_clusters=2, n_init=1)], ids=type
)
def test_plot_history_of_an_unfitted_learner_raises_not_fitted(estimator):
    with pytest.raises(NotFittedError):
        plot_history(StreamLearner(estimator, validation_data=labelled_data()))
