"""``--run "CMD"``: reproduce through the user's own command (pytest, ``python -m``) with the probe
injected — real processes, real TensorFlow."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from conftest import run_cli

TEST_FILE = '''
import tensorflow as tf


def test_step():
    w = tf.Variable(1.0)
    x = tf.constant(2.0)
    y = w * x
    with tf.GradientTape() as tape:
        loss = y ** 2
    grad = tape.gradient(loss, w)
    assert grad is not None
'''

MODULE = '''
import argparse

import numpy as np
import tensorflow as tf

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, required=True)
args = parser.parse_args()
w = tf.Variable(3.0)
for epoch in range(args.epochs):
    with tf.GradientTape() as tape:
        loss = tf.constant(np.square(w.numpy() - 1.0))
    g = tape.gradient(loss, w)
'''


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


def test_a_pytest_test_is_reproduced_diagnosed_and_fixed(tmp_path):
    _write(tmp_path / "tests" / "test_train.py", TEST_FILE)
    pytest_cmd = f"{sys.executable} -m pytest -q -p no:cacheprovider tests/test_train.py::test_step"
    dry = run_cli("apply", "--dry-run", "tests/test_train.py", "--run", pytest_cmd, cwd=tmp_path)
    assert dry.returncode == 1, dry.stderr
    assert "tests/test_train.py:10: w has no gradient — computed before the tape starts (line 7)" in dry.stderr
    assert "+        y = w * x" in dry.stdout
    assert run_cli("apply", "tests/test_train.py", "--run", pytest_cmd, cwd=tmp_path).returncode == 0
    assert run_cli("check", "tests/test_train.py", "--run", pytest_cmd, cwd=tmp_path).returncode == 0
    assert not (tmp_path / ".pytest_cache").exists()  # the command ran in the sandbox copy


def test_python_dash_m_with_its_own_arguments(tmp_path):
    _write(tmp_path / "mypkg" / "__init__.py", "")
    _write(tmp_path / "mypkg" / "train.py", MODULE)
    run = run_cli("check", "--format", "json", "mypkg/train.py", "--run",
                  f"{sys.executable} -m mypkg.train --epochs 3", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    import json

    [entry] = json.loads(run.stdout)["files"]
    assert entry["findings"][0]["variable"] == "w" and entry["fix"]["codemods"] == ["numpy-to-tf"]


def test_run_without_a_path_or_with_a_missing_program_is_one_line(tmp_path):
    run = run_cli("check", "--run", "pytest", cwd=tmp_path)
    assert run.returncode == 2 and run.stderr.startswith("error: --run needs the PATH")
    _write(tmp_path / "t.py", TEST_FILE)
    missing = run_cli("check", "t.py", "--run", "no-such-program-xyz --flag", cwd=tmp_path)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    [line] = missing.stderr.strip().splitlines()
    assert "no-such-program-xyz" in line


# the same test, failing once there is a gradient (8.0): after its gradient call
FAILS_AFTER_THE_GRADIENT = TEST_FILE.replace(
    "    assert grad is not None\n", "    assert grad is None or float(grad) < 0  # fails once there is a gradient (8.0)\n")


def test_a_candidate_whose_command_fails_is_rejected(tmp_path):
    """The test runner's outcome counts: the hoist gives w a gradient, and the test then fails
    after its gradient call; pytest catches that, so only its exit status tells."""
    _write(tmp_path / "tests" / "test_train.py", FAILS_AFTER_THE_GRADIENT)
    pytest_cmd = f"{sys.executable} -m pytest -q -p no:cacheprovider tests/test_train.py::test_step"
    before = (tmp_path / "tests" / "test_train.py").read_text()
    proc = run_cli("apply", "--format", "json", "tests/test_train.py", "--run", pytest_cmd, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    import json

    (report,) = json.loads(proc.stdout)["files"]
    assert report["status"] == "unrepaired" and report["fix"] is None
    assert any("exited with status 1" in t["reason"] for t in report["tried"]), report["tried"]
    assert (tmp_path / "tests" / "test_train.py").read_text() == before
