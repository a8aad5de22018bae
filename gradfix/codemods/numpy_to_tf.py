"""Replace NumPy (and ``math``, ``.numpy()``, ``.tolist()``, ``float()``, ``int()``) on tensor-derived values
with TensorFlow: on the gradient path of a tape, and in the functions the loss ran through."""

from __future__ import annotations

import textwrap

from gradfix.codemods.base import (
    Example,
    RegionCodemod,
    Unchanged,
)
from gradfix.codemods.numpy_convert import ToTf
from gradfix.types import Cause, Safety


class NumpyToTf(RegionCodemod):
    TRANSFORMER = ToTf
    NAME = "numpy-to-tf"
    DESCRIPTION = "Replace NumPy calls, .numpy() and float() on the gradient path with TensorFlow ops"
    CAUSES = (Cause.NUMPY_IN_GRAPH, Cause.LOSS_DISCONNECTED)
    SAFETY = Safety.SAFE  # same values up to float32 rounding order (the verifier's tolerance)
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
