"""Training scikit-learn estimators from streams: :class:`StreamLearner`, the estimator kinds
it takes on, and :func:`stream_scorer`.

The learner's rooms, each importing only those listed after it:

- ``_kinds``: one subclass per kind of estimator, registered in ``_estimator.KIND_CLASSES``;
- ``_estimator``: the :class:`StreamLearner` class: its training methods, the training run
  they share, the checks of its parameters, and what it hands over to the wrapped
  estimator (prediction methods, fitted attributes, tags, metadata routing);
- ``_scoring``: scores over an evaluation stream (``eval_stream``), :func:`stream_scorer`;
- ``_fit_data``: the ``stream`` and ``eval_stream`` parameters checked, and turned into a
  stream with a fit's data;
- ``_array_source``: in-memory data cut into shuffled mini-batches;
- ``_monitor``: validation scores, early stopping, history and the progress display;
- ``_training``: the loop that trains an estimator on a stream of batches;
- ``_unpack``: a batch turned into ``partial_fit``'s arguments.
"""

from ._estimator import StreamLearner
from ._kinds import (
    StreamClassifier,
    StreamClusterer,
    StreamOutlierDetector,
    StreamRegressor,
    StreamTransformer,
)
from ._scoring import stream_scorer

__all__ = [
    "StreamClassifier",
    "StreamClusterer",
    "StreamLearner",
    "StreamOutlierDetector",
    "StreamRegressor",
    "StreamTransformer",
    "stream_scorer",
]
