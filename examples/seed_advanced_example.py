"""The seed documentation's "Advanced example": train from a mux of noisy streams.

Four data sources draw noisy mini-batches of Iris, each with its own noise scale ``sigma``.
``mux`` keeps two of them active at a time, replaces an active one after ``1 + Poisson(16)``
batches, and yields 1000 batches in total; ``StreamLearner`` trains an ``SGDClassifier`` on
them and the script prints the accuracy on a held-out 10% of Iris.

Differences from pescador 0.1.3's text: ``pescador`` is ``sklearn_stream``; ``ShuffleSplit``
comes from ``sklearn.model_selection``; the seeds of the mux are data sources
(``Streamer(noisy_samples, X[train], Y[train], sigma=sigma)``), because a generator object
runs only once and a mux must be able to restart its seeds; the ``for`` loop's colon and
indentation are fixed; and all randomness is seeded, so the printed accuracy is the same on
every run (the seeds share one ``numpy.random.Generator``, so a re-activated seed continues
drawing fresh noise rather than repeating itself).

Run it with ``python examples/seed_advanced_example.py``.
"""

import numpy as np
import sklearn.datasets
from seed_simple_example import noisy_samples
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score
from sklearn.model_selection import ShuffleSplit

import sklearn_stream
from sklearn_stream import StreamLearner


def main() -> float:
    data = sklearn.datasets.load_iris()
    X, Y = data.data, data.target
    classes = np.unique(Y)
    noise = np.random.default_rng(0)  # shared by the seeds: one seeded noise sequence

    for train, test in ShuffleSplit(n_splits=1, test_size=0.1, random_state=0).split(X):
        # Instantiate a linear classifier
        estimator = SGDClassifier(random_state=0)

        # Wrap the estimator object in a stream learner
        model = StreamLearner(estimator, max_batches=1000)

        # Build a collection of streams with different variance scales
        streams = [
            sklearn_stream.Streamer(
                noisy_samples, X[train], Y[train], sigma=sigma, random_state=noise
            )
            for sigma in [0.5, 1.0, 2.0, 4.0]
        ]

        # Build a mux stream, keeping only 2 streams alive at once
        batch_stream = sklearn_stream.mux(
            streams,
            1000,  # Generate 1000 batches in total
            2,  # Keep 2 streams alive at once
            lam=16,  # Use a poisson rate of 16
            random_state=0,
        )

        # Fit the model to the stream
        model.iter_fit(batch_stream, classes=classes)

        # And report the accuracy
        accuracy = accuracy_score(Y[test], model.predict(X[test]))
        print(f"Test accuracy: {accuracy:.3f}")
    return accuracy


if __name__ == "__main__":
    main()
