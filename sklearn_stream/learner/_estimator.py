"""``StreamLearner``: train any scikit-learn estimator with ``partial_fit`` from a stream.

The class holds the learner's public methods and everything they share: the fresh clone of
the estimator, the training run over any stream of batches and what it recorded, the
checks of its parameters beyond ``_parameter_constraints``, metadata routing, and the
methods, fitted attributes and tags handed over to the wrapped estimator (each method
exists exactly when the estimator has it, through ``available_if``). The design (kinds that
follow the estimator, one training loop for ``fit``, ``iter_fit`` and the ``stream``
parameter, streamed scoring) is described in ``doc/architecture.rst``.
"""

import copy
import inspect
import threading
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, MetaEstimatorMixin, _fit_context
from sklearn.metrics import check_scoring
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state, get_tags, indexable
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.validation import _estimator_has, _num_samples, check_is_fitted

from .._checks import check_int
from ._array_source import split_sample_params
from ._fit_data import (
    check_data_stream,
    check_stream_parameter,
    describe_data,
    describe_stream,
    stream_random_ints,
)
from ._monitor import (
    MONITOR_ATTRIBUTES_DOC,
    MONITOR_CONSTRAINTS,
    MONITOR_PARAMS_DOC,
    ProgressDisplay,
    TrainingMonitor,
    empty_history,
)
from ._pipeline import (
    PipelineTrainer,
    check_streamable,
    check_unrouted,
    final_params_unprefixed,
    final_step,
    learns_before_last,
    routed_steps,
    unshare_frozen,
)
from ._run import FitRun, FitSource
from ._scoring import Evaluation, check_eval_estimator, streamed_score
from ._training import (
    TrainingProgress,
    add_note,
    batch_rules,
    find_classes,
    fresh_estimator,
    open_stream,
    target_required,
    wants_classes,
)

__all__ = ["KIND_CLASSES", "StreamLearner"]

_CONSTANT_PARAMS = frozenset({"classes"})
_BATCH_FIELDS = frozenset({"sample_weight"})

# The learner class for each kind of estimator, by the estimator type of its tags
# ("classifier", "regressor", "clusterer", "outlier_detector"), and "transformer" for
# another estimator with ``transform``. ``_kinds``, whose classes subclass StreamLearner,
# fills it in; assigning ``estimator`` reads it (see StreamLearner.__setattr__).
KIND_CLASSES: dict[str, type] = {}

# The ids of the learners being trained right now, in any thread. A lock on the learner
# itself would have to be left out of pickles and clones.
_TRAINING: set = set()
_TRAINING_LOCK = threading.Lock()

_OPEN_ENDED = (
    "max_batches=None: training runs until the stream ends. An endless stream (an infinite "
    "generator, a Mux with lam set, a cycle()) never ends, so training would run for ever; "
    "set max_batches to bound it."
)

_SEEDS_NOTE = (
    "({name}.{method} got a 1-D X and failed. {method} takes the estimator's features, not "
    "the seeds (e.g. file paths) that stream and eval_stream take. With eval_stream set, "
    "score(seeds) streams the evaluation, so a search over seeds must use scoring=None "
    "(the learner's score) or sklearn_stream.learner.stream_scorer(metric); scoring='r2' "
    "and other scikit-learn scorers call predict on X.)"
)

_X = "array-like or sparse matrix of shape (n_samples, n_features)"


def _weights(params: dict) -> list:
    """The sample weights among fit parameters (``sample_weight``, ``step__sample_weight``)."""
    return sorted(key for key in params if key.rpartition("__")[2] == "sample_weight")


def _kind_for(estimator: Any) -> type | None:
    """The learner class for ``estimator``'s kind; None if ``estimator`` is no estimator.

    An estimator of no known kind gets ``StreamLearner``; for anything that is not an
    estimator (has no scikit-learn tags) a learner keeps its class, and ``fit`` rejects it.
    """
    if inspect.isclass(estimator):
        return None
    try:
        estimator_type = estimator.__sklearn_tags__().estimator_type
    except Exception:  # not an estimator: fit will say what was expected
        return None
    kind = KIND_CLASSES.get(estimator_type)
    if kind is None and callable(getattr(estimator, "transform", None)):
        kind = KIND_CLASSES.get("transformer")
    return kind or StreamLearner


def _one_dimensional(X: Any) -> bool:
    shape = getattr(X, "shape", None)
    if shape is not None:
        return len(shape) == 1
    try:
        return np.ndim(X) == 1
    except Exception:  # ragged or exotic input: not ours to judge
        return False


def _is_feature_matrix(X: Any) -> bool:
    shape = getattr(X, "shape", None)
    if shape is not None:
        return len(shape) == 2
    try:
        return np.ndim(X) == 2
    except ValueError:  # ragged: no matrix of features either
        return False


def _check_validation_targets(data: tuple, scoring: Any, estimator: Any) -> None:
    if len(data) == 2 and data[1] is not None:
        return
    if callable(scoring) or not get_tags(estimator).target_tags.required:
        return
    given = "(X_val,)" if len(data) == 1 else "(X_val, None)"
    raise ValueError(
        f"validation_data={given} has no targets, but {type(estimator).__name__} is "
        "supervised: its score needs the true values. Give validation_data=(X_val, y_val)."
    )


def _check_validation_lengths(data: tuple) -> None:
    if len(data) != 2 or data[1] is None:
        return
    try:
        lengths = [_num_samples(data[0]), _num_samples(data[1])]
    except TypeError:  # no length to compare: the scorer will say what is wrong
        return
    if lengths[0] != lengths[1]:
        raise ValueError(
            f"validation_data=(X_val, y_val) must have one target per sample; got X_val "
            f"with {lengths[0]} samples and y_val with {lengths[1]}."
        )


def _can_set_output(learner: Any) -> bool:
    return _estimator_has("set_output")(learner) and _estimator_has("transform")(learner)


def _delegate(method: str, summary: str, x_type: str, returns: str) -> Any:
    """A method that calls ``estimator_.<method>(X, **params)``, there when the estimator
    has ``method`` (``available_if``), with its own numpydoc docstring."""

    def delegated(self: Any, X: Any, **params: Any) -> Any:
        return self._call(method, X, **params)

    delegated.__name__ = method
    delegated.__qualname__ = f"StreamLearner.{method}"
    delegated.__doc__ = (
        f"{summary}\n\nParameters\n----------\nX : {x_type}\n**params\n"
        f"    Passed to ``estimator_.{method}``.\n\nReturns\n-------\n{returns}\n"
    )
    return available_if(_estimator_has(method))(delegated)


class StreamLearner(MetaEstimatorMixin, BaseEstimator):
    """Train an estimator with ``partial_fit`` from a stream of batches.

    ``iter_fit(stream)`` trains on the batches of any stream or data source;
    ``fit(X, y)`` trains on shuffled mini-batches of in-memory data, or on the stream the
    ``stream`` parameter makes of ``(X, y)``, so the learner works in Pipelines,
    cross-validation and searches (which can tune the stream too) like any scikit-learn
    estimator. The learner is of the same kind as the estimator it wraps (it is a
    ``StreamClassifier`` for a classifier, a ``StreamRegressor`` for a regressor, ...), and
    has its ``predict``, ``transform``, ... methods exactly when the estimator has them.

    Parameters
    ----------
    estimator : estimator object
        Any estimator with ``partial_fit``, or a :class:`~sklearn.pipeline.Pipeline` whose
        steps can learn from a stream: each step learns every batch as it reaches it, then
        transforms it for the next step (see :ref:`pipelines`). It is cloned into
        ``estimator_``; the object given is never modified.
    max_batches : int >= 1 or None, default=None
        The most batches one call of :meth:`fit` or :meth:`iter_fit` trains on. None
        trains until the stream ends (``fit``: after ``n_epochs`` passes), so an endless
        stream (an infinite generator, a ``Mux`` with ``lam`` set) trains for ever: with
        ``verbose``, training from a stream with ``max_batches=None`` says so when it
        starts.
    batch_size : int >= 1, default=256
        :meth:`fit` only: samples per mini-batch. An epoch's last batch, when shorter, is
        joined to the batch before it, so every batch has at least
        ``min(batch_size, n_samples)`` samples.
    n_epochs : int >= 1, default=5
        :meth:`fit` only: the number of passes over the data (cut short by
        ``max_batches``).
    shuffle : bool, default=True
        :meth:`fit` only: visit the samples in a fresh random order each epoch.
    random_state : None, int or numpy.random.RandomState, default=None
        Controls the shuffling in :meth:`fit` and, when not None, sets every
        ``random_state`` parameter of the wrapped estimator that is left at None to an int
        drawn from it (those set by the user are kept), so that an int makes :meth:`fit`
        and :meth:`iter_fit` reproducible: fitting twice gives identical models.
    warm_start : bool, default=False
        If True, :meth:`fit` and :meth:`iter_fit` continue training the current
        ``estimator_`` instead of starting from a fresh clone.
    stream : None, Streamer or callable, default=None
        How :meth:`fit` streams its data. None: shuffled mini-batches of ``(X, y)`` (see
        ``batch_size``, ``n_epochs``). A :class:`~sklearn_stream.Streamer` over a generator
        function: ``fit(X, y)`` streams a new ``Streamer`` with ``(X, y)`` (``(X,)`` when
        ``y`` is None) put before its own arguments, so ``Streamer(noisy, sigma=1.0)``
        streams ``noisy(X, y, sigma=1.0)``; its keyword arguments are parameters of the
        learner (``stream__sigma``). A callable ``f(X, y)`` returning an iterable of
        batches. ``X`` may be anything the function understands, such as a 1-D array of
        file paths, so cross-validation splits by file. When the function takes a
        ``random_state`` that is unset (absent or None) and the learner's
        ``random_state`` is not None, an int drawn from it is passed. With
        ``max_batches`` set, the stream must yield that many batches. A data source
        whose ``source`` parameter is one of these (``ZMQStreamer(Streamer(noisy))``) is
        cloned around the rebuilt source. A :class:`~sklearn_stream.Mux` or any other data
        source that has no function to call with the data is rejected (it would ignore
        ``X``): wrap the code that builds the ``Mux`` from the data in a function instead.
    eval_stream : None, Streamer or callable, default=None
        How :meth:`score` streams its data, given the same way as ``stream``. When set,
        ``score(X, y)`` is the estimator's score over every batch of the stream made of
        ``(X, y)`` (it must end), equal to its score on those batches joined: a
        classifier's accuracy or a regressor's R² is computed from the predictions and
        targets alone, the k-means score (of :class:`~sklearn.cluster.MiniBatchKMeans`)
        is summed batch by batch, and any other ``score`` is computed once on the joined
        batches, which are then held in memory. ``score(X)`` with no target is fine for
        an estimator whose score needs none (a clusterer). ``fit`` rejects
        ``eval_stream`` for an estimator without ``score``. Prediction methods keep
        taking features.
    preprocessing_batches : int >= 1 or None, default=None
        Only for a ``Pipeline`` ``estimator``: its first ``preprocessing_batches`` batches
        train the steps before the last one only; after them, those steps are frozen
        (they only transform) and the batches train the last step. None: every batch
        trains every step. The count runs from the pipeline's first batch, over
        :meth:`partial_fit` calls and ``warm_start`` continuations too.
    %(monitor_params)s

    Attributes
    ----------
    estimator_ : estimator object
        The trained clone of ``estimator``. Its other fitted attributes (names ending in
        ``_``, such as ``coef_`` or ``cluster_centers_``) are readable on the learner too:
        ``learner.coef_`` is ``learner.estimator_.coef_``.
    n_batches_seen_ : int
        Batches trained on since ``estimator_`` was created.
    n_samples_seen_ : int
        Samples trained on since ``estimator_`` was created.
    %(monitor_attributes)s
    stopped_early_ : bool
        Whether the last :meth:`fit` or :meth:`iter_fit` stopped early.
    classes_ : ndarray
        ``estimator_.classes_`` (classifiers).
    n_features_in_ : int
        ``estimator_.n_features_in_``.
    feature_names_in_ : ndarray of str
        ``estimator_.feature_names_in_``, when ``X`` had feature names.
    labels_ : ndarray of shape (n_samples,)
        Clusterers, after :meth:`fit` with ``stream=None``: the trained model's clusters
        of the training data; after :meth:`partial_fit`, ``estimator_.labels_`` (those of
        the batch given), if it has them. Absent after training from a stream
        (:meth:`fit` with ``stream`` set, or :meth:`iter_fit`): the learner does not keep
        the samples of a stream, so it cannot label them all, and the estimator's own
        ``labels_`` would hold the last batch's labels only. Reading it then raises
        ``AttributeError``, which says so; label data with :meth:`predict`.

    See Also
    --------
    sklearn_stream.Streamer : a data source that restarts a stream for each fit.
    sklearn_stream.Mux : a data source that mixes many data sources.

    Notes
    -----
    Nothing a stream provides is silently ignored: a batch field the learner does not
    know, and a target (``"Y"`` or ``"y"``) in the batches of a stream given to an
    unsupervised estimator (a clusterer, a transformer, an outlier detector), raise
    :class:`~sklearn_stream.exceptions.BatchError`, as pescador 0.1.3 did, rather than
    a warning that is easy to miss. ``fit(X, y)`` with ``stream=None`` still accepts a
    ``y`` it passes on and the estimator ignores, as every scikit-learn estimator does.

    A learner is not thread-safe, like scikit-learn's estimators: :meth:`fit`,
    :meth:`iter_fit` and :meth:`partial_fit` update ``estimator_`` and the counters
    together. Calling one of them while another is running on the same learner (in another
    thread) raises ``RuntimeError``; give each thread its own
    :func:`~sklearn.base.clone`.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn_stream.learner import StreamLearner
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> batches = [{"X": X[i : i + 20], "Y": y[i : i + 20]} for i in range(0, 200, 20)]
    >>> model = StreamLearner(SGDClassifier(random_state=0), max_batches=8)
    >>> model
    StreamClassifier(estimator=SGDClassifier(random_state=0), max_batches=8)
    >>> model.iter_fit(batches, classes=[0, 1]).n_batches_seen_
    8
    >>> model.predict(X[:4]).tolist() == model.estimator_.predict(X[:4]).tolist()
    True
    >>> StreamLearner(SGDClassifier(), random_state=0).fit(X, y).score(X, y) > 0.9
    True

    A whole pipeline learns from the stream, every step from every batch:

    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> pipeline = make_pipeline(StandardScaler(), SGDClassifier(random_state=0))
    >>> model = StreamLearner(pipeline).iter_fit(batches, classes=[0, 1])
    >>> int(model.estimator_.named_steps["standardscaler"].n_samples_seen_)
    200
    """

    _parameter_constraints: ClassVar[dict] = {
        "estimator": [HasMethods(["partial_fit"]), Pipeline],
        "max_batches": [Interval(Integral, 1, None, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_epochs": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "stream": [None, callable, HasMethods(["generate"])],
        "eval_stream": [None, callable, HasMethods(["generate"])],
        "preprocessing_batches": [Interval(Integral, 1, None, closed="left"), None],
        **MONITOR_CONSTRAINTS,
    }

    def __init__(
        self,
        estimator: Any,
        max_batches: int | None = None,
        *,
        batch_size: int = 256,
        n_epochs: int = 5,
        shuffle: bool = True,
        random_state: Any = None,
        warm_start: bool = False,
        stream: Any = None,
        eval_stream: Any = None,
        preprocessing_batches: int | None = None,
        validation_data: tuple | None = None,
        eval_every: int = 100,
        scoring: Any = None,
        early_stopping: bool = False,
        n_iter_no_change: int = 5,
        tol: float | None = 1e-3,
        verbose: int = 0,
    ) -> None:
        self.estimator = estimator
        self.max_batches = max_batches
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.shuffle = shuffle
        self.random_state = random_state
        self.warm_start = warm_start
        self.stream = stream
        self.eval_stream = eval_stream
        self.preprocessing_batches = preprocessing_batches
        self.validation_data = validation_data
        self.eval_every = eval_every
        self.scoring = scoring
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.verbose = verbose

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        # The kind follows the estimator (see ``_kinds``); a user's own subclass keeps its
        # class.
        if name == "estimator" and (
            type(self) is StreamLearner or type(self) in KIND_CLASSES.values()
        ):
            kind = _kind_for(value)
            if kind is not None:
                object.__setattr__(self, "__class__", kind)

    # -- training --------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def iter_fit(self, stream: Any, **partial_fit_params: Any) -> "StreamLearner":
        """Train on at most ``max_batches`` batches of ``stream``.

        A stream that ends before ``max_batches`` batches ends training quietly: ``iter_fit``
        trains on a stream given once, and "at most" lets a finite stream (a list, one pass
        over files) be used with a cap. :meth:`fit` with ``stream`` set raises instead,
        because its fits are compared (across folds, candidates, or ``max_batches`` as a
        search's resource), and a fit that silently trained on less would skew them. Check
        ``n_batches_seen_`` to see how many batches were used. With ``max_batches=None`` an
        endless stream trains for ever.

        Parameters
        ----------
        stream : iterable of batches, or data source
            Batches are dicts with ``"X"``, ``"Y"`` or ``"y"`` and optionally
            ``"sample_weight"``, or tuples ``(X,)``, ``(X, y)``, ``(X, y, sample_weight)``.
            A data source (an object with ``generate()``, such as
            :class:`~sklearn_stream.Streamer`) is started afresh, and its stream closed when
            training ends, on success or error; so is the iterator of a re-iterable (a list).
            An iterator given as such (a generator object) is left open, so the caller can
            keep reading from it.
        **partial_fit_params
            Passed to every ``partial_fit`` call, e.g. ``classes=[0, 1, 2]``, which a
            classifier needs (unless ``warm_start`` continues a fitted ``estimator_``): a
            stream cannot be read ahead to find its classes.

        Returns
        -------
        self : StreamLearner

        Raises
        ------
        TypeError
            If ``stream`` is neither an iterable of batches nor a data source, or
            ``sample_weight`` is given here rather than in the batches.
        ValueError
            If the estimator is a classifier whose ``partial_fit`` takes ``classes`` and
            none are given.
        RuntimeError
            If the learner is already training (in another thread).
        sklearn_stream.exceptions.BatchError
            For a batch without ``X``, without a target for a supervised estimator, with a
            target for an unsupervised one, or with a different number of features than the
            batches before it.
        sklearn_stream.exceptions.BatchShapeError
            For a batch whose ``X`` is 1-D (a single row without its batch axis) while the
            estimator takes 2-D input; it is a ``ValueError``.
        sklearn_stream.exceptions.BatchLengthError
            If the fields of a batch (``X``, the target, ``sample_weight``) differ in length.
        sklearn_stream.exceptions.EmptyStreamError
            If the stream yields no batch.

        Examples
        --------
        >>> from sklearn.cluster import MiniBatchKMeans
        >>> from sklearn_stream import Streamer
        >>> from sklearn_stream.learner import StreamLearner
        >>> def blobs(n_batches, random_state=0):
        ...     rng = np.random.default_rng(random_state)
        ...     for _ in range(n_batches):
        ...         yield {"X": rng.normal(size=(16, 2)) + rng.choice([-5, 5], size=(16, 1))}
        >>> model = StreamLearner(MiniBatchKMeans(n_clusters=2, random_state=0), max_batches=20)
        >>> model = model.iter_fit(Streamer(blobs, 100))
        >>> model.n_batches_seen_, model.n_samples_seen_
        (20, 320)
        >>> np.sort(model.cluster_centers_.round().mean(axis=1))
        array([-5.,  5.])
        """
        if _weights(partial_fit_params):
            raise TypeError(
                f"iter_fit got {_weights(partial_fit_params)}, which differs from batch to "
                "batch: put it in each batch instead ({'X': ..., 'Y': ..., 'sample_weight': "
                "...} or (X, y, w))."
            )
        partial_fit_params = self._unprefixed(partial_fit_params)
        self._check_streams()
        with self._exclusive("iter_fit"):
            iterator, owned = open_stream(stream, self.max_batches)
            try:
                if "classes" not in partial_fit_params and self._needs_classes():
                    raise ValueError(
                        f"{type(self).__name__}.iter_fit needs the classes: "
                        f"{type(final_step(self.estimator)).__name__}.partial_fit must be "
                        "given every "
                        "class on its first call, and a stream cannot be read ahead to find "
                        "them. Pass them as iter_fit(stream, classes=[...]), e.g. "
                        "classes=[0, 1, 2]."
                    )
                self._train(
                    iterator, dict(partial_fit_params), _BATCH_FIELDS, "the stream", strict=False
                )
            finally:
                close = getattr(iterator, "close", None) if owned else None
                if close is not None:
                    close()
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: Any, y: Any = None, **fit_params: Any) -> "StreamLearner":
        """Train on shuffled mini-batches of ``(X, y)``, or on ``stream`` started with them.

        With ``stream=None``, streams ``n_epochs`` passes of ``batch_size`` mini-batches
        (at most ``max_batches`` batches) through ``partial_fit``. With ``stream`` set,
        trains on the batches of the stream it makes of ``(X, y)`` (see the class
        parameters). For a classifier, the classes are found from ``y`` (multilabel
        indicators included) and passed as ``classes``, unless given in ``fit_params``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            With ``stream`` set, whatever the stream's function takes, e.g. a 1-D array of
            file paths.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Targets; required when the estimator is supervised and ``stream`` is None.
        **fit_params
            Passed to ``partial_fit``: with ``stream=None``, arrays with one entry per
            sample (such as ``sample_weight``) are cut along with ``X``; anything else is
            passed whole. With metadata routing enabled, only what the estimator requested
            for ``partial_fit`` is passed.

        Returns
        -------
        self : StreamLearner

        Raises
        ------
        ValueError
            If ``X`` has no samples, or the estimator is supervised and ``y`` is None
            (with ``stream=None``); or if ``stream`` is set, ``eval_stream`` is not, and
            ``X`` is not a 2-D matrix of features (such as a 1-D array of file paths) for
            an estimator that has ``score`` and takes 2-D input (its tags say so):
            :meth:`score` could not evaluate such an ``X``, so every score of a
            cross-validation or search would fail. An estimator without ``score`` still
            trains from such an ``X``.
        TypeError
            If ``stream`` or ``eval_stream`` cannot be given the data (a ``Mux``, a
            ``Streamer`` over a list), or ``eval_stream`` is set for an estimator without
            ``score``.
        RuntimeError
            If the learner is already training (in another thread).
        sklearn_stream.exceptions.BatchError
            For a batch of the ``stream`` that :meth:`iter_fit` would refuse.
        sklearn_stream.exceptions.EmptyStreamError
            If the stream yields no batch; the message names the stream and the fit's data.
        sklearn_stream.exceptions.ShortStreamError
            If ``max_batches`` is set and the stream ends before yielding that many. Unlike
            :meth:`iter_fit`, which stops quietly at the end of a stream given once,
            ``fit`` makes a new stream for each fit and its fits are compared (folds,
            candidates, ``max_batches`` as a search's resource): training some of them on
            less data than asked would skew the comparison.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.naive_bayes import GaussianNB
        >>> from sklearn_stream.learner import StreamLearner
        >>> X, y = load_iris(return_X_y=True)
        >>> model = StreamLearner(GaussianNB(), batch_size=32, n_epochs=1, random_state=0)
        >>> model = model.fit(X, y)
        >>> model.classes_, model.n_batches_seen_, model.n_samples_seen_
        (array([0, 1, 2]), 4, 150)

        A stream that adds noise to the fit's data, with its noise level as a parameter:

        >>> from sklearn_stream import Streamer
        >>> def noisy(X, y, sigma=0.1, random_state=None):
        ...     rng = np.random.default_rng(random_state)
        ...     while True:
        ...         rows = rng.integers(len(X), size=16)
        ...         yield {"X": X[rows] + sigma * rng.normal(size=(16, 4)), "y": y[rows]}
        >>> model = StreamLearner(GaussianNB(), 50, stream=Streamer(noisy), random_state=0)
        >>> model.set_params(stream__sigma=0.2).fit(X, y).n_batches_seen_
        50
        """
        with self._exclusive("fit"):
            run, source = self._start_run(X, y, fit_params)
            with source.noted():
                batches = source.open(self.max_batches)
                try:
                    run.complete(batches, self.max_batches, strict=True)
                finally:
                    batches.close()  # also when training stopped at max_batches
            if not source.from_stream and isinstance(self, ClusterMixin):
                self._label(source.data[0])
        return self

    def _label(self, X: Any) -> None:
        """Set ``labels_`` of the training data, if the trained estimator can predict."""
        if hasattr(self.estimator_, "predict"):
            self.labels_ = self.estimator_.predict(X)

    def _start_run(self, X: Any, y: Any, fit_params: dict) -> tuple[FitRun, FitSource]:
        """Everything :meth:`fit` does before its first batch: the checks of the data and
        parameters, the routed fit parameters and classes, the fresh estimator.

        The search of :mod:`sklearn_stream.model_selection` starts its fold models here,
        so they train exactly as :meth:`fit` would. Random numbers are drawn in
        ``fit``'s order: for in-memory data the estimator's seeds first, the permutations
        when the source is read; for a stream the stream's seed first.

        Returns
        -------
        run : FitRun
            The training run, not started (with ``warm_start``, continuing
            ``estimator_``).
        source : FitSource
            Opens the fit's batches.
        """
        self._check_streams()
        X, y = indexable(X, y)
        n_samples = _num_samples(X)
        if n_samples == 0:
            raise ValueError(
                f"Found array with 0 sample(s) (shape={getattr(X, 'shape', (0,))}) while a "
                "minimum of 1 is required."
            )
        if y is None and self.stream is None and target_required(self.estimator):
            raise ValueError(
                f"{type(self.estimator).__name__} requires y to be passed, but the target y "
                "is None."
            )
        self._check_scorable_fit(X)
        params = self._route("fit", fit_params)
        if y is not None and "classes" not in params and wants_classes(self.estimator):
            params["classes"] = find_classes(y)
        if self.stream is not None:
            return self._start_stream_run(X, y, params)
        per_sample, constant = split_sample_params(params, n_samples, _CONSTANT_PARAMS)
        run = self._begin_run(constant, frozenset(per_sample), "fit", from_stream=False)
        return run, FitSource(self, (X, y), per_sample=per_sample)

    def _start_stream_run(self, X: Any, y: Any, params: dict) -> tuple[FitRun, FitSource]:
        """:meth:`_start_run` for a fit on the stream the ``stream`` parameter makes.

        Raises
        ------
        TypeError
            If ``sample_weight`` is in ``params`` (weights belong in the stream's batches).
        ValueError
            If the estimator needs ``classes`` and neither ``y`` nor ``params`` gives them.
        """
        name = type(self).__name__
        if _weights(params):
            raise TypeError(
                f"{name}.fit got {_weights(params)} while stream is set: the stream makes its own "
                "batches, so put the weights in each batch ({'X': ..., 'y': ..., "
                "'sample_weight': ...}) instead."
            )
        if "classes" not in params and wants_classes(self.estimator):
            raise ValueError(
                f"{name}.fit with stream set and y=None needs classes=[...] (e.g. "
                "fit(X, classes=[0, 1]), or GridSearchCV(...).fit(X, classes=[0, 1])): the "
                "first partial_fit call must know every class, and no y was given to find them."
            )
        where = f"{describe_stream('stream', self.stream)} in {name}.fit on {describe_data(X)}"
        state, _ = stream_random_ints(self.random_state)
        source = FitSource(self, (X,) if y is None else (X, y), state=state, where=where)
        with source.noted():
            run = self._begin_run(params, _BATCH_FIELDS, where, from_stream=True)
        return run, source

    @_fit_context(prefer_skip_nested_validation=False)
    def partial_fit(self, X: Any, y: Any = None, **params: Any) -> "StreamLearner":
        """Continue training on one batch; the first call starts from a fresh clone.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like or None, default=None
        **params
            Passed to ``estimator_.partial_fit`` (e.g. ``classes``, ``sample_weight``);
            with metadata routing enabled, what the estimator requested.

        Returns
        -------
        self : StreamLearner

        Examples
        --------
        >>> from sklearn.linear_model import SGDRegressor
        >>> from sklearn_stream.learner import StreamLearner
        >>> model = StreamLearner(SGDRegressor(random_state=0))
        >>> for start in range(0, 100, 10):
        ...     X = np.arange(start, start + 10, dtype=float)[:, None] / 100
        ...     model = model.partial_fit(X, 2 * X.ravel())
        >>> model.n_batches_seen_, model.n_samples_seen_
        (10, 100)
        """
        self._check_streams()
        params = self._route("partial_fit", params)
        with self._exclusive("partial_fit"):
            first = not hasattr(self, "estimator_")
            if first:
                estimator = self._fresh(check_random_state(self.random_state))
            else:
                estimator = self.estimator_
            self._partial_fit_of(estimator, 0 if first else self.n_batches_seen_)(X, y, **params)
            if first:
                self.estimator_ = estimator
                self.n_batches_seen_ = self.n_samples_seen_ = 0
            self.__dict__.pop("labels_", None)  # estimator_'s labels_ are of this X now
            self._labels_unknown = False
            self.n_batches_seen_ += 1
            self.n_samples_seen_ += _num_samples(X)
        return self

    # -- the training run, shared by fit, iter_fit and the stream parameter ----------------
    def _fresh(self, rng: Any) -> Any:
        if isinstance(self.estimator, Pipeline):
            self._check_pipeline()
        estimator = fresh_estimator(self.estimator, None if self.random_state is None else rng)
        transform = getattr(self, "_sklearn_output_config", {}).get("transform")
        if transform is not None and hasattr(estimator, "set_output"):
            unshare_frozen(estimator)  # set_output would reach the user's frozen steps
            estimator.set_output(transform=transform)
        return estimator

    def _check_last_step_trained(self, n_batches: int, strict: bool) -> None:
        """Raise (``strict``) or warn if training ended within ``preprocessing_batches``."""
        if self.preprocessing_batches is None or n_batches > self.preprocessing_batches:
            return
        message = (
            f"training ended after {n_batches} batches, all of them among the first "
            f"preprocessing_batches={self.preprocessing_batches}, which train only the steps "
            "before the last: the last step has not been trained"
        )
        if strict:
            raise ValueError(
                f"{message}. Train on more batches (max_batches, n_epochs, a longer stream) or "
                "lower preprocessing_batches."
            )
        # Only iter_fit warns: the caller's line is above this method, FitRun._check,
        # FitRun.finish, FitRun.complete, _train, iter_fit and its _fit_context wrapper.
        warnings.warn(
            f"{message} yet; continue with warm_start=True or partial_fit.",
            UserWarning,
            stacklevel=8,
        )

    def _check_pipeline(self) -> None:
        """Raise if the Pipeline estimator cannot be trained as the parameters ask."""
        check_streamable(self.estimator)
        if self.preprocessing_batches is not None and not learns_before_last(self.estimator):
            raise ValueError(
                f"preprocessing_batches={self.preprocessing_batches!r} trains the steps before "
                "the last one first, but none of them learns (they are stateless, frozen or "
                "'passthrough'): those batches would be lost. Leave preprocessing_batches at "
                "None."
            )

    def _train(
        self,
        stream: Iterable,
        params: dict,
        sample_keys: frozenset,
        what: str,
        *,
        strict: bool = True,
    ) -> None:
        """Train on ``stream`` (at most ``max_batches`` batches) as one run, to its end."""
        run = self._begin_run(params, sample_keys, what, from_stream=True)
        run.complete(stream, self.max_batches, strict=strict)

    def _begin_run(
        self, params: dict, sample_keys: frozenset, what: str, *, from_stream: bool
    ) -> FitRun:
        """A training run from a fresh estimator, or continuing ``estimator_`` with
        ``warm_start``; its monitor is built (and the validation data checked) here."""
        if self.warm_start and hasattr(self, "estimator_"):
            estimator = self.estimator_
            progress = TrainingProgress(
                self.n_batches_seen_, self.n_samples_seen_, getattr(self, "_n_features_seen", None)
            )
        else:
            estimator = self._fresh(check_random_state(self.random_state))
            progress = TrainingProgress()
        warm = estimator is getattr(self, "estimator_", None)
        history = self.history_ if warm and hasattr(self, "history_") else empty_history()
        open_ended = from_stream and self.max_batches is None
        monitor = self._build_monitor(estimator, history, open_ended)
        rules = batch_rules(self.estimator, from_stream=from_stream)
        return FitRun(
            self,
            estimator,
            progress,
            history,
            monitor,
            params,
            sample_keys,
            rules,
            what,
            from_stream=from_stream,
            warm=warm,
        )

    def _partial_fit_of(self, estimator: Any, n_batches_seen: int) -> Any:
        """``estimator``'s ``partial_fit``; for a Pipeline, a :class:`PipelineTrainer`'s."""
        if not isinstance(estimator, Pipeline):
            return estimator.partial_fit
        # One trainer per pipeline, kept: it holds the classes given during preprocessing.
        trainer = self.__dict__.get("_pipeline_trainer")
        if trainer is None or trainer.pipeline is not estimator:
            trainer = PipelineTrainer(estimator, n_batches_seen, self.preprocessing_batches)
            self._pipeline_trainer = trainer
        trainer.n_batches = n_batches_seen
        trainer.set_preprocessing(self.preprocessing_batches)
        return trainer.partial_fit

    def _build_monitor(self, estimator: Any, history: dict, open_ended: bool) -> Any:
        """The monitor the parameters ask for, or None when nothing is watched.

        Parameters
        ----------
        estimator : estimator
            The estimator about to be trained.
        history : dict of lists
        open_ended : bool
            Whether the training stream may be endless with nothing to bound it; with
            ``verbose``, the display says so when training starts.

        Raises
        ------
        ValueError
            If ``early_stopping`` is set without ``validation_data``, or ``validation_data``
            is not a tuple of one or two items, has no targets (``(X_val,)`` or
            ``(X_val, None)``) for a supervised estimator (unless ``scoring`` is a callable,
            which may not need them), or ``X_val`` and ``y_val`` differ in length.
        """
        self._check_validation_data(estimator)
        data = self.validation_data
        if data is None and not self.verbose:
            return None
        display = None
        if self.verbose:
            display = ProgressDisplay(self.max_batches, name=type(self).__name__)
        if display is not None and open_ended:
            display.say(_OPEN_ENDED)
        return TrainingMonitor(
            estimator,
            scorer=None if data is None else check_scoring(estimator, scoring=self.scoring),
            validation_data=data,
            eval_every=self.eval_every,
            early_stopping=self.early_stopping,
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
            display=display,
            history=history,
            unscored_batches=self.preprocessing_batches or 0,
        )

    def _check_validation_data(self, estimator: Any) -> None:
        data = self.validation_data
        if self.early_stopping and data is None:
            raise ValueError(
                "early_stopping=True needs validation_data=(X_val, y_val) to score the model on."
            )
        if data is None:
            return
        if len(data) not in (1, 2):
            raise ValueError(
                f"validation_data must be a tuple (X_val, y_val) or (X_val,); got a tuple of "
                f"{len(data)} items."
            )
        _check_validation_targets(data, self.scoring, estimator)
        _check_validation_lengths(data)

    def _record(self, progress: TrainingProgress) -> None:
        self.n_batches_seen_ = progress.n_batches
        self.n_samples_seen_ = progress.n_samples
        self._n_features_seen = progress.n_features

    @contextmanager
    def _exclusive(self, method: str) -> Iterator[None]:
        """Run the body of ``method`` (a training method) as this learner's only training.

        Training updates ``estimator_`` and the counters together, so two threads training
        one learner would corrupt both; the second call raises instead. As in scikit-learn,
        a learner is not thread-safe: give each thread its own clone.
        """
        key = id(self)
        with _TRAINING_LOCK:
            if key in _TRAINING:
                raise RuntimeError(
                    f"{type(self).__name__}.{method} was called while this learner is "
                    "already training (fit, iter_fit or partial_fit running in another "
                    "thread, or called again from inside its own stream). A learner is not "
                    "thread-safe: training updates estimator_ and n_batches_seen_ together. "
                    "Give each thread its own learner, sklearn.base.clone(learner)."
                )
            _TRAINING.add(key)
        try:
            yield
        finally:
            with _TRAINING_LOCK:
                _TRAINING.discard(key)

    # -- checks of the parameters beyond _parameter_constraints ----------------------------
    def _validate_params(self) -> None:
        # A generator object or a list of batches given as stream or eval_stream gets
        # advice, rather than only the list of accepted types.
        owner = type(self).__name__
        for name in ("stream", "eval_stream"):
            check_stream_parameter(getattr(self, name), name, owner)
        super()._validate_params()
        # scikit-learn's Interval takes a bool for an int: the package's own check does not
        check_int("preprocessing_batches", self.preprocessing_batches, 1, allow_none=True)
        if self.preprocessing_batches is not None and not isinstance(self.estimator, Pipeline):
            raise ValueError(
                f"The 'preprocessing_batches' parameter of {owner} is for a Pipeline "
                f"estimator (it freezes the steps before the last); got "
                f"preprocessing_batches={self.preprocessing_batches!r} with a "
                f"{type(self.estimator).__name__}. Leave it at None."
            )

    def _needs_classes(self) -> bool:
        """Whether training must be given ``classes`` (a fresh classifier's first call)."""
        continues = self.warm_start and hasattr(self, "estimator_")
        return not continues and wants_classes(self.estimator)

    def _check_streams(self) -> None:
        check_data_stream(self.stream, "stream")
        check_data_stream(self.eval_stream, "eval_stream")
        if self.eval_stream is not None:
            check_eval_estimator(self.estimator)

    def _check_scorable_fit(self, X: Any) -> None:
        """Raise if ``fit(X)`` would train on seeds that ``score`` cannot evaluate.

        With ``stream`` set and ``eval_stream`` None, a fit on an ``X`` that is not a 2-D
        matrix of features (a 1-D array of file paths, say) trains fine, but ``score(X, y)``
        passes that ``X`` to the estimator: every fold of a cross-validation or search would
        then fail to score, and a search would choose among NaN scores. Only estimators with
        a ``score`` are checked (one without it can still be trained from seeds), and only
        those that take 2-D input: an estimator whose tags say it takes 1-D input (documents
        for a text model) may score a 1-D ``X`` of its own.

        Raises
        ------
        ValueError
            If the fit streams a non-2-D ``X`` without ``eval_stream`` for such an
            estimator; the message says how to set ``eval_stream``.

        Examples
        --------
        >>> from sklearn.linear_model import SGDRegressor
        >>> from sklearn_stream import StreamLearner
        >>> learner = StreamLearner(SGDRegressor(), stream=lambda X, y: iter([]))
        >>> learner._check_scorable_fit(np.zeros((4, 2)))  # features: nothing to say
        >>> learner._check_scorable_fit(np.array(["a.npz", "b.npz"]))
        Traceback (most recent call last):
        ...
        ValueError: StreamRegressor.fit got a 1-D X of 2 items ['a.npz', ...eval_stream=None...
        """
        if self.stream is None or self.eval_stream is not None:
            return
        estimator = self.estimator
        if not hasattr(estimator, "score") or _is_feature_matrix(X):
            return
        if not get_tags(estimator).input_tags.two_d_array:
            return  # 1-D input is what this estimator takes: X may well be its features
        name = type(self).__name__
        raise ValueError(
            f"{name}.fit got {describe_data(X)}, not a 2-D matrix of features, with stream "
            f"set and eval_stream=None. Training would work, but score(X, y), which "
            f"cross-validation and searches call on every held-out part, would pass such an "
            f"X to {type(estimator).__name__}.score and fail, and a search would pick its best "
            "parameters among failed (NaN) scores. Set eval_stream to the stream that reads "
            "held-out data the same way, usually the same as stream: StreamLearner(..., "
            "stream=Streamer(read_batches), eval_stream=Streamer(read_batches)), or "
            "learner.set_params(eval_stream=learner.stream). score then evaluates over its "
            "batches, and predict keeps taking features."
        )

    # -- scikit-learn protocols ------------------------------------------------------------
    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        if not hasattr(self.estimator, "__sklearn_tags__") or inspect.isclass(self.estimator):
            return tags
        try:
            tags = copy.deepcopy(get_tags(self.estimator))
        except Exception:  # an invalid estimator: fit will reject it with a clear message
            return tags
        tags.requires_fit = True
        return tags

    def get_metadata_routing(self) -> MetadataRouter:
        """Route metadata of ``fit`` and ``partial_fit`` to the estimator's ``partial_fit``
        (for a Pipeline: to the ``partial_fit`` of each of its top-level steps).

        Returns
        -------
        sklearn.utils.metadata_routing.MetadataRouter
        """
        mapping = (
            MethodMapping()
            .add(caller="fit", callee="partial_fit")
            .add(caller="partial_fit", callee="partial_fit")
        )
        router = MetadataRouter(owner=self)
        if isinstance(self.estimator, Pipeline):
            return router.add(**routed_steps(self.estimator), method_mapping=mapping)
        return router.add(estimator=self.estimator, method_mapping=mapping)

    def _route(self, method: str, params: dict) -> dict:
        if not _routing_enabled():
            return self._unprefixed(params)
        if not isinstance(self.estimator, Pipeline):
            return dict(process_routing(self, method, **params).estimator.partial_fit)
        check_unrouted(self.estimator, params)
        routed = process_routing(self, method, **params)
        return self._unprefixed(
            {
                f"{name}__{key}": value
                for name in routed_steps(self.estimator)
                for key, value in routed[name].partial_fit.items()
            }
        )

    def _unprefixed(self, params: dict) -> dict:
        """For a Pipeline, the last step's parameters without their ``name__`` prefix."""
        if isinstance(self.estimator, Pipeline):
            return final_params_unprefixed(self.estimator, params)
        return dict(params)

    # -- fitted attributes that follow the estimator ---------------------------------------
    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: fitted attributes (``classes_``, ``coef_``,
        # ``n_features_in_``, ``offset_``, ...) not set on the learner itself are those of
        # ``estimator_``; before fitting they do not exist.
        if name.startswith("_") or not name.endswith("_") or name == "estimator_":
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        if name == "labels_" and self.__dict__.get("_labels_unknown"):
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute 'labels_': it was trained "
                "from a stream (fit with stream set, or iter_fit), whose samples it does not "
                "keep, so it cannot label them all (estimator_.labels_ would label the last "
                "batch only). Label data with predict(X), or fit(X) with stream=None to get "
                "labels_ of X."
            )
        try:
            estimator = self.__dict__["estimator_"]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r} (not fitted yet)"
            ) from None
        try:
            return getattr(estimator, name)
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}, and neither has "
                f"its estimator_ ({type(estimator).__name__})"
            ) from None

    def _call(self, method: str, X: Any, *args: Any, **params: Any) -> Any:
        check_is_fitted(self)
        try:
            return getattr(self.estimator_, method)(X, *args, **params)
        except Exception as exc:
            if _one_dimensional(X) and (
                getattr(self, "stream", None) is not None
                or getattr(self, "eval_stream", None) is not None
            ):
                add_note(exc, _SEEDS_NOTE.format(method=method, name=type(self).__name__))
            raise

    # -- prediction and transformation, straight from estimator_ ---------------------------
    predict = _delegate("predict", "Predict with ``estimator_``.", _X, "ndarray")
    predict_proba = _delegate(
        "predict_proba",
        "Class probabilities from ``estimator_``.",
        _X,
        "ndarray of shape (n_samples, n_classes)",
    )
    predict_log_proba = _delegate(
        "predict_log_proba",
        "Log class probabilities from ``estimator_``.",
        _X,
        "ndarray of shape (n_samples, n_classes)",
    )
    decision_function = _delegate(
        "decision_function", "Decision function of ``estimator_``.", _X, "ndarray"
    )
    score_samples = _delegate(
        "score_samples",
        "Per-sample scores of ``estimator_``.",
        _X,
        "ndarray of shape (n_samples,)",
    )
    transform = _delegate("transform", "Transform ``X`` with ``estimator_``.", _X, "array-like")
    inverse_transform = _delegate(
        "inverse_transform",
        "Undo the transformation with ``estimator_``.",
        "array-like or sparse matrix",
        "array-like",
    )

    @available_if(_estimator_has("score"))
    def score(self, X: Any, y: Any = None, **params: Any) -> float:
        """Score of ``estimator_`` on ``(X, y)``, or over the ``eval_stream`` of ``(X, y)``.

        With ``eval_stream`` set, streams every batch of the finite stream that
        ``eval_stream`` makes of ``(X, y)`` and returns the estimator's score (accuracy or
        R², weighted by the batches' ``sample_weight`` if they have one) of all of them
        together, keeping only the predictions and targets in memory.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            With ``eval_stream`` set, whatever its function takes (e.g. file paths).
        y : array-like or None, default=None
        **params
            Passed to ``estimator_.score`` (e.g. ``sample_weight``); not accepted with
            ``eval_stream`` set.

        Returns
        -------
        float

        Raises
        ------
        sklearn_stream.exceptions.EmptyStreamError
            If the evaluation stream yields no batch.
        sklearn_stream.exceptions.BatchError
            If one of its batches has no ``X`` or no target.

        Examples
        --------
        >>> from sklearn.linear_model import SGDClassifier
        >>> from sklearn_stream import Streamer
        >>> from sklearn_stream.learner import StreamLearner
        >>> def chunks(X, y, size=10):
        ...     for start in range(0, len(X), size):
        ...         yield {"X": X[start : start + size], "y": y[start : start + size]}
        >>> X = np.random.default_rng(0).normal(size=(95, 2))
        >>> y = (X[:, 0] > 0).astype(int)
        >>> model = StreamLearner(SGDClassifier(), eval_stream=Streamer(chunks), random_state=0)
        >>> model.fit(X, y).score(X, y) == model.estimator_.score(X, y)
        True
        """
        check_is_fitted(self)
        if getattr(self, "eval_stream", None) is None:
            return self._call("score", X, y, **params)
        if params:
            raise TypeError(
                f"score got {sorted(params)} while eval_stream is set: the evaluation stream "
                "makes its own batches, so put sample_weight in each batch instead."
            )
        check_data_stream(self.eval_stream, "eval_stream")
        caller = f"{type(self).__name__}.score"
        evaluation = Evaluation(self.eval_stream, self.random_state, X, y, caller)
        return streamed_score(self.estimator_, evaluation)

    @available_if(_estimator_has("get_feature_names_out"))
    def get_feature_names_out(self, input_features: Any = None) -> Any:
        """Output feature names of ``estimator_``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self)
        return self.estimator_.get_feature_names_out(input_features)

    @available_if(_can_set_output)
    def set_output(self, *, transform: str | None = None) -> Any:
        """Choose the container ``transform`` returns (``"default"``, ``"pandas"``, ...).

        The choice is kept on the learner (so :func:`~sklearn.base.clone` keeps it) and
        applied to ``estimator_`` now and whenever it is created; the wrapped ``estimator``
        is not modified.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            None leaves the configuration unchanged.

        Returns
        -------
        self
        """
        if transform is None:
            return self
        config = dict(getattr(self, "_sklearn_output_config", {}))
        config["transform"] = transform
        self._sklearn_output_config = config
        if hasattr(self, "estimator_"):
            unshare_frozen(self.estimator_)  # set_output would reach the user's frozen steps
            self.estimator_.set_output(transform=transform)
        return self

    # -- fit-and-apply ---------------------------------------------------------------------
    @available_if(_estimator_has("fit_predict"))
    def fit_predict(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        """Stream-fit on ``X`` (see :meth:`fit`), then predict ``X``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like or None, default=None
        **fit_params
            Passed to :meth:`fit`.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self.fit(X, y, **fit_params).predict(X)

    @available_if(_estimator_has("fit_transform"))
    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        """Stream-fit on ``X`` (see :meth:`fit`), then transform ``X``.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like or None, default=None
        **fit_params
            Passed to :meth:`fit`.

        Returns
        -------
        array-like
        """
        return self.fit(X, y, **fit_params).transform(X)


StreamLearner.__doc__ = StreamLearner.__doc__.replace(
    "    %(monitor_params)s", MONITOR_PARAMS_DOC
).replace("    %(monitor_attributes)s", MONITOR_ATTRIBUTES_DOC)
