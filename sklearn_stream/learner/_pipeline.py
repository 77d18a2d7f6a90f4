"""Training a scikit-learn ``Pipeline`` from a stream, one batch at a time.

``Pipeline`` has no ``partial_fit``. :class:`PipelineTrainer` gives it one: each step learns
the batch as it reaches that step, then transforms it for the next step; the last step
learns it with the fit parameters meant for it. A step can learn from a stream when it

- has ``partial_fit`` (``StandardScaler``, ``MinMaxScaler``, ``IncrementalPCA``, ...);
- has no ``partial_fit`` but needs no fitting, as its tags say (``FeatureHasher``,
  ``FunctionTransformer``, ``Normalizer``, ...): it is fitted once, on the first batch, and
  then only transforms (``HashingVectorizer``'s ``partial_fit`` does nothing);
- is ``"passthrough"`` or None, or a fitted step wrapped in
  :class:`~sklearn.frozen.FrozenEstimator`, which only transforms;
- is a ``ColumnTransformer``, a ``FeatureUnion`` or a ``Pipeline`` made of such steps.

Everything is trained in place: the learner clones the whole pipeline once, when training
starts, and that clone becomes ``estimator_``.
"""

import copy
from typing import Any

from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils import _safe_indexing, get_tags
from sklearn.utils.metadata_routing import get_routing_for_object

__all__ = [
    "PipelineTrainer",
    "check_streamable",
    "check_unrouted",
    "final_params_unprefixed",
    "final_step",
    "learns_before_last",
    "routed_steps",
    "split_params",
    "step_names",
    "unshare_frozen",
]

_IDENTITY = ("passthrough", None)
_DROPPED = ("drop", "passthrough", None)


def final_step(estimator: Any) -> Any:
    """The estimator that ends ``estimator``: the last step of a Pipeline (of the last
    nested Pipeline); ``estimator`` itself for anything else.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> final_step(make_pipeline(StandardScaler(), make_pipeline(SGDClassifier())))
    SGDClassifier()
    """
    while isinstance(estimator, Pipeline):
        estimator = estimator.steps[-1][1]
    return estimator


def step_names(pipeline: Pipeline) -> list:
    """The names of the top-level steps of ``pipeline`` that take fit parameters: those
    trained by their own ``partial_fit`` (not composite or frozen)."""
    return [name for name, step in pipeline.steps if not _composite(step) and _takes_params(step)]


def _composite(step: Any) -> bool:
    return isinstance(step, (Pipeline, ColumnTransformer, FeatureUnion))


def _stateless(step: Any) -> bool:
    """Whether ``step`` only transforms: it needs no fitting, or is frozen."""
    return isinstance(step, FrozenEstimator) or not get_tags(step).requires_fit


def _children(step: Any) -> list:
    """``(name, child)`` of a composite step, without the dropped and passthrough ones."""
    if isinstance(step, Pipeline):
        return [(name, child) for name, child in step.steps if child not in _IDENTITY]
    if isinstance(step, FeatureUnion):
        return [(name, child) for name, child in step.transformer_list if child not in _DROPPED]
    children = [(name, child) for name, child, _ in step.transformers if child not in _DROPPED]
    if step.remainder not in _DROPPED:
        children.append(("remainder", step.remainder))
    return children


def check_streamable(estimator: Any, path: str = "estimator") -> None:
    """Raise if a step of the pipeline ``estimator`` cannot learn from a stream.

    Parameters
    ----------
    estimator : Pipeline, ColumnTransformer, FeatureUnion or estimator
        Checked step by step, nested composites included.
    path : str, default="estimator"
        How the error names ``estimator``: the parameter path of a step
        (``estimator__columntransformer__num``), as ``set_params`` would take it.

    Raises
    ------
    TypeError
        Naming the first step that has no ``partial_fit`` and needs fitting, and saying
        which steps can learn from a stream.

    Examples
    --------
    >>> from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> check_streamable(make_pipeline(HashingVectorizer(), SGDClassifier()))
    >>> check_streamable(make_pipeline(TfidfTransformer(), SGDClassifier()))
    Traceback (most recent call last):
    ...
    TypeError: step 'tfidftransformer' (estimator__tfidftransformer) of the pipeline is a ...
    """
    if _composite(estimator):
        for name, child in _children(estimator):
            check_streamable(child, f"{path}__{name}")
        return
    if estimator in _IDENTITY or hasattr(estimator, "partial_fit") or _stateless(estimator):
        return
    name = path.rsplit("__", 1)[-1]
    raise TypeError(
        f"step {name!r} ({path}) of the pipeline is a {type(estimator).__name__}, which has "
        "no partial_fit and needs fitting, so it cannot learn from a stream. Every step "
        "must have partial_fit (StandardScaler, MinMaxScaler, MaxAbsScaler, IncrementalPCA, "
        "...), need no fitting (HashingVectorizer, FeatureHasher, FunctionTransformer, "
        "Normalizer, ...), or be 'passthrough'; ColumnTransformer, FeatureUnion and "
        "Pipeline steps may hold such steps. A step fitted beforehand can be wrapped in "
        "sklearn.frozen.FrozenEstimator to be used as it is."
    )


def _learn(step: Any, X: Any, y: Any, params: dict, first: bool) -> None:
    """Let ``step`` learn one batch (a composite step: each of its steps)."""
    if params and not _takes_params(step):
        raise ValueError(
            f"fit parameters {sorted(params)} were given to a step that takes none while it "
            f"learns from a stream: {step!r} (only steps with partial_fit take them)."
        )
    if isinstance(step, Pipeline):
        _learn_steps(step, X, y, params, first)
    elif isinstance(step, FeatureUnion):
        for _, child in _children(step):
            _learn(child, X, y, {}, first)
    elif isinstance(step, ColumnTransformer):
        _learn_columns(step, X, y, first)
    elif isinstance(step, FrozenEstimator) or step in _IDENTITY:
        pass
    elif hasattr(step, "partial_fit"):
        step.partial_fit(X, y, **params)
    elif first:  # needs no fitting (check_streamable made sure): fitted once
        step.fit(X, y)


def _takes_params(step: Any) -> bool:
    """Whether ``step`` is given fit parameters: it learns with its own ``partial_fit``,
    or it is a pipeline whose last step does."""
    if isinstance(step, Pipeline):
        return _takes_params(step.steps[-1][1])
    if _composite(step) or step in _IDENTITY or isinstance(step, FrozenEstimator):
        return False
    return hasattr(step, "partial_fit")


def split_params(pipeline: Pipeline, params: dict) -> tuple[dict, dict]:
    """``(step params, last step's params)`` of ``params`` given to ``pipeline``:
    ``name__param`` keys go to the step ``name``, the others to the last step.

    Raises
    ------
    ValueError
        If a prefixed key names no step that takes fit parameters, or a parameter of the
        last step is given twice (with and without its prefix).
    """
    names = step_names(pipeline)
    final_name = pipeline.steps[-1][0]
    steps: dict = {name: {} for name in names}
    final: dict = {}
    for key, value in params.items():
        name, sep, param = key.partition("__")
        if not sep or name == final_name:
            _put_once(final, param or name, value, key)
        elif name in steps:
            steps[name][param] = value
        else:
            raise ValueError(
                f"fit parameter {key!r} names no step that takes fit parameters; those of "
                f"this pipeline are {names} and its last step, {final_name!r}. Pass step "
                "parameters as step_name__parameter, and the last step's with or without "
                "its prefix."
            )
    return steps, final


def _learn_steps(pipeline: Pipeline, X: Any, y: Any, params: dict, first: bool) -> None:
    """Let the steps of a nested pipeline learn the batch, each transforming it for the
    next, with the parameters meant for each."""
    steps_params, final_params = split_params(pipeline, params)
    *before, (_, final) = pipeline.steps
    for name, child in before:
        X = _learn_transform(child, X, y, steps_params.get(name, {}), first)
    _learn(final, X, y, final_params, first)


def _learn_transform(step: Any, X: Any, y: Any, params: dict, first: bool) -> Any:
    """Let ``step`` learn the batch ``X``, then return the batch it makes of it."""
    _learn(step, X, y, params, first)
    return X if step in _IDENTITY else step.transform(X)


def _learn_columns(transformer: ColumnTransformer, X: Any, y: Any, first: bool) -> None:
    """Let each transformer of ``transformer`` learn its columns of the batch ``X``.

    On the first batch, ``fit`` sets up what ``transform`` needs (which columns go where,
    the output's width and sparsity); its fitted transformers are then replaced by fresh
    ones that learned the batch as every later batch is learned.
    """
    if first:
        transformer.fit(X, y)
    fitted = []
    for name, step, columns in transformer.transformers_:
        if step not in _DROPPED:
            part = _safe_indexing(X, columns, axis=1)
            if _width(part):
                if first and not isinstance(step, FrozenEstimator):
                    step = clone(step)
                _learn(step, part, y, {}, first)
        fitted.append((name, step, columns))
    transformer.transformers_ = fitted


def _width(part: Any) -> int:
    shape = getattr(part, "shape", None)
    return 1 if shape is None or len(shape) < 2 else shape[1]


def _transform(pipeline_steps: list, X: Any) -> Any:
    for _, step in pipeline_steps:
        if step not in _IDENTITY:
            X = step.transform(X)
    return X


def final_params_unprefixed(pipeline: Pipeline, params: dict) -> dict:
    """``params`` with the prefixes that lead to the last estimator taken off its
    parameters: ``sgdclassifier__classes`` and, when the last step is a nested pipeline,
    ``pipeline__sgdclassifier__classes`` become ``classes`` (so the learner sees
    ``classes`` however it was given). Other keys are kept.

    Raises
    ------
    ValueError
        If a parameter of the last estimator is given twice.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> pipeline = make_pipeline(StandardScaler(), SGDClassifier())
    >>> final_params_unprefixed(pipeline, {"sgdclassifier__classes": [0, 1], "a__b": 1})
    {'classes': [0, 1], 'a__b': 1}
    """
    result: dict = {}
    for key, value in params.items():
        name = _last_estimators_param(pipeline, key)
        _put_once(result, key if name is None else name, value, key)
    return result


def _last_estimators_param(pipeline: Pipeline, key: str) -> str | None:
    """The parameter of the last estimator that ``key`` names through the last steps'
    prefixes; None if ``key`` has such a prefix for another step."""
    estimator, rest = pipeline, key
    while isinstance(estimator, Pipeline) and rest.startswith(estimator.steps[-1][0] + "__"):
        rest = rest[len(estimator.steps[-1][0]) + 2 :]
        estimator = estimator.steps[-1][1]
    return rest if "__" not in rest else None


def _put_once(params: dict, name: str, value: Any, key: str) -> None:
    if name in params:
        raise ValueError(
            f"fit parameter {name!r} was given twice (also as {key!r}); give it once."
        )
    params[name] = value


def _learns(step: Any) -> bool:
    """Whether training changes ``step`` (or one of its steps)."""
    if _composite(step):
        return any(_learns(child) for _, child in _children(step))
    return not (step in _IDENTITY or _stateless(step))


def learns_before_last(pipeline: Pipeline) -> bool:
    """Whether a step before the last one of ``pipeline`` learns from the batches."""
    return any(_learns(step) for _, step in pipeline.steps[:-1])


def _leaves(step: Any, path: str) -> list:
    """``(path, estimator)`` of every non-composite step inside ``step``."""
    if not _composite(step):
        return [] if step in _IDENTITY else [(path, step)]
    return [leaf for name, child in _children(step) for leaf in _leaves(child, f"{path}__{name}")]


def routed_steps(pipeline: Pipeline) -> dict:
    """The estimators metadata is routed to, by top-level step name: the steps trained by
    their own ``partial_fit``, and the last estimator of a nested pipeline that ends
    ``pipeline``."""
    routed = {name: step for name, step in pipeline.steps if name in step_names(pipeline)}
    name, last = pipeline.steps[-1]
    if isinstance(last, Pipeline) and _takes_params(last):
        routed[name] = final_step(last)
    return routed


def check_unrouted(pipeline: Pipeline, params: dict) -> None:
    """Raise if a step inside a composite step requested some of ``params`` for
    ``partial_fit``: metadata is routed to the top-level steps only.

    Raises
    ------
    ValueError
        Naming the step and the metadata it requested.
    """
    routed = [id(step) for step in routed_steps(pipeline).values()]
    for name, step in pipeline.steps:
        if not _composite(step):
            continue
        for path, leaf in _leaves(step, f"estimator__{name}"):
            if id(leaf) in routed or not hasattr(leaf, "get_metadata_routing"):
                continue
            wanted = get_routing_for_object(leaf).consumes("partial_fit", list(params))
            if wanted:
                raise ValueError(
                    f"{path} requested {sorted(wanted)} for partial_fit, but while a pipeline "
                    "learns from a stream, metadata is routed to its top-level steps only, "
                    "not to steps inside a ColumnTransformer, FeatureUnion or nested "
                    "Pipeline. Set the request on a top-level step, or leave it unset."
                )


def unshare_frozen(estimator: Any) -> None:
    """Replace each FrozenEstimator inside the composite ``estimator`` by a copy.

    ``clone`` keeps a frozen step shared with the pipeline it came from, and ``set_output``
    on a FrozenEstimator changes the estimator it wraps: a copy keeps the user's as it is.
    """
    if isinstance(estimator, Pipeline):
        steps = estimator.steps
    elif isinstance(estimator, FeatureUnion):
        steps = estimator.transformer_list
    elif isinstance(estimator, ColumnTransformer):
        steps = estimator.transformers
        if isinstance(estimator.remainder, FrozenEstimator):
            estimator.remainder = copy.deepcopy(estimator.remainder)
    else:
        return
    for position, (name, step, *rest) in enumerate(steps):
        if isinstance(step, FrozenEstimator):
            steps[position] = (name, copy.deepcopy(step), *rest)
        else:
            unshare_frozen(step)


class PipelineTrainer:
    """``partial_fit`` for a ``Pipeline``, which has none.

    Parameters
    ----------
    pipeline : Pipeline
        Trained in place.
    n_batches_seen : int
        Batches the pipeline learned before (0 for a fresh one): stateless steps are
        fitted on the first batch only, and ``preprocessing_batches`` counts from the
        pipeline's first batch.
    preprocessing_batches : int or None
        The pipeline's first ``preprocessing_batches`` batches train only the steps before
        the last; the later ones only go through those steps (frozen) and train the last.
        None: every batch trains every step.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import SGDRegressor
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> pipeline = make_pipeline(StandardScaler(), SGDRegressor(random_state=0))
    >>> trainer = PipelineTrainer(pipeline, 0, None)
    >>> X = np.arange(20.0).reshape(10, 2)
    >>> trainer.partial_fit(X, X.sum(axis=1))
    >>> int(pipeline.named_steps["standardscaler"].n_samples_seen_)
    10
    """

    def __init__(self, pipeline: Pipeline, n_batches_seen: int, preprocessing_batches: Any):
        self.pipeline = pipeline
        self.n_batches = n_batches_seen
        self.preprocessing = preprocessing_batches
        # whether the last step had its first batch: preprocessing is then over for good
        self.final_started = n_batches_seen > (preprocessing_batches or 0)
        # classes given during the preprocessing batches, for the last step's first call
        self.held_classes: Any = None

    def set_preprocessing(self, preprocessing_batches: Any) -> None:
        """Take a new ``preprocessing_batches``, before the last step started.

        Raises
        ------
        ValueError
            If it changes once the last step has been trained.
        """
        if preprocessing_batches != self.preprocessing and self.final_started:
            raise ValueError(
                f"preprocessing_batches changed from {self.preprocessing!r} to "
                f"{preprocessing_batches!r} after the pipeline's last step started training; "
                "it applies to a pipeline's first batches only. Train a fresh pipeline "
                "(warm_start=False) to use the new value."
            )
        self.preprocessing = preprocessing_batches

    def partial_fit(self, X: Any, y: Any = None, **params: Any) -> None:
        """Train the pipeline on one batch (see the class docstring)."""
        steps_params, final_params = split_params(self.pipeline, params)
        first = self.n_batches == 0
        preprocessing = (
            not self.final_started
            and self.preprocessing is not None
            and self.n_batches < self.preprocessing
        )
        frozen = self.preprocessing is not None and not preprocessing
        *before, (_, final) = self.pipeline.steps
        if frozen:
            Xt = _transform(before, X)
        else:
            Xt = X
            for position, (name, step) in enumerate(before):
                params_of_step = steps_params.get(name, {})
                if preprocessing and position == len(before) - 1:
                    _learn(step, Xt, y, params_of_step, first)  # no step after it learns
                else:
                    Xt = _learn_transform(step, Xt, y, params_of_step, first)
        if preprocessing:
            self.held_classes = final_params.get("classes", self.held_classes)
        else:
            if not self.final_started and self.held_classes is not None:
                final_params.setdefault("classes", self.held_classes)
            _learn(final, Xt, y, final_params, not self.final_started)
            self.final_started = True
        self.n_batches += 1
