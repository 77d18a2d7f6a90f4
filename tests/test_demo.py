"""The README's demo runs and reports what it promises."""

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo_noisy_mux.py"


@pytest.mark.slow
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


README = DEMO.parents[1] / "README.md"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_readme_example_runs_and_prints_the_best_parameters():
    text = README.read_text()
    start = text.index("```python\n", text.index("## A short example")) + len("```python\n")
    code = text[start : text.index("```", start)]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=280, check=False
    )
    assert result.returncode == 0, result.stderr
    best = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    assert set(best) == {"estimator__alpha", "stream__sigma"}
