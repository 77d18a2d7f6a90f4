"""What the readers' tests check of an epoch: rows numbered by their first feature, each
once, in batches of ``batch_size`` rows, with their targets."""

import numpy as np


def row_ids(batches):
    """The row number (first feature) of every row of ``batches``, in order."""
    batches = list(batches)
    if not batches:
        return []
    return np.concatenate([np.asarray(b["X"])[:, 0] for b in batches]).astype(int).tolist()


def check_epochs(reader, ids, batch_size, ordered, epochs=2):
    """Run ``epochs`` epochs of ``reader`` and check that each gives the rows ``ids`` once
    (in that order when ``ordered``), in batches of ``batch_size`` rows but the last, each
    row with its target (``id % 2``) when batches have one; return the epochs' batches."""
    runs = []
    for _ in range(epochs):
        batches = list(reader.generate())
        assert all(len(b["X"]) == batch_size for b in batches[:-1])
        assert not batches or 0 < len(batches[-1]["X"]) <= batch_size
        got = row_ids(batches)
        assert sorted(got) == sorted(ids)
        if ordered:
            assert got == list(ids)
        for batch in batches:  # targets stay with their rows
            if "y" in batch:
                X = np.asarray(batch["X"])
                assert np.array_equal(np.asarray(batch["y"]), X[:, 0].astype(int) % 2)
        runs.append(batches)
    return runs
