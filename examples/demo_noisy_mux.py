"""Multiplex noisy streams of the Iris data set and report what was drawn, and how fast.

Four data sources draw noisy mini-batches from Iris, each with its own noise level. A ``Mux``
keeps two of them active at a time, switches after ``1 + Poisson(16)`` batches, and draws them
in proportion to ``pool_weights``. The script prints each source's share of the batches next
to its weight, then re-cuts the stream into batches of 64 samples with ``buffer_batch``.

Run it with ``python examples/demo_noisy_mux.py``.
"""

import time

import numpy as np
from sklearn.datasets import load_iris

from sklearn_stream import Mux, Streamer, batch_length, buffer_batch


def noisy_samples(X, y, batch_size=16, sigma=1.0, random_state=None):
    """Yield endless mini-batches of rows of ``X`` with Gaussian noise of scale ``sigma``."""
    rng = np.random.default_rng(random_state)
    n_samples, n_features = X.shape
    while True:
        rows = rng.integers(0, n_samples, size=batch_size)
        noise = sigma * rng.standard_normal((batch_size, n_features))
        yield {"X": X[rows] + noise, "Y": y[rows], "sigma": np.full(batch_size, sigma)}


def main(n_batches: int = 100_000) -> None:
    X, y = load_iris(return_X_y=True)
    sigmas = [0.5, 1.0, 2.0, 4.0]
    weights = np.array([4.0, 3.0, 2.0, 1.0])
    pool = [Streamer(noisy_samples, X, y, sigma=s, random_state=i) for i, s in enumerate(sigmas)]
    source = Mux(pool, 2, lam=16, pool_weights=weights, random_state=0)
    print(source)

    start = time.perf_counter()
    drawn = dict.fromkeys(sigmas, 0)
    n_samples = 0
    for batch in source.generate(max_batches=n_batches):
        drawn[float(batch["sigma"][0])] += 1
        n_samples += batch_length(batch)
    elapsed = time.perf_counter() - start

    print(
        f"\n{n_batches} batches ({n_samples} samples) in {elapsed:.2f} s: "
        f"{n_batches / elapsed:,.0f} batches/s, {n_samples / elapsed:,.0f} samples/s"
    )
    print(f"\n{'sigma':>6} {'weight share':>13} {'drawn share':>12}")
    for sigma, weight in zip(sigmas, weights / weights.sum()):
        print(f"{sigma:>6.1f} {weight:>13.3f} {drawn[sigma] / n_batches:>12.3f}")

    sizes = [batch_length(b) for b in buffer_batch(source.generate(max_batches=100), 64)]
    print(
        f"\n100 batches of 16 re-cut into batches of 64: {len(sizes)} batches, sizes {sizes[:3]}"
        f" ... last {sizes[-1]}"
    )


if __name__ == "__main__":
    main()
