"""Training scikit-learn estimators from streams: :class:`StreamLearner`, the estimator kinds
it takes on, and :func:`stream_scorer`.

The learner's rooms: ``_estimator`` (the class and its training methods), ``_kinds`` (one
subclass per kind of estimator), ``_training`` (the loop over a stream), ``_unpack`` (a
batch turned into ``partial_fit``'s arguments), ``_fit_data`` and ``_array_source`` (a fit's
data turned into a stream), ``_scoring`` and ``_monitor`` (scores, history and progress).
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
