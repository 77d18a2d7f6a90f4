"""Streams that fail, and stream parameters that cannot take a fit's data: clear errors."""

import re

import numpy as np
import pytest
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_stream import Mux, Streamer
from sklearn_stream.exceptions import BatchError, EmptyStreamError, ShortStreamError
from sklearn_stream.learner import StreamLearner, stream_scorer
from tests.learner.search_data import cut, data


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
    X, y = data()
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
            r"'eval_stream' parameter .* must be None, a callable or a data source .*got a "
            r"list of 1 item, a fixed set of batches.*Streamer\(list_of_batches\)",
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
            StandardScaler(),
            {"eval_stream": cut},
            TypeError,
            r"StandardScaler has no score method.*Leave eval_stream at None",
        ),
    ],
    ids=[
        "number",
        "list",
        "mux",
        "streamer-over-list",
        "other-source",
        "no-score",
    ],
)
@pytest.mark.parametrize("method", ["fit", "iter_fit", "partial_fit"])
def test_streams_that_cannot_take_the_data_are_rejected_when_training(
    estimator, params, error, match, method
):
    X, y = data()
    learner = StreamLearner(estimator, **params)
    with pytest.raises(error, match=match):
        if method == "iter_fit":
            learner.iter_fit([{"X": X, "y": y}])
        else:
            getattr(learner, method)(X, y)


def test_stream_fit_errors_for_weights_and_classes():
    X, y = data()
    with pytest.raises(TypeError, match=r"put the weights in each batch"):
        StreamLearner(SGDRegressor(), stream=short).fit(X, y, sample_weight=np.ones(40))
    labels = (y > 0).astype(int)
    classifier = StreamLearner(SGDClassifier(), stream=lambda X: cut(X, labels, [(0, 40)]))
    with pytest.raises(ValueError, match=r"needs classes=\[\.\.\.\]"):
        classifier.fit(X)
    assert classifier.fit(X, classes=[0, 1]).classes_.tolist() == [0, 1]


def test_eval_stream_errors():
    X, y = data()
    learner = StreamLearner(SGDRegressor(), eval_stream=nothing).fit(X, y)
    with pytest.raises(EmptyStreamError, match=r"eval_stream=nothing in StreamRegressor\.score"):
        learner.score(X, y)
    learner.set_params(eval_stream=lambda X, y: iter([{"X": X}]))
    with pytest.raises(BatchError, match=r"batch 0 of the stream has no target"):
        learner.score(X, y)
    with pytest.raises(TypeError, match=r"put sample_weight in each batch"):
        learner.score(X, y, sample_weight=np.ones(40))


def test_stream_scorer_errors():
    X, y = data()
    scorer = stream_scorer(r2_score)
    with pytest.raises(TypeError, match=r"got StreamRegressor with no eval_stream"):
        scorer(StreamLearner(SGDRegressor()).fit(X, y), X, y)
    with pytest.raises(TypeError, match=r"got SGDRegressor \(not a StreamLearner\)"):
        scorer(SGDRegressor().fit(X, y), X, y)
    with pytest.raises(TypeError, match=r"score_func must be a callable metric"):
        stream_scorer("r2")


def test_a_function_that_does_not_take_the_data_gets_a_note():
    X, y = data()

    def settings_only(batch_size=4):
        yield {"X": X[:batch_size], "y": y[:batch_size]}

    learner = StreamLearner(SGDRegressor(), stream=Streamer(settings_only))
    with pytest.raises(TypeError, match=r"called with the data first \(X, y\)") as info:
        learner.fit(X, y)
    assert "in StreamRegressor.fit on 40 samples" in "".join(info.value.__notes__)


def test_the_users_generator_is_closed_when_training_stops():
    X, y = data()
    closed = []

    def endless_noting_close(X, y):
        try:
            yield from endless(X, y)
        finally:
            closed.append(True)

    StreamLearner(SGDRegressor(), 3, stream=endless_noting_close).fit(X, y)
    assert closed == [True]
