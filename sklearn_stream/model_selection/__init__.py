"""Hyperparameter searches that train their candidates from streams, batch after batch.

:class:`StreamHalvingSearchCV` is successive halving whose resource is the number of
batches trained: the survivors of a round continue training instead of starting again, and
candidates that stream the same batches share one read of the stream.
``StreamHyperbandSearchCV`` runs Hyperband's brackets of it, in lock-step over the same
reads.

The package's rooms, each importing only those listed after it:

- ``_search``: the public search classes (fit, refit, attributes);
- ``_rounds``: the round loop of the brackets (groups read once, tasks dispatched through
  joblib);
- ``_tasks``: the joblib task (continue a slice of models, score them);
- ``_groups``: the fold streams and evaluation passes, read once per round;
- ``_results``: survivors and winner, chosen as scikit-learn's halving does;
- ``_candidates``: the candidates, the learner they are set on, their training keys;
- ``_schedule``: the brackets' batches and candidate counts per round.
"""

from ._search import StreamHalvingSearchCV, StreamHyperbandSearchCV

__all__ = ["StreamHalvingSearchCV", "StreamHyperbandSearchCV"]
