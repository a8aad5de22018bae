"""predict-to-call, watch-tensor, rebind-to-assign and hoist-into-tape (enclosing blocks): what they
decline, and real TensorFlow runs before and after each repair (one subprocess for all)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from gradfix.codemods import get
from gradfix.codemods.base import Focus


def _rewrite(name: str, code: str, focus: Focus | None = None):
    return get(name).rewrite(textwrap.dedent(code), focus)


# --------------------------------------------------------------------------- static: what they decline

DECLINED = {
    "predict with an argument it cannot drop": ("predict-to-call", """\
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model.predict(tf.ones((1, 2)), foo=1))
        g = tape.gradient(loss, model.trainable_variables)
        """),
    "a NumPy source made inside the tape is not converted": ("watch-tensor", """\
        import numpy as np
        import tensorflow as tf
        with tf.GradientTape() as tape:
            x = np.ones(3)
            y = tf.reduce_sum(x * 2.0)
        g = tape.gradient(y, x)
        """),
    "a NumPy source held in an attribute is not converted": ("watch-tensor", """\
        import numpy as np
        import tensorflow as tf
        class Probe:
            def run(self):
                with tf.GradientTape() as tape:
                    y = tf.reduce_sum(self.x * 2.0)
                return tape.gradient(y, self.x)
        """),
    "a source computed on the tape from a variable": ("watch-tensor", """\
        import tensorflow as tf
        w = tf.Variable(2.0)
        with tf.GradientTape() as tape:
            h = w * 3.0
            y = h * h
        g = tape.gradient(y, [h, w])
        """),
    "layer weights are variables": ("watch-tensor", """\
        import tensorflow as tf
        layer = tf.keras.layers.Dense(1)
        x = tf.ones((1, 2))
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(layer(x))
        g = tape.gradient(y, layer.kernel)
        """),
    "a variable rebound inside the tape": ("rebind-to-assign", """\
        import tensorflow as tf
        w = tf.Variable(1.0)
        with tf.GradientTape() as tape:
            w = w * 2.0
            loss = w * w
        g = tape.gradient(loss, w)
        w = w - 0.1 * g
        """),
    "a tuple update that reads what it updates": ("rebind-to-assign", """\
        import tensorflow as tf
        w = tf.Variable(1.0)
        b = tf.Variable(1.0)
        with tf.GradientTape() as tape:
            loss = w * b
        gw, gb = tape.gradient(loss, [w, b])
        w, b = b - gb, w - gw
        """),
    "a loop header reads what would move": ("hoist-into-tape", """\
        import tensorflow as tf
        w = tf.Variable(1.0)
        y = w * 2.0
        while y > 0.0:
            with tf.GradientTape() as tape:
                loss = y ** 2
            g = tape.gradient(loss, w)
        """),
    "the loop body reads it before the tape": ("hoist-into-tape", """\
        import tensorflow as tf
        w = tf.Variable(1.0)
        y = w * 2.0
        for step in range(2):
            print(y)
            with tf.GradientTape() as tape:
                loss = y ** 2
            g = tape.gradient(loss, w)
        """),
}


@pytest.mark.parametrize("name, code", DECLINED.values(), ids=list(DECLINED))
def test_declines(name, code):
    result = _rewrite(name, code)
    assert not result.changed and result.code == textwrap.dedent(code)


def test_watch_follows_focus_variables_and_binding_place():
    code = """\
        import tensorflow as tf
        a = tf.constant(1.0)
        with tf.GradientTape(persistent=True) as tape:
            b = tf.constant(2.0)
            y = a * b
        g = tape.gradient(y, [a, b])
        """
    both = _rewrite("watch-tensor", code).code
    assert "as tape:\n    tape.watch(a)\n    b = tf.constant(2.0)\n    tape.watch(b)\n" in both
    only_b = _rewrite("watch-tensor", code, Focus(lines=frozenset({6}), variables=frozenset({"b"})))
    assert "watch(a)" not in only_b.code and "    tape.watch(b)\n" in only_b.code


def test_predict_in_focused_function_without_tape():
    code = """\
        def loss_of(model, x):
            return (model.predict_on_batch(x) - 1.0) ** 2
        """
    result = _rewrite("predict-to-call", code, Focus(functions=frozenset({1})))
    assert "model(x, training=True) - 1.0" in result.code
    assert not _rewrite("predict-to-call", code, Focus(lines=frozenset({9}))).changed


def test_rebind_in_a_function_with_global_and_self_attributes():
    code = """\
        import tensorflow as tf
        w = tf.Variable(1.0)
        def step(x):
            global w
            with tf.GradientTape() as tape:
                loss = (w * x) ** 2
            g = tape.gradient(loss, w)
            w = g * -0.1 + w
        """
    assert "    w.assign_add(g * -0.1)\n" in _rewrite("rebind-to-assign", code).code


MINE = {"predict-to-call", "watch-tensor", "rebind-to-assign"}
CORPUS = Path(__file__).resolve().parents[1] / "corpus"
CASES = sorted(
    case.name for case in CORPUS.glob("*")
    if (case / "case.toml").exists()
    and tomllib.loads((case / "case.toml").read_text()).get("codemods") in ([m] for m in MINE)
)  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_corpus_case_gives_its_reference_fix(case):
    """A corpus case repaired by one of these codemods alone: the rewrite is ``fixed.py``. A case
    whose sources are NumPy arrays passed into a function says so (``host``), as the probe would."""
    meta = tomllib.loads((CORPUS / case / "case.toml").read_text())
    (name,) = meta["codemods"]
    focus = Focus(host=frozenset(meta["host"])) if "host" in meta else None
    result = get(name).rewrite((CORPUS / case / "train.py").read_text(), focus)
    assert result.code == (CORPUS / case / "fixed.py").read_text()


# --------------------------------------------------------------------------- real TensorFlow

DRIVER = textwrap.dedent(
    """
    import json, sys
    import tensorflow as tf
    import keras
    _orig = tf.GradientTape.gradient
    seen = []
    def _gradient(self, target, sources, *a, **k):
        result = _orig(self, target, sources, *a, **k)
        flat = tf.nest.flatten(result, expand_composites=False) if result is not None else [None]
        loss = float(tf.reduce_sum(target)) if tf.is_tensor(target) else None
        seen.append({"none": any(g is None for g in flat), "loss": loss})
        return result
    tf.GradientTape.gradient = _gradient
    out = {}
    for key, code in json.load(sys.stdin).items():
        seen.clear()
        keras.utils.set_random_seed(0)
        try:
            exec(compile(code, key, "exec"), {"__name__": "__main__"})
            error = None
        except Exception as exc:
            error = type(exc).__name__
        out[key] = {"calls": list(seen), "error": error}
    print("RESULT" + json.dumps(out))
    """
)

REAL = {
    "predict": ("predict-to-call", """\
        import numpy as np
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.Input(shape=(3,)), tf.keras.layers.Dense(1)])
        x = np.random.rand(8, 3).astype("float32")
        opt = tf.keras.optimizers.SGD(0.1)
        for step in range(2):
            with tf.GradientTape() as tape:
                pred = model.predict(x, verbose=0)
                loss = tf.reduce_mean(pred ** 2)
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))
        """),
    "saliency": ("watch-tensor", """\
        import tensorflow as tf2
        model = tf2.keras.Sequential([tf2.keras.Input(shape=(4,)), tf2.keras.layers.Dense(3)])
        image = tf2.random.normal((1, 4))
        with tf2.GradientTape() as tape:
            top = tf2.reduce_max(model(image), axis=1)
        saliency = tape.gradient(top, image)
        """),
    "gradient-penalty": ("watch-tensor", """\
        import tensorflow as tf
        critic = tf.keras.Sequential([tf.keras.Input(shape=(2,)), tf.keras.layers.Dense(4, activation="tanh"),
                                      tf.keras.layers.Dense(1)])
        def penalty(real, fake):
            alpha = tf.random.uniform([real.shape[0], 1])
            mixed = alpha * real + (1.0 - alpha) * fake
            with tf.GradientTape() as inner:
                out = critic(mixed)
            g = inner.gradient(out, mixed)
            return tf.reduce_mean((tf.norm(g, axis=1) - 1.0) ** 2)
        real, fake = tf.random.normal((8, 2)), tf.random.normal((8, 2))
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(critic(fake)) + 10.0 * penalty(real, fake)
        grads = tape.gradient(loss, critic.trainable_variables)
        """),
    "rebind": ("rebind-to-assign", """\
        import tensorflow as tf
        w = tf.Variable([1.0, 2.0])
        b = tf.Variable(0.5)
        x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        for step in range(3):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((tf.linalg.matvec(x, w) + b - 1.0) ** 2)
            gw, gb = tape.gradient(loss, [w, b])
            w, b = w - 0.01 * gw, b - 0.01 * gb
            w = tf.clip_by_value(w, -5.0, 5.0)
        """),
    "hoist-before-loop": ("hoist-into-tape", """\
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.Input(shape=(3,)), tf.keras.layers.Dense(1)])
        opt = tf.keras.optimizers.SGD(0.1)
        x = tf.random.normal((8, 3))
        pred = model(x)
        for epoch in range(3):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(pred ** 2)
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables))
        """),
}


def test_repairs_give_gradients_with_real_tensorflow():
    pytest.importorskip("tensorflow")
    programs = {}
    for key, (name, code) in REAL.items():
        before = textwrap.dedent(code)
        result = get(name).rewrite(before)
        assert result.changed, key
        programs[f"{key}:before"], programs[f"{key}:after"] = before, result.code
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER], input=json.dumps(programs), capture_output=True, text=True,
        timeout=300, env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT")]
    assert lines, proc.stderr[-3000:]
    runs = json.loads(lines[-1][len("RESULT"):])
    for key in REAL:
        before, after = runs[f"{key}:before"], runs[f"{key}:after"]
        assert any(c["none"] for c in before["calls"]), (key, before)
        assert after["error"] is None and after["calls"], (key, after)
        assert not any(c["none"] for c in after["calls"]), (key, after)
        first_before, first_after = before["calls"][0]["loss"], after["calls"][0]["loss"]
        assert first_after == pytest.approx(first_before, rel=1e-5), key  # SAFE: same first loss
