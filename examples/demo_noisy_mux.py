"""Train a classifier from a mux of noisy streams, and report what was drawn and how fast.

Four data sources draw noisy mini-batches from the training part of Iris, each with its own
noise level. A ``Mux`` keeps two of them active at a time, switches after ``1 + Poisson(16)``
batches, and draws them in proportion to ``pool_weights``. The script

1. prints each source's share of 100,000 drawn batches next to its weight, and the speed;
2. trains ``StreamLearner(SGDClassifier())`` on 2,000 batches of the mux (the seed
   documentation's advanced example) and prints the accuracy on held-out Iris rows.

Run it with ``python examples/demo_noisy_mux.py``.
"""

import time

import numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_stream import Mux, Streamer, StreamLearner, batch_length

SIGMAS = [0.25, 0.5, 1.0, 2.0]
WEIGHTS = np.array([4.0, 3.0, 2.0, 1.0])


def noisy_samples(X, y, batch_size=16, sigma=1.0, tag=False, random_state=None):
    """Yield endless mini-batches of rows of ``X`` with Gaussian noise of scale ``sigma``.

    With ``tag=True`` each batch also says which ``sigma`` it came from.
    """
    rng = np.random.default_rng(random_state)
    n_samples, n_features = X.shape
    while True:
        rows = rng.integers(0, n_samples, size=batch_size)
        noise = sigma * rng.standard_normal((batch_size, n_features))
        batch = {"X": X[rows] + noise, "Y": y[rows]}
        if tag:
            batch["sigma"] = np.full(batch_size, sigma)
        yield batch


def noisy_mux(X, y, tag=False):
    pool = [
        Streamer(noisy_samples, X, y, sigma=s, tag=tag, random_state=i)
        for i, s in enumerate(SIGMAS)
    ]
    return Mux(pool, 2, lam=16, pool_weights=WEIGHTS, random_state=0)


def report_draws(source, n_batches):
    start = time.perf_counter()
    drawn = dict.fromkeys(SIGMAS, 0)
    n_samples = 0
    for batch in source.generate(max_batches=n_batches):
        drawn[float(batch["sigma"][0])] += 1
        n_samples += batch_length(batch)
    elapsed = time.perf_counter() - start
    print(
        f"drew {n_batches} batches ({n_samples} samples) in {elapsed:.2f} s: "
        f"{n_batches / elapsed:,.0f} batches/s, {n_samples / elapsed:,.0f} samples/s"
    )
    print(f"{'sigma':>6} {'weight share':>13} {'drawn share':>12}")
    for sigma, weight in zip(SIGMAS, WEIGHTS / WEIGHTS.sum()):
        print(f"{sigma:>6.2f} {weight:>13.3f} {drawn[sigma] / n_batches:>12.3f}")


def main(n_batches: int = 100_000, n_train_batches: int = 2_000) -> float:
    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

    print(noisy_mux(X_train, y_train))
    report_draws(noisy_mux(X_train, y_train, tag=True), n_batches)

    learner = StreamLearner(SGDClassifier(random_state=0), max_batches=n_train_batches)
    start = time.perf_counter()
    learner.iter_fit(noisy_mux(X_train, y_train), classes=np.unique(y))
    elapsed = time.perf_counter() - start
    accuracy = learner.score(X_test, y_test)
    print(
        f"\ntrained StreamLearner({type(learner.estimator).__name__}) on "
        f"{learner.n_batches_seen_} batches "
        f"({learner.n_samples_seen_} noisy samples) in {elapsed:.2f} s"
    )
    print(f"test accuracy on {len(y_test)} held-out Iris rows: {accuracy:.3f}")
    return accuracy


if __name__ == "__main__":
    main()
