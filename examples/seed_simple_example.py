"""The seed documentation's "Simple example": train a classifier from an endless noisy stream.

``noisy_samples`` draws random mini-batches of the Iris data set and adds Gaussian noise to
the features. ``StreamLearner`` trains an ``SGDClassifier`` on the first 1000 batches of that
endless stream (``max_batches`` bounds it) and the script prints the accuracy on a held-out
10% of Iris.

Differences from pescador 0.1.3's text: ``pescador`` is ``sklearn_stream``; ``ShuffleSplit``
comes from ``sklearn.model_selection``; the typos are fixed (``size=m`` is ``batch_size``, the
``for`` line has its colon); and all randomness is seeded, so the printed accuracy is the same
on every run.

Run it with ``python examples/seed_simple_example.py``.
"""

import numpy as np
import sklearn.datasets
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score
from sklearn.model_selection import ShuffleSplit

from sklearn_stream import StreamLearner


def noisy_samples(X, Y, batch_size=16, sigma=1.0, random_state=None):
    """Generate an infinite stream of noisy samples from a labeled dataset.

    Parameters
    ----------
    X : np.ndarray, shape=(n, d)
        Features
    Y : np.ndarray, shape=(n,)
        Labels
    batch_size : int > 0
        Size of the batches to generate
    sigma : float > 0
        Scale of the additive noise
    random_state : None, int or numpy.random.Generator
        Seeds the draws (a Generator is used, and advanced, as it is)

    Yields
    ------
    batch : dict with "X" and "Y"
    """
    rng = np.random.default_rng(random_state)
    n, d = X.shape
    while True:
        i = rng.integers(0, n, size=batch_size)
        noise = sigma * rng.standard_normal((batch_size, d))
        yield {"X": X[i] + noise, "Y": Y[i]}


def main() -> float:
    # Load the Iris dataset
    data = sklearn.datasets.load_iris()
    X, Y = data.data, data.target

    # Get the space of class labels
    classes = np.unique(Y)

    # Generate a single 90/10 train/test split
    for train, test in ShuffleSplit(n_splits=1, test_size=0.1, random_state=0).split(X):
        # Instantiate a linear classifier
        estimator = SGDClassifier(random_state=0)

        # Wrap the estimator object in a stream learner
        model = StreamLearner(estimator, max_batches=1000)

        # Build a data stream
        batch_stream = noisy_samples(X[train], Y[train], random_state=0)

        # Fit the model to the stream
        model.iter_fit(batch_stream, classes=classes)

        # And report the accuracy
        accuracy = accuracy_score(Y[test], model.predict(X[test]))
        print(f"Test accuracy: {accuracy:.3f}")
    return accuracy


if __name__ == "__main__":
    main()
