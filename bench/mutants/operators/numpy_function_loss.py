"""numpy_in_graph: a reduction on the gradient path computed in NumPy through
``tf.numpy_function`` (``tf.reduce_mean``) or ``tf.py_function`` (``tf.reduce_sum``)."""
from __future__ import annotations

from ..base import Example, MutatingTransformer, Operator, Unchanged, code_of, expr

WRAP = {"tensorflow.reduce_mean": ("numpy_function", "mean"), "tensorflow.math.reduce_mean": ("numpy_function", "mean"),
        "tensorflow.reduce_sum": ("py_function", "sum"), "tensorflow.math.reduce_sum": ("py_function", "sum")}


class _T(MutatingTransformer):
    def leave_Call(self, original_node, updated_node):
        if self.done:
            return updated_node
        wrap = next((WRAP[q] for q in self.qnames(original_node.func) if q in WRAP), None)
        if (wrap is None or len(original_node.args) != 1 or original_node.args[0].keyword is not None
                or not self.on_path(original_node)):
            return updated_node
        if self.hit(original_node):
            kind, fn = wrap
            tf, np = self.tf(), self.np()
            arg = code_of(updated_node.args[0].value)
            return expr(f"{tf}.{kind}({np}.{fn}, [{arg}], {tf}.float32)")
        return updated_node


class NumpyFunctionLoss(Operator):
    NAME = "numpy_function_loss"
    CATEGORY = "numpy_in_graph"
    DESCRIPTION = "Compute a mean or sum on the gradient path in NumPy through tf.numpy_function / tf.py_function."
    Transformer = _T
    EXAMPLES = (
        Example(
            before="""\
import tensorflow as tf2

def my_loss(a, b):
    return tf2.reduce_mean(tf2.reduce_sum(a - b))
""",
            after=("""\
import tensorflow as tf2
import numpy as np

def my_loss(a, b):
    return tf2.reduce_mean(tf2.py_function(np.sum, [a - b], tf2.float32))
""", """\
import tensorflow as tf2
import numpy as np

def my_loss(a, b):
    return tf2.numpy_function(np.mean, [tf2.reduce_sum(a - b)], tf2.float32)
"""),
            title="alias",
        ),
        Example(
            before="""\
from tensorflow import reduce_mean
import tensorflow as tf
with tf.GradientTape() as t:
    loss = reduce_mean(err)
""",
            after=("""\
from tensorflow import reduce_mean
import tensorflow as tf
import numpy as np
with tf.GradientTape() as t:
    loss = tf.numpy_function(np.mean, [err], tf.float32)
""",),
            title="from-import",
        ),
        Unchanged("""\
import tensorflow as tf
def my_loss(a):
    return tf.reduce_mean(a, axis=0)
""", title="an axis"),
    )
