"""One small ``StreamLearner`` subclass per kind of estimator.

scikit-learn decides what an estimator *is* partly from its tags and partly from its
classes: ``isinstance(est, ClusterMixin)`` selects the clustering checks, and every mixin
must stand left of ``BaseEstimator``. A learner therefore takes the class matching the kind
of the estimator it wraps:

======================  =========================================  =======================
wrapped estimator       learner class                              mixins
======================  =========================================  =======================
classifier              :class:`StreamClassifier`                  ``ClassifierMixin``
regressor               :class:`StreamRegressor`                   ``RegressorMixin``
clusterer               :class:`StreamClusterer`                   ``ClusterMixin``,
                                                                   ``TransformerMixin``
outlier detector        :class:`StreamOutlierDetector`             ``OutlierMixin``
other, with transform   :class:`StreamTransformer`                 ``TransformerMixin``
anything else           :class:`~sklearn_stream.learner.StreamLearner`
======================  =========================================  =======================

This module registers the classes in ``_estimator.KIND_CLASSES``, from which the class is
chosen when the ``estimator`` attribute is assigned (see ``StreamLearner.__setattr__``)
rather than in ``__new__``, because ``set_params(estimator=...)`` must be able to change
the kind after construction too; one mechanism then covers construction,
:func:`~sklearn.base.clone` (which rebuilds from the parameters) and ``set_params``, and
pickling records the class as it is.

The mixins contribute their kind (for ``isinstance``) and nothing else: the methods they
would define (``score``, ``fit_predict``, ``fit_transform``, ``set_output``,
``__sklearn_tags__``) are taken back from ``StreamLearner``, which delegates them to the
wrapped estimator and exists only when that estimator has them.
"""

import inspect

from sklearn.base import (
    ClassifierMixin,
    ClusterMixin,
    OutlierMixin,
    RegressorMixin,
    TransformerMixin,
)

from ._estimator import KIND_CLASSES, StreamLearner

__all__ = [
    "StreamClassifier",
    "StreamClusterer",
    "StreamOutlierDetector",
    "StreamRegressor",
    "StreamTransformer",
]

_MIXIN_METHODS = ("score", "fit_predict", "fit_transform", "set_output", "__sklearn_tags__")


def _learner_methods(cls: type) -> type:
    """Put StreamLearner's own definitions back in front of the mixins' ones."""
    for name in _MIXIN_METHODS:
        setattr(cls, name, inspect.getattr_static(StreamLearner, name))
    return cls


_KIND_NOTE = """
    You rarely name this class: ``StreamLearner(estimator)`` (or this class, called with any
    estimator) becomes the class matching the estimator's kind, and changes class again
    when ``set_params(estimator=...)`` gives an estimator of another kind. It is exported
    for ``isinstance`` checks and because it is the name the learner's ``repr`` shows. Its
    parameters, attributes and methods are those of
    :class:`~sklearn_stream.StreamLearner`.

    See Also
    --------
    sklearn_stream.StreamLearner : the learner, of any kind.

"""


@_learner_methods
class StreamClassifier(ClassifierMixin, StreamLearner):
    """A :class:`~sklearn_stream.StreamLearner` wrapping a classifier.
    %(note)s
    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn_stream import StreamClassifier, StreamLearner
    >>> learner = StreamLearner(SGDClassifier())
    >>> isinstance(learner, StreamClassifier), learner
    (True, StreamClassifier(estimator=SGDClassifier()))
    """


@_learner_methods
class StreamRegressor(RegressorMixin, StreamLearner):
    """A :class:`~sklearn_stream.StreamLearner` wrapping a regressor.
    %(note)s
    Examples
    --------
    >>> from sklearn.linear_model import SGDRegressor
    >>> from sklearn_stream import StreamLearner, StreamRegressor
    >>> learner = StreamLearner(SGDRegressor())
    >>> isinstance(learner, StreamRegressor), learner
    (True, StreamRegressor(estimator=SGDRegressor()))
    """


@_learner_methods
class StreamClusterer(ClusterMixin, TransformerMixin, StreamLearner):
    """A :class:`~sklearn_stream.StreamLearner` wrapping a clusterer.

    After :meth:`~sklearn_stream.StreamLearner.fit` with ``stream=None``, ``labels_``
    holds the fitted model's clusters of the training data; after training from a stream
    it is absent (the stream's samples are not kept): use ``predict``.
    %(note)s
    Examples
    --------
    >>> from sklearn.cluster import MiniBatchKMeans
    >>> from sklearn_stream import StreamClusterer, StreamLearner
    >>> X = np.r_[np.zeros((10, 2)), np.ones((10, 2))]
    >>> learner = StreamLearner(MiniBatchKMeans(n_clusters=2, random_state=0), random_state=0)
    >>> isinstance(learner, StreamClusterer), len(set(learner.fit(X).labels_))
    (True, 2)
    """


@_learner_methods
class StreamOutlierDetector(OutlierMixin, StreamLearner):
    """A :class:`~sklearn_stream.StreamLearner` wrapping an outlier detector.
    %(note)s
    Examples
    --------
    >>> from sklearn.linear_model import SGDOneClassSVM
    >>> from sklearn_stream import StreamLearner, StreamOutlierDetector
    >>> learner = StreamLearner(SGDOneClassSVM())
    >>> isinstance(learner, StreamOutlierDetector), learner
    (True, StreamOutlierDetector(estimator=SGDOneClassSVM()))
    """


@_learner_methods
class StreamTransformer(TransformerMixin, StreamLearner):
    """A :class:`~sklearn_stream.StreamLearner` wrapping a transformer.
    %(note)s
    Examples
    --------
    >>> from sklearn.decomposition import IncrementalPCA
    >>> from sklearn_stream import StreamClassifier, StreamTransformer
    >>> learner = StreamClassifier(IncrementalPCA(n_components=1))  # follows the estimator
    >>> isinstance(learner, StreamTransformer), learner
    (True, StreamTransformer(estimator=IncrementalPCA(n_components=1)))
    """


for _kind in (
    StreamClassifier,
    StreamRegressor,
    StreamClusterer,
    StreamOutlierDetector,
    StreamTransformer,
):
    _kind.__doc__ = _kind.__doc__.replace("    %(note)s\n", _KIND_NOTE)
del _kind

KIND_CLASSES.update(
    classifier=StreamClassifier,
    regressor=StreamRegressor,
    clusterer=StreamClusterer,
    outlier_detector=StreamOutlierDetector,
    transformer=StreamTransformer,
)
