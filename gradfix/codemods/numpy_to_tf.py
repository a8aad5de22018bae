"""Replace NumPy (and ``math``, ``.numpy()``, ``.tolist()``, ``float()``, ``int()``) on tensor-derived values
with TensorFlow: on the gradient path of a tape, and in the functions the loss ran through."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.flow import analyse
from gradfix.analysis.names import tf_spelling
from gradfix.analysis.regions import gradient_regions
from gradfix.codemods.base import (
    Example,
    Focus,
    RegionCodemod,
    Rewrite,
    Unchanged,
    apply_transformer,
    declined,
)
from gradfix.codemods.numpy_convert import ToTf
from gradfix.types import Cause, Safety


class NumpyToTf(RegionCodemod):
    TRANSFORMER = ToTf
    NAME = "numpy-to-tf"
    DESCRIPTION = "Replace NumPy calls, .numpy() and float() on the gradient path with TensorFlow ops"
    CAUSES = (Cause.NUMPY_IN_GRAPH, Cause.LOSS_DISCONNECTED)
    SAFETY = Safety.SAFE  # same values up to float32 rounding order (the verifier's tolerance)

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        """Two passes: the first may inline a ``tf.numpy_function``'s function into the tape, whose
        NumPy (in its body, now called on the path) the second pass converts."""
        first, twinned = self._pass(source, focus)
        if not first.changed or not any("tf.numpy_function" in n for n in first.notes):
            return first
        second, _ = self._pass(first.code, focus.moved(source, first.code) if focus is not None else None)
        code = second.code if second.changed else first.code
        code = restore(source, code, twinned) if twinned else code
        return Rewrite(code, code != source, tuple(dict.fromkeys(first.notes + second.notes)))

    def _pass(self, source: str, focus: Optional[Focus]) -> tuple[Rewrite, frozenset]:
        """One conversion, and the functions it gave a TensorFlow twin ((class or None, name))."""
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module"), frozenset()
        regions = gradient_regions(flow, focus, with_data=self.WITH_DATA)
        if not regions:
            return declined(source), frozenset()
        transformer = ToTf(flow, regions, tf_spelling(flow.module))
        return apply_transformer(source, flow.module, transformer), frozenset(transformer.twinned)
    EXAMPLES = (
        Example(
            title="seed: .numpy() and np.sqrt after the tape",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                import numpy as np
                w = tf.Variable(1.0)
                with tf.GradientTape() as tape:
                    loss = (w * 2.0) ** 2
                loss_np = loss.numpy()
                scaled_loss = np.sqrt(loss_np)
                grads = tape.gradient(scaled_loss, w)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                import numpy as np
                w = tf.Variable(1.0)
                with tf.GradientTape() as tape:
                    loss = (w * 2.0) ** 2
                loss_np = loss
                scaled_loss = tf.sqrt(loss_np)
                grads = tape.gradient(scaled_loss, w)
                """
            ),
        ),
        Example(
            title="aliases, keywords, a helper function; data preparation keeps NumPy",
            before=textwrap.dedent(
                """\
                import numpy as onp
                import tensorflow as tf2
                x = onp.linspace(0.0, 1.0, 8).astype(onp.float32)
                w = tf2.Variable(onp.ones(8, dtype=onp.float32))
                def penalty(v):
                    return onp.sum(onp.abs(v), axis=0)
                with tf2.GradientTape() as tape:
                    err = onp.array(w * x) - 1.0
                    loss = onp.mean(onp.square(err), keepdims=True) + float(penalty(w))
                grads = tape.gradient(loss, [w])
                """
            ),
            after=textwrap.dedent(
                """\
                import numpy as onp
                import tensorflow as tf2
                x = onp.linspace(0.0, 1.0, 8).astype(onp.float32)
                w = tf2.Variable(onp.ones(8, dtype=onp.float32))
                def penalty(v):
                    return tf2.reduce_sum(tf2.abs(v), axis=0)
                with tf2.GradientTape() as tape:
                    err = tf2.convert_to_tensor(w * x) - 1.0
                    loss = tf2.reduce_mean(tf2.square(err), keepdims=True) + penalty(w)
                grads = tape.gradient(loss, [w])
                """
            ),
        ),
        Example(
            title="from imports, math, concatenate and clip",
            before=textwrap.dedent(
                """\
                from numpy import clip, concatenate
                from tensorflow import GradientTape, Variable
                import math
                a = Variable([1.0, 2.0])
                b = Variable([3.0])
                with GradientTape() as tape:
                    both = concatenate([a, b])
                    loss = math.sqrt(clip(both, 0.0, a_max=2.5)[0])
                grads = tape.gradient(loss, [a, b])
                """
            ),
            after=textwrap.dedent(
                """\
                from numpy import clip, concatenate
                from tensorflow import GradientTape, Variable
                import math
                import tensorflow as tf

                a = Variable([1.0, 2.0])
                b = Variable([3.0])
                with GradientTape() as tape:
                    both = tf.concat([a, b], axis=0)
                    loss = tf.sqrt(tf.clip_by_value(both, 0.0, clip_value_max=2.5)[0])
                grads = tape.gradient(loss, [a, b])
                """
            ),
        ),
        Example(
            title="a list of losses reduced with NumPy; int() as an index and as a number; .tolist()",
            before=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf
                w = tf.Variable([1.0, 2.0, 3.0])
                with tf.GradientTape() as tape:
                    losses = []
                    for i in range(3):
                        part = tf.reduce_sum(w * i)
                        losses.append(part)
                    best = int(tf.argmax(w))
                    scale = int(tf.reduce_max(w))
                    loss = np.sum(losses) + np.mean(losses) + w[best] * scale + np.sum(w.tolist())
                grads = tape.gradient(loss, w)
                """
            ),
            after=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf
                w = tf.Variable([1.0, 2.0, 3.0])
                with tf.GradientTape() as tape:
                    losses = []
                    for i in range(3):
                        part = tf.reduce_sum(w * i)
                        losses.append(part)
                    best = tf.cast(tf.argmax(w), tf.int32)
                    scale = tf.reduce_max(w)
                    loss = tf.add_n(losses) + tf.reduce_mean(tf.stack(losses)) + w[best] * scale + tf.reduce_sum(w)
                grads = tape.gradient(loss, w)
                """
            ),
        ),
        Example(
            title="a loss rebuilt with tf.constant(NumPy) in a tf.function: the wrapper goes too",
            before=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf
                w = tf.Variable([1.0, 2.0])
                @tf.function
                def step(x):
                    with tf.GradientTape() as tape:
                        pred = w * x
                        loss = tf.constant(np.mean(np.square(pred - 1.0)), dtype=tf.float32)
                        aux = tf.convert_to_tensor(np.sum(pred))
                    return tape.gradient(loss + aux, w)
                """
            ),
            after=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf
                w = tf.Variable([1.0, 2.0])
                @tf.function
                def step(x):
                    with tf.GradientTape() as tape:
                        pred = w * x
                        loss = tf.cast(tf.reduce_mean(tf.square(pred - 1.0)), tf.float32)
                        aux = tf.reduce_sum(pred)
                    return tape.gradient(loss + aux, w)
                """
            ),
        ),
        Example(
            title="a loss wrapped in tf.numpy_function / tf.py_function: the function runs on the tensors",
            before=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf
                w = tf.Variable([1.0, 2.0])
                def host_loss(a, b):
                    return np.mean(np.square(a - b)).astype(np.float32)
                with tf.GradientTape() as tape:
                    pred = w * 3.0
                    mse = tf.numpy_function(np.mean, [tf.square(pred - 1.0)], tf.float32)
                    other = tf.py_function(func=host_loss, inp=[pred, tf.ones_like(pred)], Tout=tf.float32)
                    l1 = tf.numpy_function(lambda p: np.abs(p).sum(), [pred], tf.float32, name="l1")
                    loss = mse + other + l1
                grads = tape.gradient(loss, [w])
                """
            ),
            after=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf
                w = tf.Variable([1.0, 2.0])
                def host_loss(a, b):
                    return tf.cast(tf.reduce_mean(tf.square(a - b)), tf.float32)
                with tf.GradientTape() as tape:
                    pred = w * 3.0
                    mse = tf.cast(tf.reduce_mean(tf.square(pred - 1.0)), tf.float32)
                    other = tf.cast(host_loss(pred, tf.ones_like(pred)), tf.float32)
                    l1 = tf.cast(tf.reduce_sum(tf.abs(pred)), tf.float32)
                    loss = mse + other + l1
                grads = tape.gradient(loss, [w])
                """
            ),
        ),
        Example(
            title="a method run through tf.numpy_function that other code calls for NumPy: the tape gets a twin",
            before=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf
                class Agent:
                    def __init__(self):
                        self.net = tf.keras.Sequential([tf.keras.layers.Dense(2)])
                    def act(self, states):
                        \"\"\"NumPy in, NumPy out.\"\"\"
                        return self.net(states).numpy().astype(np.float32)
                    def train_step(self, states):
                        with tf.GradientTape() as tape:
                            out = tf.numpy_function(self.act, [states], tf.float32)
                            loss = tf.reduce_mean(out ** 2)
                        return tape.gradient(loss, self.net.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf
                class Agent:
                    def __init__(self):
                        self.net = tf.keras.Sequential([tf.keras.layers.Dense(2)])
                    def act(self, states):
                        \"\"\"NumPy in, NumPy out.\"\"\"
                        return self.net(states).numpy().astype(np.float32)

                    def act_tf(self, states):
                        \"\"\"The TensorFlow version of act, for the gradient tape.\"\"\"
                        return tf.cast(self.net(states), tf.float32)
                    def train_step(self, states):
                        with tf.GradientTape() as tape:
                            out = tf.cast(self.act_tf(states), tf.float32)
                            loss = tf.reduce_mean(out ** 2)
                        return tape.gradient(loss, self.net.trainable_variables)
                """
            ),
        ),
        Example(
            title="array methods on a value that was NumPy: .mean(), .T, .reshape(), .clip(), .astype()",
            before=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
                x = np.ones((4, 3), dtype=np.float32)
                with tf.GradientTape() as tape:
                    out = model(x).numpy()
                    flat = out.T.reshape(-1).clip(-5.0, max=5.0).astype(np.float32)
                    loss = flat.mean() + out.sum(axis=1, keepdims=True).max()
                grads = tape.gradient(loss, model.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
                x = np.ones((4, 3), dtype=np.float32)
                with tf.GradientTape() as tape:
                    out = model(x)
                    flat = tf.cast(tf.clip_by_value(tf.reshape(tf.transpose(out), [-1]), -5.0, clip_value_max=5.0), tf.float32)
                    loss = tf.reduce_mean(flat) + tf.reduce_max(tf.reduce_sum(out, axis=1, keepdims=True))
                grads = tape.gradient(loss, model.trainable_variables)
                """
            ),
        ),
        Example(
            title="NumPy's pick-one-per-row index on the policy's probabilities (REINFORCE)",
            before=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf
                policy = tf.keras.Sequential([tf.keras.layers.Dense(3)])
                obs, actions = np.ones((4, 5), dtype=np.float32), np.array([0, 2, 1, 1])
                with tf.GradientTape() as tape:
                    probs = tf.nn.softmax(policy(obs))
                    log_probs = np.log(probs.numpy()[np.arange(len(actions)), actions] + 1e-8)
                    loss = -tf.reduce_mean(log_probs)
                grads = tape.gradient(loss, policy.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf
                policy = tf.keras.Sequential([tf.keras.layers.Dense(3)])
                obs, actions = np.ones((4, 5), dtype=np.float32), np.array([0, 2, 1, 1])
                with tf.GradientTape() as tape:
                    probs = tf.nn.softmax(policy(obs))
                    log_probs = tf.math.log(tf.gather(probs, actions, batch_dims=1) + 1e-8)
                    loss = -tf.reduce_mean(log_probs)
                grads = tape.gradient(loss, policy.trainable_variables)
                """
            ),
        ),
        Unchanged(
            title="a forward pass before the tape and NumPy data preparation: not recorded, not rewritten",
            code=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                x = np.ones((4, 3), dtype=np.float32)
                y = (x[:, :1] * 2.0 - 1.0).astype(np.float32)
                probs = tf.nn.softmax(model(x)[:, 0]).numpy()
                weights = probs / probs.sum()
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(weights * tf.square(model(x) - y))
                grads = tape.gradient(loss, model.trainable_variables)
                """
            ),
        ),
        Unchanged(
            title="NumPy only prepares data; printing after the gradient is fine",
            code=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf
                data = np.sqrt(np.arange(4.0, dtype=np.float32))
                w = tf.Variable(1.0)
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(w * data)
                grads = tape.gradient(loss, w)
                print(np.mean(grads.numpy()), float(loss))
                """
            ),
        ),
    )


def restore(source: str, code: str, functions: frozenset) -> str:
    """``code`` with the functions named in ``functions`` ((class name or None, name)) as they are
    in ``source``: a function given a TensorFlow twin keeps its NumPy code for its other callers."""
    before = cst.parse_module(source)
    originals = {}
    for stmt in before.body:
        if isinstance(stmt, cst.FunctionDef):
            originals[(None, stmt.name.value)] = stmt
        elif isinstance(stmt, cst.ClassDef):
            for item in stmt.body.body:
                if isinstance(item, cst.FunctionDef):
                    originals[(stmt.name.value, item.name.value)] = item

    def swapped(owner, body):
        return [originals.get((owner, s.name.value), s) if isinstance(s, cst.FunctionDef)
                and (owner, s.name.value) in functions else s for s in body]

    after = cst.parse_module(code)
    body = [s.with_changes(body=s.body.with_changes(body=swapped(s.name.value, s.body.body)))
            if isinstance(s, cst.ClassDef) else s for s in swapped(None, after.body)]
    return after.with_changes(body=body).code
