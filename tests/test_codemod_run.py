"""Run seed examples before and after their repair with real TensorFlow (one subprocess each)."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import textwrap

import pytest

from gradfix.codemods import get

pytest.importorskip("tensorflow")

PROBE = textwrap.dedent(
    """
    import tensorflow as tf
    _orig = tf.GradientTape.gradient
    def _gradient(self, target, sources, *a, **k):
        try:
            result = _orig(self, target, sources, *a, **k)
        except AttributeError:
            result = None
        flat = tf.nest.flatten(result) if result is not None else [None]
        print("GRADIENT", "none" if any(g is None for g in flat) else "ok")
        return result
    tf.GradientTape.gradient = _gradient
    """
)
SEEDS = {
    "seed-1": (
        ["hoist-into-tape"],
        """\
        import tensorflow as tf
        w = tf.Variable(1.0)
        x = tf.constant(2.0)
        y = w * x
        with tf.GradientTape() as tape:
            loss = y ** 2
        gradients = tape.gradient(loss, w)
        """,
    ),
    "seed-2": (
        ["numpy-to-tf", "hoist-into-tape"],
        """\
        import tensorflow as tf
        import numpy as np
        w = tf.Variable(1.0)
        x = tf.constant(2.0)
        with tf.GradientTape() as tape:
            y = w * x
            loss = y**2
        loss_np = loss.numpy()
        scaled_loss = np.sqrt(loss_np)
        gradients = tape.gradient(scaled_loss, w)
        """,
    ),
    "buffer": (
        ["scatter-to-mask"],
        """\
        import tensorflow as tf
        w = tf.Variable(tf.ones(5))
        buf = tf.Variable(tf.zeros(5))
        with tf.GradientTape() as tape:
            buf.assign(w)
            buf[3].assign(0.0)
            loss = tf.reduce_sum(buf ** 2)
        gradients = tape.gradient(loss, w)
        """,
    ),
}


def _gradient_status(code: str, tmp_path: pathlib.Path) -> str:
    script = tmp_path / "step.py"
    script.write_text(PROBE + textwrap.dedent(code))
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    return [line for line in out.stdout.splitlines() if line.startswith("GRADIENT")][-1]


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_repair_gives_a_gradient(name, tmp_path):
    codemods, before = SEEDS[name]
    code = textwrap.dedent(before)
    for codemod in codemods:
        code = get(codemod).rewrite(code).code
    assert _gradient_status(before, tmp_path) == "GRADIENT none"
    assert _gradient_status(code, tmp_path) == "GRADIENT ok"


def test_tensor_scatter_nd_update_is_differentiable(tmp_path):
    code = """\
        import tensorflow as tf
        w = tf.Variable([1.0, 2.0, 3.0])
        with tf.GradientTape() as tape:
            t = tf.tensor_scatter_nd_update(w, [[1]], [0.0])
            loss = tf.reduce_sum(t * t)
        g = tape.gradient(loss, w)
        assert list(g.numpy()) == [2.0, 0.0, 6.0], g
        """
    assert _gradient_status(code, tmp_path) == "GRADIENT ok"
