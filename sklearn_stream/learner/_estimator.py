"""``StreamLearner``: train any scikit-learn estimator with ``partial_fit`` from a stream.

The design (kinds that follow the estimator, one training loop for ``fit``, ``iter_fit``
and the ``stream`` parameter, streamed scoring) is described in ``doc/architecture.rst``.
"""

from numbers import Integral
from typing import Any, ClassVar

from sklearn.base import BaseEstimator, ClusterMixin, MetaEstimatorMixin, _fit_context
from sklearn.utils import check_random_state, indexable
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import _num_samples

from ._array_source import ArraySource, split_sample_params
from ._base import TrainingHelpers
from ._delegation import DelegatedMethods
from ._fit_data import fit_data_stream
from ._monitor import MONITOR_ATTRIBUTES_DOC, MONITOR_CONSTRAINTS, MONITOR_PARAMS_DOC
from ._scoring import check_scorable_fit, stream_scorer
from ._training import find_classes, open_stream, target_required, wants_classes

__all__ = ["StreamLearner", "stream_scorer"]

_CONSTANT_PARAMS = frozenset({"classes"})
_BATCH_FIELDS = frozenset({"sample_weight"})


class StreamLearner(TrainingHelpers, DelegatedMethods, MetaEstimatorMixin, BaseEstimator):
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
        Any estimator with ``partial_fit``. It is cloned into ``estimator_``; the object
        given is never modified.
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
        Controls the shuffling in :meth:`fit` and, when not None, seeds every
        ``random_state`` parameter of the wrapped estimator that is left at None (those
        set by the user are kept), so that an int makes :meth:`fit` and :meth:`iter_fit`
        reproducible: fitting twice gives identical models.
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
        ``random_state`` is not None, a seed derived from it is passed. With
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
    """

    _parameter_constraints: ClassVar[dict] = {
        "estimator": [HasMethods(["partial_fit"])],
        "max_batches": [Interval(Integral, 1, None, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_epochs": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
        "stream": [None, callable, HasMethods(["generate"])],
        "eval_stream": [None, callable, HasMethods(["generate"])],
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
        self.validation_data = validation_data
        self.eval_every = eval_every
        self.scoring = scoring
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.verbose = verbose

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name == "estimator":
            from ._kinds import KIND_CLASSES, kind_for

            kind = kind_for(value) if type(self) in KIND_CLASSES else None
            if kind is not None:
                object.__setattr__(self, "__class__", kind)

    # -- training ------------------------------------------------------------------------
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
        if "sample_weight" in partial_fit_params:
            raise TypeError(
                "iter_fit got sample_weight, which differs from batch to batch: put it in each "
                "batch instead ({'X': ..., 'Y': ..., 'sample_weight': ...} or (X, y, w))."
            )
        self._check_streams()
        with self._exclusive("iter_fit"):
            iterator, owned = open_stream(stream, self.max_batches)
            try:
                if "classes" not in partial_fit_params and self._needs_classes():
                    raise ValueError(
                        f"{type(self).__name__}.iter_fit needs the classes: "
                        f"{type(self.estimator).__name__}.partial_fit must be given every "
                        "class on its first call, and a stream cannot be read ahead to find "
                        "them. Pass them as iter_fit(stream, classes=[...]), e.g. "
                        "classes=[0, 1, 2]."
                    )
                self._train(iterator, dict(partial_fit_params), _BATCH_FIELDS, "the stream")
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
        check_scorable_fit(self, X)
        params = self._route("fit", fit_params)
        if y is not None and "classes" not in params and wants_classes(self.estimator):
            params["classes"] = find_classes(y)
        with self._exclusive("fit"):
            if self.stream is not None:
                fit_data_stream(self, X, y, params)
            else:
                self._fit_arrays(X, y, params, n_samples)
        return self

    def _fit_arrays(self, X: Any, y: Any, params: dict, n_samples: int) -> None:
        per_sample, constant = split_sample_params(params, n_samples, _CONSTANT_PARAMS)
        rng = check_random_state(self.random_state)
        source = ArraySource(X, y, per_sample, self.batch_size, self.n_epochs, self.shuffle, rng)
        batches = source.generate(self.max_batches)
        self._train(batches, constant, frozenset(per_sample), "fit", from_stream=False)
        if isinstance(self, ClusterMixin) and hasattr(self.estimator_, "predict"):
            self.labels_ = self.estimator_.predict(X)

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
            estimator.partial_fit(X, y, **params)
            if first:
                self.estimator_ = estimator
                self.n_batches_seen_ = self.n_samples_seen_ = 0
            self.__dict__.pop("labels_", None)  # estimator_'s labels_ are of this X now
            self._labels_unknown = False
            self.n_batches_seen_ += 1
            self.n_samples_seen_ += _num_samples(X)
        return self


StreamLearner.__doc__ = StreamLearner.__doc__.replace(
    "    %(monitor_params)s", MONITOR_PARAMS_DOC
).replace("    %(monitor_attributes)s", MONITOR_ATTRIBUTES_DOC)
