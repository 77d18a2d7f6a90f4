"""Plots of training runs (need matplotlib: ``python -m pip install matplotlib``, or
``python -m pip install -e '.[plot]'`` in the repository)."""

from typing import Any

from sklearn.utils.validation import check_is_fitted

__all__ = ["plot_history"]


def plot_history(learner: Any, ax: Any = None, *, x: str = "n_samples", **kwargs: Any) -> Any:
    """Draw the learning curve recorded in ``learner.history_``.

    Parameters
    ----------
    learner : StreamLearner
        A learner fitted with ``validation_data``, so that its ``history_`` holds scores.
    ax : matplotlib Axes or None, default=None
        Where to draw; None draws on the current Axes (``matplotlib.pyplot.gca()``).
    x : {"n_samples", "n_batches", "time"}, default="n_samples"
        What the horizontal axis shows: samples seen, batches seen, or wall time (s).
    **kwargs
        Passed to matplotlib's ``Axes.plot``, e.g. ``label="alpha=1e-4"`` to tell
        several learners apart in a legend, ``color``, ``linestyle`` or ``marker``. They
        override the defaults ``marker="o"``, ``markersize=3`` and
        ``label="validation score"``.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``learner`` is not fitted yet.
    ImportError
        If matplotlib is not installed.
    ValueError
        If ``learner`` has no recorded scores (it was not fitted with ``validation_data``),
        or ``x`` is not one of the names above.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import SGDClassifier
    >>> from sklearn_stream import StreamLearner, plot_history
    >>> X, y = load_iris(return_X_y=True)
    >>> learner = StreamLearner(SGDClassifier(random_state=0), batch_size=16, n_epochs=3,
    ...                         validation_data=(X, y), eval_every=5, random_state=0)
    >>> ax = plot_history(learner.fit(X, y))
    >>> ax.get_xlabel(), len(ax.lines[0].get_xdata()) == len(learner.history_["score"])
    ('samples seen', True)
    >>> line = plot_history(learner, ax, label="SGD", color="red", marker="s").lines[-1]
    >>> line.get_label(), line.get_color(), line.get_marker()
    ('SGD', 'red', 's')
    """
    labels = {"n_samples": "samples seen", "n_batches": "batches seen", "time": "wall time (s)"}
    if x not in labels:
        raise ValueError(f"x must be one of {sorted(labels)}; got {x!r}.")
    check_is_fitted(learner)
    history = getattr(learner, "history_", None)
    if not history or not history.get("score"):
        raise ValueError(
            "the learner has no recorded validation scores: fit it with "
            "validation_data=(X_val, y_val) so that history_ is filled."
        )
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "plot_history needs matplotlib: python -m pip install matplotlib (or, in the "
            "repository, python -m pip install -e '.[plot]')"
        ) from None
    if ax is None:
        ax = plt.gca()
    style = {"marker": "o", "markersize": 3, "label": "validation score", **kwargs}
    ax.plot(history[x], history["score"], **style)
    ax.set_xlabel(labels[x])
    ax.set_ylabel("validation score")
    ax.grid(True, alpha=0.3)
    return ax
