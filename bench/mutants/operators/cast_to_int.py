"""non_differentiable_op: a value on the gradient path cast to an integer type and back
(``tf.cast(tf.cast(v, tf.int32), tf.float32)``), as when quantising or indexing with it."""
from __future__ import annotations

from ..base import Example, Operator, Unchanged, code_of, expr
from .round_on_path import PathValues


class _T(PathValues):
    def mutate(self, value):
        tf = self.tf()
        return expr(f"{tf}.cast({tf}.cast({code_of(value)}, {tf}.int32), {tf}.float32)")

    def leave_Lambda(self, original_node, updated_node):
        return updated_node

    def leave_Return(self, original_node, updated_node):
        return updated_node


class CastToInt(Operator):
    NAME = "cast_to_int"
    CATEGORY = "non_differentiable_op"
    DESCRIPTION = "Cast an assigned value on the gradient path to int32 and back to float32."
    FAITHFUL_TO = "forward"  # the op changes values: a fix that keeps them gives the mutant's loss
    Transformer = _T
    EXAMPLES = (
        Example(
            before="""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    scores = model(x) * 10.0
""",
            after=("""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    scores = tf2.cast(tf2.cast(model(x) * 10.0, tf2.int32), tf2.float32)
""",),
            title="alias",
        ),
        Example(
            before="""\
from tensorflow import keras

class Block(keras.layers.Layer):
    def call(self, x):
        h = self.dense(x)
        return h
""",
            after=("""\
from tensorflow import keras
import tensorflow as tf

class Block(keras.layers.Layer):
    def call(self, x):
        h = tf.cast(tf.cast(self.dense(x), tf.int32), tf.float32)
        return h
""",),
            title="layer call, from-import",
        ),
        Unchanged("""\
import tensorflow as tf
def prepare(x):
    h = x * 2
    return h
""", title="not on the path"),
    )
