"""
Out-of-core classification of text documents
=============================================

A streaming take on scikit-learn's gallery example of the same name: documents that do not
fit in memory are read file by file, hashed into features by
:class:`~sklearn.feature_extraction.text.HashingVectorizer` (which needs no fitting, so no
vocabulary has to be collected first), and learned by four linear classifiers, each in a
:class:`~sklearn.pipeline.Pipeline` trained by :class:`~sklearn_stream.StreamLearner`.

scikit-learn's example downloads the Reuters corpus; there is no network here, so the
script writes its own corpus first: a few thousand short documents on four topics, each
drawn from its topic's vocabulary mixed with words common to all topics, stored as 40
files of 100 documents. A :class:`~sklearn_stream.Mux` over one
:class:`~sklearn_stream.Streamer` per file reads them in a random interleaving, every
document once.
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import Perceptron, SGDClassifier
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import make_pipeline

from sklearn_stream import Mux, Streamer, StreamLearner

TOPICS = ["sport", "politics", "science", "business"]
N_FILES, DOCS_PER_FILE, BATCH_SIZE = 40, 100, 50


def write_corpus(folder, seed=0):
    """Write ``N_FILES`` files of tab-separated ``topic<TAB>text`` lines; return the paths.

    Each topic has 300 words drawn from a pool of 600, so topics share about half their
    words; a document takes one word in five from its topic and the others from 2,000
    words common to all topics, so it takes several words to tell its topic.
    """
    rng = np.random.default_rng(seed)
    pool = np.array([f"term{i}" for i in range(600)])
    own = {topic: rng.choice(pool, size=300, replace=False) for topic in TOPICS}
    shared = [f"common{i}" for i in range(2000)]
    paths = []
    for index in range(N_FILES):
        lines = []
        for topic in rng.choice(TOPICS, size=DOCS_PER_FILE):
            n_words = rng.integers(20, 60)
            topical = rng.choice(own[topic], size=n_words // 5)
            common = rng.choice(shared, size=n_words - n_words // 5)
            words = np.concatenate([topical, common])
            rng.shuffle(words)
            lines.append(f"{topic}\t{' '.join(words)}")
        path = Path(folder) / f"news{index:02d}.tsv"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths


def read_documents(path, batch_size=BATCH_SIZE):
    """Yield the documents of one file in batches of raw texts and their topics."""
    topics, texts = [], []
    for line in Path(path).read_text().splitlines():
        topic, text = line.split("\t", 1)
        topics.append(topic)
        texts.append(text)
    for start in range(0, len(texts), batch_size):
        yield {
            "X": np.array(texts[start : start + batch_size], dtype=object),
            "Y": np.array(topics[start : start + batch_size]),
        }


def hashed(classifier):
    """The classifier behind a HashingVectorizer (non-negative counts, for naive Bayes)."""
    vectorizer = HashingVectorizer(n_features=2**18, alternate_sign=False)
    return make_pipeline(vectorizer, classifier)


classifiers = {
    "SGD": SGDClassifier(random_state=0),
    "Perceptron": Perceptron(random_state=0),
    "NB Multinomial": MultinomialNB(alpha=0.01),
    # scikit-learn 1.8 replaced PassiveAggressiveClassifier with this setting of SGD.
    "Passive-Aggressive": SGDClassifier(
        loss="hinge", penalty=None, learning_rate="pa1", eta0=1.0, random_state=0
    ),
}

# %%
# One stream, four learners
# -------------------------
# The last 8 files are held out for testing. The 32 others are read by a ``Mux`` that keeps
# 4 files open at a time and draws each batch from one of them; ``with_replacement=False``
# and ``lam=None`` read every file to its end, once. Every batch trains the four pipelines
# (each hashes it itself: the vectorizer is a step of every pipeline), and every 4 batches
# the test accuracy of each is recorded.

with tempfile.TemporaryDirectory() as folder:
    paths = write_corpus(folder)
    train_files, test_files = paths[:32], paths[32:]
    test = [batch for path in test_files for batch in read_documents(path)]
    X_test = np.concatenate([batch["X"] for batch in test])
    y_test = np.concatenate([batch["Y"] for batch in test])
    stream = Mux(
        [Streamer(read_documents, path) for path in train_files],
        k=4,
        lam=None,
        with_replacement=False,
        random_state=0,
    )
    learners = {name: StreamLearner(hashed(model)) for name, model in classifiers.items()}
    seen, curves = [], {name: [] for name in learners}
    n_documents = 0
    for index, batch in enumerate(stream.generate(), start=1):
        for learner in learners.values():
            learner.partial_fit(batch["X"], batch["Y"], classes=TOPICS)
        n_documents += len(batch["Y"])
        if index % 4 == 0:
            seen.append(n_documents)
            for name, learner in learners.items():
                curves[name].append(learner.score(X_test, y_test))

for name, learner in learners.items():
    print(
        f"{name:>18}: {learner.n_samples_seen_} training documents, "
        f"test accuracy {learner.score(X_test, y_test):.3f}"
    )

# %%
# Accuracy as the documents stream in
# -----------------------------------
# As in scikit-learn's example, naive Bayes, which only counts words per topic, learns the
# fastest: it is near its final accuracy after about 1,500 documents. The three linear
# models trained by stochastic gradient steps are still improving when the stream ends;
# a second pass over the files (a ``Mux`` restarts at every ``generate()``) would help
# them. The learners never hold more than one batch of 50 documents, and the hashed
# features need no vocabulary: the corpus could be as large as the disk.

fig, ax = plt.subplots(figsize=(7, 3.5))
for name, accuracies in curves.items():
    ax.plot(seen, accuracies, marker=".", label=name)
ax.set_xlabel("training documents seen")
ax.set_ylabel("test accuracy")
ax.set_title(f"{len(y_test)} held-out documents, 4 topics")
ax.legend(loc="lower right")
fig.tight_layout()
plt.show()

# %%
# The trained pipeline is an ordinary scikit-learn ``Pipeline``: it takes raw text.

pipeline = learners["NB Multinomial"].estimator_
print(pipeline)
print("predicted:", pipeline.predict(X_test[:6]))
print("topics:   ", y_test[:6])
