"""numpy_in_graph: a TensorFlow function on the gradient path replaced by its NumPy twin
(``tf.reduce_mean`` -> ``np.mean``, ``tf.square`` -> ``np.square``, ...)."""
from __future__ import annotations

import libcst as cst

from ..base import Example, MutatingTransformer, Operator, Unchanged

TWINS = {
    "reduce_mean": "mean", "math.reduce_mean": "mean", "reduce_sum": "sum", "math.reduce_sum": "sum",
    "reduce_max": "max", "math.reduce_max": "max", "square": "square", "math.square": "square",
    "sqrt": "sqrt", "math.sqrt": "sqrt", "exp": "exp", "math.exp": "exp", "math.log": "log",
    "abs": "abs", "math.abs": "abs", "maximum": "maximum", "math.maximum": "maximum",
    "minimum": "minimum", "math.minimum": "minimum", "tanh": "tanh", "math.tanh": "tanh",
    "matmul": "matmul", "linalg.matmul": "matmul", "concat": "concatenate",
}
QUALIFIED = {"tensorflow." + k: v for k, v in TWINS.items()}


class _T(MutatingTransformer):
    def leave_Call(self, original_node, updated_node):
        if self.done:
            return updated_node
        twin = next((QUALIFIED[q] for q in self.qnames(original_node.func) if q in QUALIFIED), None)
        if twin is None or not original_node.args or not self.on_path(original_node):
            return updated_node
        if self.hit(original_node):
            args = [a for a in updated_node.args if not (a.keyword and a.keyword.value == "name")]
            if args:
                args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            func = cst.Attribute(value=cst.Name(self.np()), attr=cst.Name(twin))
            return updated_node.with_changes(func=func, args=args)
        return updated_node


class NumpyFunctions(Operator):
    NAME = "numpy_functions"
    CATEGORY = "numpy_in_graph"
    DESCRIPTION = "Replace a TensorFlow function on the gradient path by its NumPy twin (tf.reduce_mean -> np.mean)."
    Transformer = _T
    EXAMPLES = (
        Example(
            before="""\
import numpy as onp
import tensorflow as tf2

with tf2.GradientTape() as tape:
    loss = tf2.reduce_mean(tf2.square(model(x) - y), name="mse")
""",
            after=("""\
import numpy as onp
import tensorflow as tf2

with tf2.GradientTape() as tape:
    loss = tf2.reduce_mean(onp.square(model(x) - y), name="mse")
""", """\
import numpy as onp
import tensorflow as tf2

with tf2.GradientTape() as tape:
    loss = onp.mean(tf2.square(model(x) - y))
"""),
            title="aliases",
        ),
        Example(
            before="""\
from tensorflow import math

def my_loss(a, b):
    return math.reduce_sum(math.abs(a - b), axis=-1)
""",
            after=("""\
from tensorflow import math
import numpy as np

def my_loss(a, b):
    return math.reduce_sum(np.abs(a - b), axis=-1)
""", """\
from tensorflow import math
import numpy as np

def my_loss(a, b):
    return np.sum(math.abs(a - b), axis=-1)
"""),
            title="from-import, numpy imported",
        ),
        Unchanged("""\
import tensorflow as tf
data = tf.reduce_mean(raw)
def load():
    return tf.square(raw)
""", title="not on the gradient path"),
    )
