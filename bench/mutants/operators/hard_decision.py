"""non_differentiable_op: a soft decision on the gradient path made hard: ``softmax(x)`` becomes a
one-hot ``argmax``, ``sigmoid(x)`` a threshold ``cast(x > 0, float32)``."""
from __future__ import annotations

from ..base import Example, MutatingTransformer, Operator, Unchanged, code_of, expr

SOFTMAX = {"tensorflow.nn.softmax", "tensorflow.math.softmax", "keras.activations.softmax",
           "tensorflow.keras.activations.softmax", "keras.ops.softmax"}
SIGMOID = {"tensorflow.sigmoid", "tensorflow.nn.sigmoid", "tensorflow.math.sigmoid", "keras.activations.sigmoid",
           "tensorflow.keras.activations.sigmoid", "keras.ops.sigmoid"}


class _T(MutatingTransformer):
    def leave_Call(self, original_node, updated_node):
        if self.done or not original_node.args or original_node.args[0].keyword is not None:
            return updated_node
        names = self.qnames(original_node.func)
        kind = "softmax" if names & SOFTMAX else "sigmoid" if names & SIGMOID else None
        if kind is None or not self.on_path(original_node):
            return updated_node
        if self.hit(original_node):
            tf = self.tf()
            x = code_of(updated_node.args[0].value)
            if kind == "softmax":
                return expr(f"{tf}.one_hot({tf}.argmax({x}, axis=-1), {tf}.shape({x})[-1])")
            return expr(f"{tf}.cast({x} > 0.0, {tf}.float32)")
        return updated_node


class HardDecision(Operator):
    NAME = "hard_decision"
    CATEGORY = "non_differentiable_op"
    DESCRIPTION = "Make a soft decision hard on the gradient path: softmax -> one_hot(argmax), sigmoid -> threshold."
    FAITHFUL_TO = "forward"  # the op changes values: a fix that keeps them gives the mutant's loss
    Transformer = _T
    EXAMPLES = (
        Example(
            before="""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    probs = tf2.nn.softmax(logits)
    gate = tf2.sigmoid(z)
""",
            after=("""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    probs = tf2.one_hot(tf2.argmax(logits, axis=-1), tf2.shape(logits)[-1])
    gate = tf2.sigmoid(z)
""", """\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    probs = tf2.nn.softmax(logits)
    gate = tf2.cast(z > 0.0, tf2.float32)
"""),
            title="alias",
        ),
        Example(
            before="""\
from tensorflow.nn import softmax

def attention_loss(q, k):
    return softmax(q @ k)
""",
            after=("""\
from tensorflow.nn import softmax
import tensorflow as tf

def attention_loss(q, k):
    return tf.one_hot(tf.argmax(q @ k, axis=-1), tf.shape(q @ k)[-1])
""",),
            title="from-import",
        ),
        Unchanged("""\
import tensorflow as tf
probs = tf.nn.softmax(logits)
""", title="module level"),
    )
