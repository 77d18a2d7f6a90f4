"""The README's demo runs and reports what it promises."""

import importlib.util
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo_noisy_mux.py"


@pytest.mark.timeout(120)
def test_demo_reports_shares_speed_and_accuracy(capsys):
    spec = importlib.util.spec_from_file_location("demo_noisy_mux", DEMO)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    accuracy = demo.main(n_batches=20_000, n_train_batches=2_000)
    out = capsys.readouterr().out
    assert "batches/s" in out
    assert "test accuracy on 30 held-out Iris rows" in out
    assert "trained StreamLearner(SGDClassifier) on 2000 batches" in out
    assert accuracy > 0.7  # seeded: the same figure on every run
