"""assign_or_scatter: a differentiable value of the tape body written into a new (buffer) variable,
``h = tf.Variable(f(w), trainable=False)``, and the rest of the step reads the variable."""
from __future__ import annotations

import libcst as cst

from ..base import Example, MutatingTransformer, Operator, Unchanged, code_of, expr


class _T(MutatingTransformer):
    def leave_Assign(self, original_node, updated_node):
        if self.done or len(original_node.targets) != 1 or not isinstance(original_node.targets[0].target, cst.Name):
            return updated_node
        if not isinstance(original_node.value, (cst.Call, cst.BinaryOperation)) or not self.in_tape(original_node):
            return updated_node
        if self.hit(original_node):
            return updated_node.with_changes(
                value=expr(f"{self.tf()}.Variable({code_of(updated_node.value)}, trainable=False)"))
        return updated_node


class VariableFromValue(Operator):
    NAME = "variable_from_value"
    CATEGORY = "assign_or_scatter"
    DESCRIPTION = "Store a differentiable value of the tape body in a new non-trainable tf.Variable (a buffer)."
    Transformer = _T
    EXAMPLES = (
        Example(
            before="""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    h = encoder(x)
""",
            after=("""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    h = tf2.Variable(encoder(x), trainable=False)
""",),
            title="alias",
        ),
        Example(
            before="""\
from tensorflow import GradientTape
with GradientTape() as g:
    z = a + b
""",
            after=("""\
from tensorflow import GradientTape
import tensorflow as tf
with GradientTape() as g:
    z = tf.Variable(a + b, trainable=False)
""",),
            title="from-import",
        ),
        Unchanged("""\
import tensorflow as tf
h = encoder(x)
""", title="no tape"),
    )
