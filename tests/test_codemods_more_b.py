"""Function mode (Focus.functions), the numpy-to-tf extensions, straight-through and soft-surrogate:
text checks without TensorFlow, then one real-TF subprocess that runs every before/after pair."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from gradfix.analysis.flow import analyse
from gradfix.analysis.nodes import walk
from gradfix.analysis.regions import function_region, functions_at, gradient_regions
from gradfix.codemods import get
from gradfix.codemods.base import Focus

NOWHERE = frozenset({10_000})  # a gradient-call line that matches no tape: function mode only


def _code(text: str) -> str:
    return textwrap.dedent(text)


def _focus(*lines: int) -> Focus:
    return Focus(lines=NOWHERE, functions=frozenset(lines))


LAYER = _code(
    """\
    import numpy as np
    import tensorflow as tf
    import keras

    class Scaled(keras.layers.Layer):
        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1], 1), initializer="ones")
            self.steps = self.add_weight(shape=(), initializer="zeros", dtype="int32", trainable=False)
            self.k = self.add_weight(shape=(), initializer="ones", dtype="int32")

        @tf.function
        def call(self, x, training=False):
            size = np.zeros(x.shape[0])
            h = np.dot(x, self.w) * tf.cast(self.k, tf.float32)
            return np.tanh(h).tolist()

    def my_loss(y_true, y_pred):
        labels = tf.cast(y_true, tf.int32)
        table = np.arange(4.0)
        return np.mean(np.square(y_true - y_pred)) + float(table[1]) + tf.cast(labels[0], tf.float32)
    """
)


# --------------------------------------------------------------------------- analysis


def test_functions_at_matches_def_or_first_decorator_line():
    flow = analyse(LAYER)
    assert [(f.name.value, k.name.value) for f, k in functions_at(flow, frozenset({11}))] == [("call", "Scaled")]
    assert [f.name.value for f, _ in functions_at(flow, frozenset({12, 17}))] == ["call", "my_loss"]
    assert functions_at(flow, frozenset({1, 13})) == []


def test_function_region_taints_parameters_weights_and_def_use():
    flow = analyse(LAYER)
    (call, klass), (loss, _) = functions_at(flow, frozenset({11, 17}))
    region = function_region(flow, call, klass)
    assert set(region.weights) == {"self.w", "self.steps", "self.k"}
    assert {"x", "h", "self.w"} <= region.taint and "training" not in region.taint
    assert "size" not in region.taint  # only x.shape was read
    hot = [flow.module.code_for_node(n).strip() for n in walk(call) if region.tainted(n)]
    assert hot == ["h = np.dot(x, self.w) * tf.cast(self.k, tf.float32)", "return np.tanh(h).tolist()"]
    with_data = function_region(flow, loss, None)
    without = function_region(flow, loss, None, with_data=False)
    assert "labels" in with_data.taint and "labels" not in without.taint and "table" not in with_data.taint


def test_gradient_regions_without_focus_is_tape_mode_only():
    flow = analyse(LAYER)
    assert gradient_regions(flow, None) == {}
    assert gradient_regions(flow, _focus(11))


# --------------------------------------------------------------------------- function mode


def test_numpy_to_tf_in_a_layer_and_a_loss():
    after = get("numpy-to-tf").rewrite(LAYER, _focus(11, 17)).code
    assert "size = np.zeros(x.shape[0])" in after  # shapes are not tensors
    assert "h = tf.tensordot(x, self.w, axes=1) * tf.cast(self.k, tf.float32)" in after
    assert "return tf.tanh(h)\n" in after
    assert "return tf.reduce_mean(tf.square(y_true - y_pred)) + float(table[1])" in after  # data stays
    assert get("numpy-to-tf").rewrite(LAYER).code == LAYER  # no focus: no tape, nothing to do
    assert get("numpy-to-tf").rewrite(LAYER, _focus(17)).code.count("np.") == 4  # only my_loss


def test_cast_to_float_int_weight_used_in_call_but_not_labels():
    after = get("cast-to-float").rewrite(LAYER, _focus(11, 17)).code
    assert 'self.k = self.add_weight(shape=(), initializer="ones", dtype="float32")' in after
    assert 'initializer="zeros", dtype="int32", trainable=False)' in after  # a counter, not trained
    assert "labels = tf.cast(y_true, tf.int32)" in after
    assert get("cast-to-float").rewrite(LAYER).code == LAYER


def test_straight_through_in_keras_layers_and_int_round_trip_through_a_name():
    source = _code(
        """\
        import keras
        from keras import ops

        class FakeQuant(keras.layers.Layer):
            def call(self, x):
                q = ops.cast(x * 8.0, "int32")
                return ops.cast(q, "float32") / 8.0

        class Quantize(keras.layers.Layer):
            def call(self, x, mask=None):
                return ops.sign(self.proj(x)) * ops.cast(mask > 0, "float32")
        """
    )
    after = get("straight-through").rewrite(source, _focus(5, 10)).code
    assert "import tensorflow as tf" in after
    assert "return (x * 8.0 + tf.stop_gradient(ops.cast(q, \"float32\") - x * 8.0)) / 8.0" in after
    assert "st_input = self.proj(x)\n        return (st_input + tf.stop_gradient(ops.sign(st_input) - st_input))" in after
    assert 'ops.cast(mask > 0, "float32")' in after and "sigmoid" not in after  # a mask is data
    assert get("straight-through").rewrite(after, _focus(5, 10)).code == after


def test_lambdas_the_probe_saw_run_are_regions_too():
    # a Lambda layer used by model.fit (the probe names the lambda's line), a lambda it never saw
    source = _code(
        """\
        import tensorflow as tf
        model = tf.keras.Sequential([
            tf.keras.layers.Dense(8),
            tf.keras.layers.Lambda(lambda t: tf.round(t * 4.0) / 4.0),
        ])
        unseen = tf.keras.layers.Lambda(lambda t: tf.round(t))
        """
    )
    after = get("straight-through").rewrite(source, _focus(4)).code
    assert "Lambda(lambda t: (t * 4.0 + tf.stop_gradient(tf.round(t * 4.0) - t * 4.0)) / 4.0)" in after
    assert "Lambda(lambda t: tf.round(t))" in after
    assert get("straight-through").rewrite(source, None).code == source


def test_codemods_decline_without_raising_on_odd_functions():
    source = "def f(*a, **k):\n    return [g(v) for v in a] if k else lambda: a\n"
    for name in ("numpy-to-tf", "cast-to-float", "straight-through", "soft-surrogate"):
        result = get(name).rewrite(source, _focus(1))
        assert result.code == source and not result.changed


def test_numpy_to_tf_gives_host_uses_their_conversion_back():
    source = _code(
        """\
        import json
        import tensorflow as tf
        w = tf.Variable([1.0, 2.0])
        with tf.GradientTape() as tape:
            preds = (w * 2.0).numpy().tolist()
            total = float(tf.reduce_sum(w))
            print(json.dumps(preds[:1]), str(total))
            loss = tf.reduce_sum(tf.constant(preds)) + total
        grads = tape.gradient(loss, w)
        """
    )
    after = get("numpy-to-tf").rewrite(source).code
    assert "preds = (w * 2.0)\n" in after and "total = tf.reduce_sum(w)\n" in after
    assert "print(json.dumps(preds[:1].numpy().tolist()), str(float(total)))" in after
    assert not get("numpy-to-tf").rewrite(after).changed


# --------------------------------------------------------------------------- real TensorFlow

RUN = _code(
    """\
    import json, sys
    import numpy as np
    import tensorflow as tf
    out = []
    for code in json.load(sys.stdin):
        scope = {}
        try:
            exec(code, scope)
            missing = sum(g is None for g in scope["grads"])
        except (AttributeError, ValueError) as error:  # a NumPy target: tape.gradient raises
            missing = repr(error)
        out.append({"missing": missing, "loss": float(scope["loss"])})
    print(json.dumps(out))
    """
)

CASES = [  # (codemod, focus lines or None, before, safe)
    ("numpy-to-tf", (3,), """\
        import numpy as np
        import tensorflow as tf
        def my_loss(y_true, y_pred):
            return np.mean(np.square(y_true - y_pred)) + 0.0 * float(np.sum(y_pred))
        w = tf.Variable([[0.5], [1.5]])
        x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        with tf.GradientTape() as tape:
            loss = my_loss(tf.constant([[1.0], [2.0]]), x @ w)
        grads = tape.gradient(loss, [w])
        """, True),
    ("numpy-to-tf", None, """\
        import numpy as np
        import tensorflow as tf
        w = tf.Variable([1.0, 2.0, 3.0])
        with tf.GradientTape() as tape:
            losses = []
            for i in range(3):
                losses.append(tf.reduce_sum(w * i))
            best = int(tf.argmax(w))
            loss = (np.sum(losses) + np.mean(losses)) * int(tf.reduce_max(w)) + float(w[best])
        grads = tape.gradient(loss, [w])
        """, True),
    ("straight-through", None, """\
        import tensorflow as tf
        tf.random.set_seed(1)
        w = tf.Variable(tf.random.normal([4, 5]))
        x = tf.random.normal([3, 4])
        with tf.GradientTape() as tape:
            logits = x @ w
            hot = tf.one_hot(tf.argmax(logits, axis=-1), 5)
            gate = tf.cast(logits > 0.1, tf.float32)
            q = tf.round(logits * 4.0) / 4.0
            n = tf.cast(tf.cast(logits * 3.0, tf.int32), tf.float32)
            loss = tf.reduce_sum(hot * [1.0, 2.0, 3.0, 4.0, 5.0]) + tf.reduce_sum(gate * q + n)
        grads = tape.gradient(loss, [w])
        """, True),
    ("straight-through", (6,), """\
        import tensorflow as tf
        import keras
        from keras import ops

        class Quantize(keras.layers.Layer):
            def call(self, x):
                return ops.round(x * 4.0) / 4.0

        dense, quantize = keras.layers.Dense(2, kernel_initializer="ones"), Quantize()
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(quantize(dense(tf.ones([3, 2]) * 0.3)) ** 2)
        grads = tape.gradient(loss, dense.trainable_variables)
        """, True),
    ("cast-to-float", (8,), """\
        import tensorflow as tf
        import keras

        class Shift(keras.layers.Layer):
            def build(self, shape):
                self.b = self.add_weight(shape=(1,), initializer="ones", dtype="int32")

            def call(self, x):
                return x + tf.cast(self.b, tf.float32)

        shift = Shift()
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(shift(tf.ones([3, 1])) * 2.0)
        grads = tape.gradient(loss, shift.trainable_variables)
        """, False),
    ("soft-surrogate", None, """\
        import tensorflow as tf
        tf.random.set_seed(2)
        w = tf.Variable(tf.random.normal([4, 5]))
        table = tf.constant([[1.0], [2.0], [3.0], [4.0], [5.0]])
        with tf.GradientTape() as tape:
            logits = tf.random.normal([3, 4], seed=3) @ w
            loss = tf.reduce_sum(tf.gather(table, tf.argmax(logits, axis=-1)))
        grads = tape.gradient(loss, [w])
        """, False),
]


def test_rewrites_run_with_real_tensorflow():
    befores = [_code(before) for _, _, before, _ in CASES]
    afters = []
    for (name, lines, _, _), before in zip(CASES, befores):
        result = get(name).rewrite(before, _focus(*lines) if lines else None)
        assert result.changed, (name, result.notes)
        afters.append(result.code)
    done = subprocess.run([sys.executable, "-c", RUN], input=json.dumps(befores + afters),
                          capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stderr[-3000:]
    runs = json.loads(done.stdout.strip().splitlines()[-1])
    for (name, _, _, safe), was, now, code in zip(CASES, runs, runs[len(CASES):], afters):
        assert was["missing"] != 0, name
        assert now["missing"] == 0, (name, code)
        if safe:
            assert now["loss"] == pytest.approx(was["loss"], rel=1e-5), (name, code)


def test_watch_variable_finds_a_probe_named_non_trainable_source_through_a_method():
    """``params = model.parameters()`` hides ``self.temperature``; the run named it, so the class's
    ``trainable=False`` creation is made trainable."""
    from gradfix.codemods.base import Focus
    from gradfix.codemods.watch_variable import WatchVariable

    source = (
        "import tensorflow as tf\n"
        "class Logistic(tf.Module):\n"
        "    def __init__(self):\n"
        "        self.w = tf.Variable(tf.ones([3, 1]))\n"
        "        self.temperature = tf.Variable(1.0, trainable=False)\n"
        "    def __call__(self, x):\n"
        "        return tf.sigmoid((x @ self.w) / self.temperature)\n"
        "    def parameters(self):\n"
        "        return [self.w, self.temperature]\n"
        "model = Logistic()\n"
        "params = model.parameters()\n"
        "with tf.GradientTape() as tape:\n"
        "    loss = tf.reduce_mean(model(tf.ones((2, 3))))\n"
        "grads = tape.gradient(loss, params)\n"
    )
    named = WatchVariable().rewrite(source, Focus(lines=frozenset({14}), variables=frozenset({"model.temperature"})))
    assert named.changed
    assert "self.temperature = tf.Variable(1.0, trainable=True)" in named.code
    assert named.code.replace("trainable=True", "trainable=False") == source
    unnamed = WatchVariable().rewrite(source, Focus(lines=frozenset({14}), variables=frozenset({"model.w"})))
    assert not unnamed.changed
