"""Bug families beyond the corpus's shapes, each repaired end to end with real TensorFlow: the
probe's evidence names the cause where it lives, the codemod rewrites the code the user owns
(a layer's build, a module's __call__, a Lambda layer, a method run through tf.numpy_function),
and the fix is verified in the program's own mode over several steps."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gradfix.pipeline import repair
from gradfix.types import Cause, Repaired, RunOptions, Safety, Unrepaired


def _repair(runner, tmp_path: Path, code: str, unsafe: bool = False, **files: str):
    for name, text in files.items():
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(text), encoding="utf-8")
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(code), encoding="utf-8")
    return repair(script, runner, RunOptions(max_rounds=1, unsafe_fixes=unsafe))


def _fix(outcome) -> str:
    assert isinstance(outcome, Repaired), getattr(outcome, "tried", outcome)
    return "\n".join(p.after for p in outcome.verdict.proposal.patches)


FIT = """
        rng = np.random.default_rng(0)
        x = rng.normal(size=(64, 5)).astype("float32")
        y = rng.normal(size=(64, 1)).astype("float32")
        model.compile("adam", "mse")
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        """


def test_a_kernel_concatenated_once_in_build_becomes_a_property(runner, tmp_path):
    outcome = _repair(runner, tmp_path, """
        import numpy as np
        import tensorflow as tf

        class BlockDense(tf.keras.layers.Layer):
            def build(self, input_shape):
                d = input_shape[-1]
                self.left = self.add_weight(name="left", shape=(d, 2))
                self.right = self.add_weight(name="right", shape=(d, 2))
                self.kernel = tf.concat([self.left, self.right], axis=1)

            def call(self, x):
                return tf.matmul(x, self.kernel)

        model = tf.keras.Sequential([tf.keras.Input((5,)), BlockDense(), tf.keras.layers.Dense(1)])
        """.rstrip(" ") + FIT)
    fixed = _fix(outcome)
    assert outcome.verdict.proposal.codemods == ("derived-property",)
    assert outcome.verdict.proposal.safety is Safety.SAFE
    assert "@property\n    def kernel(self):\n        return tf.concat([self.left, self.right], axis=1)" in fixed
    assert all(f.variable.endswith(("/left", "/right")) for f in outcome.findings)


def test_a_lambda_layer_that_rounds_is_found_on_its_line_and_made_straight_through(runner, tmp_path):
    outcome = _repair(runner, tmp_path, """
        import numpy as np
        import tensorflow as tf

        model = tf.keras.Sequential([
            tf.keras.Input((5,)),
            tf.keras.layers.Dense(8),
            tf.keras.layers.Lambda(lambda t: tf.round(t * 4.0) / 4.0),
            tf.keras.layers.Dense(1),
        ])
        """.rstrip(" ") + FIT)
    fixed = _fix(outcome)
    assert {(f.cause, f.cause_line) for f in outcome.findings} == {(Cause.NON_DIFFERENTIABLE_OP, 8)}
    assert "tf.stop_gradient(tf.round(t * 4.0) - t * 4.0)" in fixed
    assert outcome.verdict.proposal.safety is Safety.SAFE  # the forward values are kept


def test_an_accuracy_metric_as_the_loss_is_named_and_gets_a_soft_accuracy(runner, tmp_path):
    code = """
        import numpy as np
        import keras

        def one_minus_accuracy(y_true, y_pred):
            return 1.0 - keras.metrics.binary_accuracy(y_true, y_pred)

        rng = np.random.default_rng(0)
        x = rng.normal(size=(64, 4)).astype("float32")
        y = (x[:, :1] > 0).astype("float32")
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss=one_minus_accuracy)
        model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        """
    outcome = _repair(runner, tmp_path, code)
    assert isinstance(outcome, Unrepaired)  # the only fix changes values: not without --unsafe-fixes
    assert {(f.cause, f.cause_line) for f in outcome.findings} == {(Cause.NON_DIFFERENTIABLE_OP, 6)}
    assert "accuracy metric" in outcome.findings[0].message
    fixed = _fix(_repair(runner, tmp_path, code, unsafe=True))
    assert "keras.metrics.binary_accuracy" not in fixed and "tf.reduce_mean(" in fixed


def test_a_memory_written_with_scatter_in_a_module_call_is_carried_as_a_tensor(runner, tmp_path):
    outcome = _repair(runner, tmp_path, """
        import numpy as np
        import tensorflow as tf

        class Writer(tf.Module):
            def __init__(self):
                self.controller = tf.keras.layers.Dense(4)
                self.memory = tf.Variable(tf.zeros((6, 4)), trainable=False)

            def __call__(self, x, slots):
                self.memory.scatter_nd_update(tf.reshape(slots, (-1, 1)), self.controller(x))
                return tf.reduce_sum(self.memory, axis=-1)

        rng = np.random.default_rng(0)
        x = rng.normal(size=(6, 5)).astype("float32")
        slots = np.arange(6, dtype="int32")
        target = rng.normal(size=(6,)).astype("float32")
        net = Writer()
        net(x, slots)
        opt = tf.keras.optimizers.Adam(1e-2)
        for step in range(4):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((net(x, slots) - target) ** 2)
            variables = net.controller.trainable_variables
            opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        """)
    fixed = _fix(outcome)
    assert outcome.verdict.proposal.codemods == ("state-to-tensor",)
    assert outcome.verdict.proposal.safety is Safety.SAFE
    assert "self.memory.assign(memory_t)" in fixed and "tf.reduce_sum(memory_t, axis=-1)" in fixed


def test_a_uint8_image_source_is_cast_to_float_before_the_tape(runner, tmp_path):
    outcome = _repair(runner, tmp_path, """
        import numpy as np
        import tensorflow as tf

        model = tf.keras.Sequential([tf.keras.Input((4, 4, 1)), tf.keras.layers.Flatten(),
                                     tf.keras.layers.Dense(2)])
        pixels = np.random.default_rng(0).integers(0, 256, size=(1, 4, 4, 1), dtype=np.uint8)
        image = tf.constant(pixels)
        with tf.GradientTape() as tape:
            tape.watch(image)
            score = model(tf.cast(image, tf.float32) / 255.0)[0, 1]
        saliency = tf.reduce_max(tf.abs(tape.gradient(score, image)), axis=-1)
        """)
    fixed = _fix(outcome)
    assert {f.cause for f in outcome.findings} == {Cause.INT_DTYPE}
    assert outcome.verdict.proposal.codemods == ("float-source",)
    assert "image = tf.constant(pixels)\nimage = tf.cast(image, tf.float32)\nwith" in fixed


def test_a_method_run_through_numpy_function_gets_a_tensorflow_twin(runner, tmp_path):
    """The method also serves a NumPy rollout in another file: converting it in place breaks that
    caller, so the tape calls a TensorFlow copy and the method stays as it was."""
    outcome = _repair(runner, tmp_path, """
        import numpy as np
        import tensorflow as tf
        from agent import Agent

        agent = Agent()
        for it in range(3):
            states = np.random.default_rng(it).normal(size=(8, 4)).astype(np.float32)
            act = agent.forward(states)
            best = int(act.argmax(axis=1).max())
            agent.train_step(tf.constant(states))
        """, agent="""
        import numpy as np
        import tensorflow as tf

        class Agent:
            def __init__(self):
                self.net = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(2)])
                self.opt = tf.keras.optimizers.SGD(0.01)

            def forward(self, states):
                return self.net(states).numpy().astype(np.float32)

            def train_step(self, states):
                with tf.GradientTape() as tape:
                    out = tf.numpy_function(self.forward, [states], tf.float32)
                    loss = tf.reduce_mean(out ** 2)
                grads = tape.gradient(loss, self.net.trainable_variables)
                self.opt.apply_gradients(zip(grads, self.net.trainable_variables))
        """)
    fixed = _fix(outcome)
    assert "return self.net(states).numpy().astype(np.float32)" in fixed  # kept for the rollout
    assert "def forward_tf(self, states):" in fixed and "self.forward_tf(states)" in fixed


@pytest.mark.parametrize("unsafe", [False, True])
def test_a_bias_the_layer_never_uses_is_named_and_added_only_as_an_unsafe_fix(runner, tmp_path, unsafe):
    outcome = _repair(runner, tmp_path, """
        import numpy as np
        import tensorflow as tf

        class Affine(tf.keras.layers.Layer):
            def build(self, input_shape):
                self.w = self.add_weight(name="w", shape=(input_shape[-1], 3))
                self.bias = self.add_weight(name="bias", shape=(3,), initializer="zeros")

            def call(self, x):
                return tf.matmul(x, self.w)

        model = tf.keras.Sequential([tf.keras.Input((5,)), Affine(), tf.keras.layers.Dense(1)])
        """.rstrip(" ") + FIT, unsafe=unsafe)
    (finding,) = outcome.findings
    assert finding.variable.endswith("/bias") and "never reads this variable" in finding.message
    if not unsafe:
        assert isinstance(outcome, Unrepaired)
        return
    assert "return tf.matmul(x, self.w) + self.bias" in _fix(outcome)
    assert outcome.verdict.proposal.safety is Safety.UNSAFE


def test_an_integer_counter_weight_under_mirrored_strategy_is_frozen(runner, tmp_path):
    """The step runs in a replica thread: the finding is placed at the program's model.fit line,
    the cause at the counter's definition, and the fix makes the counter non-trainable."""
    outcome = _repair(runner, tmp_path, """
        import numpy as np
        import tensorflow as tf

        class CountingDense(tf.keras.layers.Layer):
            def build(self, input_shape):
                self.w = self.add_weight(name="w", shape=(input_shape[-1], 4))
                self.calls = self.add_weight(name="calls", shape=(), dtype="int32", initializer="zeros")

            def call(self, x):
                self.calls.assign_add(1)
                return tf.matmul(x, self.w)

        strategy = tf.distribute.MirroredStrategy()
        with strategy.scope():
            model = tf.keras.Sequential([tf.keras.Input((5,)), CountingDense(), tf.keras.layers.Dense(1)])
            model.compile("adam", "mse")
        rng = np.random.default_rng(0)
        x = rng.normal(size=(64, 5)).astype("float32")
        model.fit(x, x[:, :1], epochs=2, batch_size=16, verbose=0)
        """)
    fixed = _fix(outcome)
    (finding,) = outcome.findings
    assert (finding.cause, finding.line, finding.cause_line) == (Cause.INT_DTYPE, 20, 8)
    assert outcome.verdict.proposal.codemods == ("freeze-int-state",)
    assert 'initializer="zeros", trainable=False)' in fixed


def test_a_discriminator_frozen_for_the_combined_model_is_unfrozen_for_its_own_step(runner, tmp_path):
    outcome = _repair(runner, tmp_path, """
        import numpy as np
        import tensorflow as tf

        gen = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(2)])
        disc = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
        disc.trainable = False
        g_opt, d_opt = tf.keras.optimizers.Adam(1e-3), tf.keras.optimizers.Adam(1e-3)
        real = np.random.default_rng(0).normal(size=(8, 2)).astype("float32")
        for step in range(4):
            noise = tf.random.normal([8, 4])
            with tf.GradientTape() as d_tape:
                d_loss = tf.reduce_mean(disc(gen(noise))) - tf.reduce_mean(disc(real))
            d_grads = d_tape.gradient(d_loss, disc.trainable_variables)
            d_opt.apply_gradients(zip(d_grads, disc.trainable_variables))
            with tf.GradientTape() as g_tape:
                g_loss = -tf.reduce_mean(disc(gen(noise)))
            g_opt.apply_gradients(zip(g_tape.gradient(g_loss, gen.trainable_variables), gen.trainable_variables))
        """)
    fixed = _fix(outcome)
    assert {f.cause for f in outcome.findings} == {Cause.NO_VARIABLES}
    assert outcome.verdict.proposal.codemods == ("unfreeze-for-step",)
    assert ("    disc.trainable = True\n    with tf.GradientTape() as d_tape:" in fixed
            and "zip(d_grads, disc.trainable_variables))\n    disc.trainable = False\n" in fixed)


def test_a_custom_gradient_that_drops_its_variables_returns_them_from_an_inner_tape(runner, tmp_path):
    outcome = _repair(runner, tmp_path, """
        import numpy as np
        import tensorflow as tf

        dense = tf.keras.layers.Dense(4)
        dense.build((None, 3))

        @tf.custom_gradient
        def clipped_layer(x):
            y = dense(x)

            def grad(dy, variables=None):
                return tf.clip_by_norm(dy @ tf.transpose(dense.kernel), 1.0), [None] * len(variables)

            return y, grad

        opt = tf.keras.optimizers.SGD(0.1)
        x = tf.constant(np.random.default_rng(0).normal(size=(8, 3)).astype("float32"))

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(clipped_layer(x) ** 2)
            grads = tape.gradient(loss, dense.trainable_variables)
            opt.apply_gradients(zip(grads, dense.trainable_variables))
            return loss

        for i in range(4):
            step()
        """)
    fixed = _fix(outcome)
    assert all("@tf.custom_gradient" in f.message and f.cause_line == 9 for f in outcome.findings), outcome.findings
    assert outcome.verdict.proposal.codemods == ("custom-gradient-variables",)
    assert outcome.verdict.proposal.safety is Safety.SAFE  # the inner tape's target is not taken for the loss
    assert "variables_tape.gradient(y, variables, output_gradients=dy)" in fixed


def test_a_tape_opened_around_strategy_run_is_explained_at_the_run(runner, tmp_path):
    """The replica function runs where the outer tape does not record: there is no local rewrite
    that keeps the program's structure, so the diagnosis must say what to move, and where."""
    outcome = _repair(runner, tmp_path, """
        import numpy as np
        import tensorflow as tf

        strategy = tf.distribute.MirroredStrategy()
        with strategy.scope():
            model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(1)])
            opt = tf.keras.optimizers.SGD(0.01)
        x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")

        def replica_forward(xb):
            return tf.reduce_mean((model(xb) - 1.0) ** 2)

        @tf.function
        def train_step(xb):
            with tf.GradientTape() as tape:
                per_replica = strategy.run(replica_forward, args=(xb,))
                loss = strategy.reduce(tf.distribute.ReduceOp.MEAN, per_replica, axis=None)
            grads = tape.gradient(loss, model.trainable_variables)
            strategy.run(lambda: opt.apply_gradients(zip(grads, model.trainable_variables)))
            return loss

        for i in range(3):
            train_step(tf.constant(x))
        """)
    assert isinstance(outcome, Unrepaired)
    assert {(f.cause, f.cause_line) for f in outcome.findings} == {(Cause.OUTSIDE_TAPE, 17)}
    assert "inside the replica function" in outcome.findings[0].message


def test_the_seed_articles_integer_example_is_repaired_as_a_labelled_unsafe_fix(runner, tmp_path):
    """``scale = tf.Variable(3)`` meeting integer data: making the variable float is not enough (the
    step would fail on float * int32), the integer tensors it meets are cast too; values change."""
    code = """
        import tensorflow as tf

        xs = tf.constant([1, 2, 3, 4])
        ys = tf.constant([3, 5, 7, 9])
        scale = tf.Variable(3)
        opt = tf.keras.optimizers.SGD(0.01)
        for step in range(3):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((scale * xs - ys) ** 2)
            grads = tape.gradient(loss, [scale])
            opt.apply_gradients(zip(grads, [scale]))
        """
    outcome = _repair(runner, tmp_path, code)
    assert isinstance(outcome, Unrepaired) and outcome.suggestion is not None  # offered, not applied
    assert {f.cause for f in outcome.findings} == {Cause.INT_DTYPE}
    fixed = _fix(_repair(runner, tmp_path, code, unsafe=True))
    assert "scale = tf.Variable(3, dtype=tf.float32)" in fixed
    assert "scale * tf.cast(xs, tf.float32) - tf.cast(ys, tf.float32)" in fixed
