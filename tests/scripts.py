"""Test helpers for searches run in a script of their own (so that loky's workers can
import what the script defines in ``__main__``), and for the process ids they log."""

import json
import subprocess
import sys


def run_script(text, folder):
    """Write ``text`` as a script in ``folder``, run it with ``folder`` as its argument,
    and return the JSON report it prints (its stderr in the message if it fails)."""
    script = folder / "search_script.py"
    script.write_text(text)
    done = subprocess.run(
        [sys.executable, str(script), str(folder)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def logged_pids(path, column=0):
    """The process ids a log holds, one line per call (``column`` 1: their parents')."""
    with open(path) as handle:
        return [int(line.split()[column]) for line in handle if line.strip()]
