"""A folder apply whose scripts' fixes change one shared module: verified together, written once."""

from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import run_cli
from oracle import run_oracle

from gradfix.combine import merge_text

BASE = "a = 1\nb = 2\nc = 3\nd = 4\n"


def test_identical_changes_merge_to_one():
    after = BASE.replace("b = 2", "b = 20")
    assert merge_text(BASE, [after, after]) == after


def test_changes_to_different_lines_are_both_kept():
    one, two = BASE.replace("a = 1", "a = 10"), BASE.replace("d = 4", "d = 40")
    assert merge_text(BASE, [one, two]) == "a = 10\nb = 2\nc = 3\nd = 40\n"


def test_changes_to_the_same_line_conflict():
    assert merge_text(BASE, [BASE.replace("b = 2", "b = 20"), BASE.replace("b = 2", "b = 21")]) is None
    # two different insertions at one place conflict too
    assert merge_text(BASE, [BASE.replace("c = 3\n", "x = 0\nc = 3\n"), BASE.replace("c = 3\n", "y = 0\nc = 3\n")]) is None


LOSSES = """\
import numpy as np


def mse(pred, target):
    return np.mean(np.square(pred - target))
"""

SCRIPT = """\
import tensorflow as tf

from losses import mse

w = tf.Variable({init})
x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
y = tf.constant([[1.0], [2.0]])
opt = tf.keras.optimizers.SGD({lr})
for step in range(5):
    with tf.GradientTape() as tape:
        loss = mse(tf.matmul(x, w), y)
    grads = tape.gradient(loss, [w])
    opt.apply_gradients(zip(grads, [w]))
"""


def test_folder_apply_writes_one_verified_change_of_a_shared_module(tmp_path: Path):
    (tmp_path / "losses.py").write_text(LOSSES)
    (tmp_path / "a.py").write_text(SCRIPT.format(init="[[0.5], [-0.5]]", lr="0.01"))
    (tmp_path / "b.py").write_text(SCRIPT.format(init="[[0.1], [0.2]]", lr="0.02"))
    proc = run_cli("apply", "--jobs", "1", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "written with the fix of" in proc.stdout
    fixed = (tmp_path / "losses.py").read_text()
    assert "tf.reduce_mean(tf.square(pred - target))" in fixed and fixed.count("import tensorflow") == 1
    for name in ("a.py", "b.py"):
        report = run_oracle(tmp_path / name)
        assert report["exception"] is None and report["calls"] and report["none_count"] == 0, report
    assert textwrap.dedent(SCRIPT.format(init="[[0.1], [0.2]]", lr="0.02")) == (tmp_path / "b.py").read_text()
