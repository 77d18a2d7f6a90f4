"""
Successive halving that keeps training the survivors
====================================================

:class:`~sklearn_stream.model_selection.StreamHalvingSearchCV` tunes a streaming learner
by successive halving, with the number of batches trained as the resource: every
candidate trains on a few batches of each fold and is scored, the best third go on, and so
on. Unlike scikit-learn's :class:`~sklearn.model_selection.HalvingGridSearchCV`, which
retrains each survivor from scratch at every round, it *continues* the survivors from
where they stopped, on the next batches of the same stream, and the candidates that
stream the same batches share one read of the stream. The scores are the same
(continuing is exact), the work is not.

Here 27 candidates of an ``SGDClassifier`` (``alpha`` x ``eta0`` x ``penalty``) are tuned
on 20,000 rows of 20 features on scales from 0.1 to 10 (labels from a noisy linear rule),
with 3 folds, from 3 to 81 batches of 128 rows, each fold's batches streamed by a
generator function. The figure draws each candidate's cross-validated accuracy against
the batches it trained on, one line per candidate through the rounds it reached: the
picture familiar from the Hyperband papers.
"""

from collections import Counter

import matplotlib.pyplot as plt
import numpy as np
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import HalvingGridSearchCV, KFold

from sklearn_stream import Streamer, StreamLearner
from sklearn_stream.model_selection import StreamHalvingSearchCV

READS = Counter()  # how often the streams start, and the batches they yield


def shuffled_batches(X, y, batch_size=128, random_state=None):
    """Batches of a fold's rows, epoch after epoch, shuffled afresh each epoch."""
    rng = np.random.default_rng(random_state)
    READS["starts"] += 1
    while True:
        order = rng.permutation(len(X))
        for start in range(0, len(X) - batch_size + 1, batch_size):
            rows = order[start : start + batch_size]
            READS["batches"] += 1
            yield {"X": X[rows], "y": y[rows]}


rng = np.random.default_rng(0)
X = rng.normal(size=(20_000, 20)) * np.logspace(-1, 1, 20)  # unscaled: the step size matters
coef = rng.normal(size=20) * (rng.random(20) < 0.6)  # about 12 features matter
y = (X @ coef + rng.normal(size=20_000) > 0).astype(int)
learner = StreamLearner(
    SGDClassifier(learning_rate="constant"), stream=Streamer(shuffled_batches), random_state=0
)
grid = {
    "estimator__alpha": [1e-5, 1e-3, 1e-1],
    "estimator__eta0": [1e-4, 1e-3, 1e-2],
    "estimator__penalty": ["l2", "l1", "elasticnet"],
}
settings = {"factor": 3, "cv": KFold(3)}

search = StreamHalvingSearchCV(learner, grid, min_batches=3, max_batches=81, **settings)
search.fit(X, y, classes=[0, 1])
ours = dict(READS)
print(f"rounds: {search.n_candidates_} candidates on {search.n_resources_} batches")
print(f"best: {search.best_params_}, accuracy {search.best_score_:.3f}")

# %%
# The same search, retraining from scratch
# ----------------------------------------
# ``HalvingGridSearchCV(resource="max_batches")`` with the same grid, rounds and folds
# chooses the same survivors and the same winner from the same scores, but each of its
# fits starts its fold's stream again and trains from the first batch.

READS.clear()
theirs = HalvingGridSearchCV(
    learner,
    grid,
    resource="max_batches",
    min_resources=3,
    max_resources=81,
    return_train_score=False,
    **settings,
).fit(X, y, classes=[0, 1])
same = np.array_equal(search.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"])
print(f"same scores: {same}, same winner: {search.best_params_ == theirs.best_params_}")

# Batches trained over the three folds, without the final refit (one fit of the winner).
trained = search.n_batches_trained_
trained_theirs = theirs.n_splits_ * int(np.sum(theirs.cv_results_["n_resources"]))
starts = ours["starts"] - 1  # the refit starts one stream too
starts_theirs = READS["starts"] - 1
comparison = (
    f"batches trained: {trained:,} instead of {trained_theirs:,} "
    f"({1 - trained / trained_theirs:.0%} fewer)\n"
    f"streams started: {starts} instead of {starts_theirs}\n"
    f"batches read: {ours['batches']:,} instead of {READS['batches']:,} (with the refit)"
)
print(comparison)

# %%
# Scores against batches trained, round by round
# ----------------------------------------------
# Each line is one candidate; it ends at the round where the candidate was dropped. Most
# candidates are told apart after 3 batches already (a large ``alpha`` or a tiny ``eta0``
# lags from the start); the survivors' lines go on, and since they are continued rather
# than retrained, the batches each one trained on are those of its last point only.

results = search.cv_results_
curves: dict = {}
for params, batches, score in zip(
    results["params"], results["n_resources"], results["mean_test_score"]
):
    key = tuple(value for name, value in sorted(params.items()) if name != "max_batches")
    curves.setdefault(key, []).append((batches, score))

rungs = search.n_resources_
colors = plt.cm.viridis(np.linspace(0.15, 0.85, len(rungs)))
fig, ax = plt.subplots(figsize=(7.5, 5.2))
labelled = set()
for points in sorted(curves.values(), key=len):
    batches, scores = zip(*points)
    last = rungs.index(batches[-1])
    winner = last == len(rungs) - 1
    label = None
    if last not in labelled:
        survivors = sum(1 for line in curves.values() if len(line) == last + 1)
        label = f"dropped after {batches[-1]} batches ({survivors})"
        if winner:
            label = f"winner, {batches[-1]} batches"
        labelled.add(last)
    ax.plot(
        batches,
        scores,
        marker="*" if winner else "o",
        markersize=12 if winner else 4,
        linewidth=2.0 if winner else 0.6 + 0.5 * last,
        alpha=1.0 if last else 0.45,
        color="crimson" if winner else colors[last],
        label=label,
        zorder=2 + last,
    )
ax.set_xscale("log")
ax.set_xticks(rungs, [str(r) for r in rungs])
ax.minorticks_off()
ax.set_xlabel("batches trained (of 128 rows, per fold)")
ax.set_ylabel("mean cross-validated accuracy")
ax.set_title("27 candidates, successive halving by a factor of 3")
ax.legend(loc="lower right", fontsize=8)
fig.text(0.02, 0.02, "Against HalvingGridSearchCV:\n" + comparison, fontsize=8, va="bottom")
fig.tight_layout(rect=(0, 0.14, 1, 1))
plt.show()
