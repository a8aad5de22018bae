"""Runs in one zygote must not see each other's state; a hung run is killed with its children."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from conftest import run_cli

from gradfix.runner import Runner

POLLUTER = """
import sys
import random
import numpy as np
import tensorflow as tf
import keras
import helper                      # the user's own module, mutated below
helper.SCALE = 100.0
keras.mixed_precision.set_global_policy("mixed_float16")
tf.config.set_soft_device_placement(False)
for _ in range(3):
    keras.layers.Dense(2)          # advances Keras' name counters
random.seed(123); np.random.seed(123); tf.random.set_seed(123)
w = tf.Variable(1.0)
with tf.GradientTape() as tape:
    loss = w * 1.0
tape.gradient(loss, w)
"""

OBSERVER = """
import random
import numpy as np
import tensorflow as tf
import keras
import helper
x = np.ones((1, 3), np.float32)
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
noise = float(np.random.rand()) + random.random() + float(tf.random.uniform(()))
policy_is_float32 = keras.mixed_precision.global_policy().name == "float32"
soft = tf.config.get_soft_device_placement()
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(model(x)) * helper.SCALE + noise * (1.0 if policy_is_float32 and soft else 1000.0)
tape.gradient(loss, model.trainable_variables)
"""


def _observe(runner, folder):
    result = runner.run(folder / "observer.py")
    (call,) = result.gradient_calls
    return call.loss, [s.name for s in call.sources]


def test_state_does_not_leak_between_runs(runner, tmp_path):
    (tmp_path / "helper.py").write_text("SCALE = 1.0\n")
    (tmp_path / "polluter.py").write_text(POLLUTER)
    (tmp_path / "observer.py").write_text(OBSERVER)
    first = _observe(runner, tmp_path)
    assert runner.run(tmp_path / "polluter.py").gradient_calls  # pollutes, in the same zygote
    after = _observe(runner, tmp_path)
    with Runner(isolation="spawn") as fresh:
        reference = _observe(fresh, tmp_path)
    assert first == after == reference
    assert reference[1] == ["sequential/dense/kernel", "sequential/dense/bias"]  # counters from zero


def _descendants_alive(marker: str) -> list[int]:
    out = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_hung_script_is_killed_at_timeout_with_its_children(tmp_path):
    marker = f"gradfix-hang-{os.getpid()}-{time.time_ns()}"
    (tmp_path / "t.py").write_text(
        "import subprocess, sys, time\nimport tensorflow as tf\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', '{marker}'])\n"
        "time.sleep(300)\n")
    started = time.monotonic()
    proc = run_cli("check", "--timeout", "3", str(tmp_path / "t.py"))
    assert proc.returncode == 2 and "timed out after 3 s" in proc.stderr
    assert time.monotonic() - started < 60
    time.sleep(0.5)
    leftovers = _descendants_alive(marker)
    for pid in leftovers:
        os.kill(pid, signal.SIGKILL)
    assert leftovers == []


def test_shards_split_a_folder_and_merge_back(tmp_path):
    for i in range(4):
        (tmp_path / f"s{i}.py").write_text(
            "import tensorflow as tf\nw = tf.Variable(1.0)\n"
            f"with tf.GradientTape() as tape:\n    loss = w * {i + 1}.0\ntape.gradient(loss, w)\n")
    whole = run_cli("check", "--format", "json", ".", cwd=tmp_path)
    parts = []
    for k in (1, 2):
        part = run_cli("check", "--format", "json", "--shard", f"{k}/2", ".", cwd=tmp_path)
        assert part.returncode == 0, part.stderr
        (tmp_path / f"r{k}.json").write_text(part.stdout)
        parts.append(f"r{k}.json")
    merged = run_cli("merge", *parts, cwd=tmp_path)
    assert merged.returncode == 0
    import json

    assert json.loads(merged.stdout) == json.loads(whole.stdout)
    overlap = run_cli("merge", "r1.json", "r1.json", cwd=tmp_path)
    assert overlap.returncode == 2 and "shards overlap" in overlap.stderr


def test_parallel_jobs_keep_a_stable_order(tmp_path):
    for name in ("b.py", "a.py", "c.py"):
        (tmp_path / name).write_text(
            "import tensorflow as tf\nw = tf.Variable(1.0)\ny = w * 2.0\n"
            "with tf.GradientTape() as tape:\n    loss = y * y\ntape.gradient(loss, w)\n")
    one = run_cli("check", "--jobs", "1", ".", cwd=tmp_path)
    two = run_cli("check", "--jobs", "2", ".", cwd=tmp_path)
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert [line.split(":")[0] for line in one.stdout.splitlines()[:3]] == ["a.py", "b.py", "c.py"]


def test_folder_scan_skips_modules_that_train_nothing(tmp_path):
    (tmp_path / "model.py").write_text(
        "import tensorflow as tf\n\nclass Net(tf.keras.Model):\n    def train_step(self, data):\n"
        "        with tf.GradientTape() as tape:\n            loss = self(data)\n"
        "        return tape.gradient(loss, self.trainable_variables)\n")
    (tmp_path / "train.py").write_text(
        "import tensorflow as tf\nw = tf.Variable(1.0)\n"
        "with tf.GradientTape() as tape:\n    loss = w * w\nprint(tape.gradient(loss, w))\n")
    scan = run_cli("check", ".", cwd=tmp_path)
    assert scan.returncode == 0, scan.stdout + scan.stderr
    assert "All gradients present (1 file checked) (1 skipped: no gradient computed when run)." in scan.stdout
    named = run_cli("check", "model.py", cwd=tmp_path)
    assert named.returncode == 2 and "never computed a gradient" in named.stderr
