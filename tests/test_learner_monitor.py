"""StreamLearner's training feedback: validation history, early stopping, progress, plots."""

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from sklearn.datasets import load_iris
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.metrics import accuracy_score, make_scorer

from sklearn_stream import StreamLearner, plot_history

matplotlib.use("Agg")
X, y = load_iris(return_X_y=True)
X = (X - X.mean(axis=0)) / X.std(axis=0)


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
