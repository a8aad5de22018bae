"""Setup paid once (issue 15): candidates resume from a kept snapshot of the original run.

The plan (which patched scripts may resume, gradfix/resume.py) is tested on its own; one real
zygote checks that a resumed run is the run a whole run makes (same first loss, same sites and
steps), that the setup really ran once, and that a write in the setup keeps the snapshot before it.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from gradfix.resume import _span, plan
from gradfix.runner import Runner
from gradfix.runner import snapshot as snapshot_mod
from gradfix.runner.snapshot import Snapshot

SCRIPT = textwrap.dedent('''\
    import time

    import numpy as np
    import tensorflow as tf


    def make_data(n):
        time.sleep(0.2)  # the setup: long enough for the keeper to move past it
        rng = np.random.default_rng(0)
        return rng.normal(size=(n, 3)).astype("float32")


    def train_step(w, x):
        scaled = w * 2.0
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.matmul(x, scaled))
        return tape.gradient(loss, w), loss


    print("SETUP RAN", flush=True)
    x = make_data(64) + np.random.rand(64, 3).astype("float32")
    w = tf.Variable(tf.ones((3, 1)))
    for step in range(4):
        grad, loss = train_step(w, x)
        if grad is not None:
            w.assign_sub(0.1 * grad)
''')

FIXED = SCRIPT.replace('''    scaled = w * 2.0
    with tf.GradientTape() as tape:
        loss''', '''    with tf.GradientTape() as tape:
        scaled = w * 2.0
        loss''')


def _spans(text: str, index: int) -> list[list[int]]:
    return [_span(n) for n in ast.parse(text).body[:index]]


def _index(text: str, starts: str) -> int:
    return next(i for i, n in enumerate(ast.parse(text).body) if ast.unparse(n).startswith(starts))


# ---------------------------------------------------------------- the plan, without TensorFlow
def test_patched_def_not_used_before_the_kept_point_is_rebound():
    index = _index(SCRIPT, "w = tf.Variable")
    result = plan(SCRIPT, FIXED, index, _spans(SCRIPT, index))
    assert result.ok, result.reason
    assert result.rebind == (_index(SCRIPT, "def train_step"),)


def test_def_used_before_the_kept_point_runs_whole():
    before = SCRIPT.replace('x = make_data(64)', 'x = make_data(64) + float(train_step is None)')
    after = FIXED.replace('x = make_data(64)', 'x = make_data(64) + float(train_step is None)')
    index = _index(before, "w = tf.Variable")
    result = plan(before, after, index, _spans(before, index))
    assert not result.ok and "train_step is used before the kept point" in result.reason


def test_changed_setup_statement_runs_whole():
    after = SCRIPT.replace("make_data(64)", "make_data(65)")
    index = _index(SCRIPT, "w = tf.Variable")
    result = plan(SCRIPT, after, index, _spans(SCRIPT, index))
    assert not result.ok and "changed" in result.reason


def test_a_decorator_that_may_act_runs_whole_and_tf_function_does_not():
    for decorator, ok in (("@tf.function\n", True), ("@register_step\n", False)):
        before = SCRIPT.replace("def train_step", decorator + "def train_step")
        after = FIXED.replace("def train_step", decorator + "def train_step")
        index = _index(before, "w = tf.Variable")
        assert plan(before, after, index, _spans(before, index)).ok is ok, decorator


def test_header_reading_a_name_rebound_before_the_kept_point_runs_whole():
    before = SCRIPT.replace("def train_step(w, x):", "def train_step(w, x, lr=LR):").replace(
        "import numpy as np\n", "import numpy as np\nLR = 1\n").replace('print("SETUP', 'LR = 2\nprint("SETUP')
    after = before.replace('''    scaled = w * 2.0
    with tf.GradientTape() as tape:
        loss''', '''    with tf.GradientTape() as tape:
        scaled = w * 2.0
        loss''')
    index = _index(before, "w = tf.Variable")
    result = plan(before, after, index, _spans(before, index))
    assert not result.ok and "header" in result.reason


def test_longer_def_moves_later_defs_which_are_rebound_and_moved_lambdas_run_whole():
    before = SCRIPT.replace('print("SETUP', 'def helper():\n    return 1\n\n\nprint("SETUP')
    after = before.replace("    scaled = w * 2.0\n", "    scaled = w * 2.0\n    scaled = scaled * 1.0\n")
    index = _index(before, "w = tf.Variable")
    result = plan(before, after, index, _spans(before, index))
    assert result.ok, result.reason
    assert result.rebind == (_index(before, "def train_step"), _index(before, "def helper"))
    assert result.spans[-1][0] == _spans(before, index)[-1][0] + 1  # the moved lines, as the child checks

    with_lambda = before.replace('print("SETUP', 'act = lambda v: v\nprint("SETUP')
    moved = with_lambda.replace("    scaled = w * 2.0\n", "    scaled = w * 2.0\n    scaled = scaled * 1.0\n")
    index = _index(with_lambda, "w = tf.Variable")
    assert not plan(with_lambda, moved, index, _spans(with_lambda, index)).ok


def test_dynamic_access_to_the_module_runs_whole():
    before = SCRIPT.replace('x = make_data(64)', 'x = make_data(64) + len(globals())')
    after = FIXED.replace('x = make_data(64)', 'x = make_data(64) + len(globals())')
    index = _index(before, "w = tf.Variable")
    result = plan(before, after, index, _spans(before, index))
    assert not result.ok and "dynamically" in result.reason


def test_a_patched_module_imported_during_the_setup_runs_whole(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    root = tmp_path / "kept"
    keeper = {"index": 1, "spans": _spans(SCRIPT, 1), "modules": [str(root / "helpers.py")]}
    snap = Snapshot(None, script, SCRIPT.encode(), keeper, tmp_path / "k", str(root))
    assert "imported before the kept point" in snap.plan({tmp_path / "helpers.py": b"x = 1\n"}).reason
    assert snap.plan({tmp_path / "other.py": b"x = 1\n"}).ok


# ---------------------------------------------------------------- real runs
@pytest.fixture(scope="module")
def runner():
    """One zygote for the module's real runs, with snapshots on."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(snapshot_mod.ENV, "1")
        with Runner() as shared:
            yield shared


@pytest.fixture(scope="module")
def kept(runner, tmp_path_factory):
    """The original run keeps its snapshot; the fixed script resumed, and run whole."""
    folder = tmp_path_factory.mktemp("snap")
    script = folder / "train.py"
    script.write_text(SCRIPT)
    patch = {script: FIXED.encode()}
    original, snap = Snapshot.keep(runner, script, lambda: runner.run(script, timeout=120, eager=True))
    assert snap is not None, "the original run kept no snapshot"
    try:
        resumed = snap.run(lambda: runner.run(script, timeout=60, patches=patch, eager=False), patch)
        whole = runner.run(script, timeout=60, patches=patch, eager=False)
        index = snap.keeper["index"]
    finally:
        snap.close()
    return original, resumed, whole, index


def test_the_setup_is_kept_up_to_the_first_tensorflow_statement(kept):
    original, resumed, whole, index = kept
    assert index == _index(SCRIPT, "w = tf.Variable")
    assert "SETUP RAN" in original.output and "SETUP RAN" in whole.output
    assert resumed is not None and "SETUP RAN" not in resumed.output  # the setup ran once


def test_a_resumed_run_is_the_run_a_whole_run_makes(kept):
    original, resumed, whole, _ = kept
    assert resumed.status == whole.status == "ok" and resumed.error is None
    assert resumed.first_loss == pytest.approx(whole.first_loss, rel=1e-6)
    assert resumed.first_loss == pytest.approx(original.first_loss, rel=1e-5)  # the fix is safe
    assert resumed.missing_count == whole.missing_count == 0 < original.missing_count

    def sites(result):
        return sorted((Path(s.frame.path).name, s.frame.line, s.arrivals, s.missing) for s in result.sites)

    assert sites(resumed) == sites(whole)


def test_a_write_in_the_setup_keeps_the_snapshot_before_it(runner, tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT.replace('print("SETUP RAN", flush=True)\n',
                                     'print("SETUP RAN", flush=True)\nopen("log.txt", "w").close()\n'))
    _, snap = Snapshot.keep(runner, script, lambda: runner.run(script, timeout=120, eager=True))
    assert snap is not None
    try:
        assert snap.keeper["index"] <= _index(script.read_text(), "open('log.txt'")
        assert "log.txt" in snap.keeper["why"]
    finally:
        snap.close()
