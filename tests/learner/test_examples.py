"""The seed documentation's two examples run, print their test accuracy, and repeat exactly."""

import re
import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def examples_on_path(monkeypatch):
    # the advanced example imports noisy_samples from the simple one, as a script would
    monkeypatch.syspath_prepend(str(EXAMPLES))
    yield
    sys.modules.pop("seed_simple_example", None)


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", ["seed_simple_example.py", "seed_advanced_example.py"])
def test_seed_example_prints_a_reproducible_accuracy(name, examples_on_path, capsys):
    outputs = []
    for _ in range(2):
        runpy.run_path(str(EXAMPLES / name), run_name="__main__")
        outputs.append(capsys.readouterr().out)
    match = re.fullmatch(r"Test accuracy: (\d\.\d{3})\n", outputs[0])
    assert match, outputs[0]
    assert 0.0 <= float(match.group(1)) <= 1.0
    assert outputs[1] == outputs[0]  # seeded: the same accuracy on every run
