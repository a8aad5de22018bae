"""numpy_in_graph: the loss converted to a Python number with ``float()`` (the tape body's last
assignment, or the return value of a loss function)."""
from __future__ import annotations

import libcst as cst

from ..base import Example, MutatingTransformer, Operator, Unchanged


def _float(value):
    return cst.Call(func=cst.Name("float"), args=[cst.Arg(value)])


class _T(MutatingTransformer):
    def leave_With(self, original_node, updated_node):
        if self.done or not self.is_tape_with(original_node) or not isinstance(original_node.body, cst.IndentedBlock):
            return updated_node
        last = original_node.body.body[-1]
        if (isinstance(last, cst.SimpleStatementLine) and len(last.body) == 1
                and isinstance(last.body[0], cst.Assign) and len(last.body[0].targets) == 1
                and isinstance(last.body[0].targets[0].target, cst.Name) and self.hit(last)):
            body = list(updated_node.body.body)
            stmt = body[-1]
            assign = stmt.body[0]
            body[-1] = stmt.with_changes(body=[assign.with_changes(value=_float(assign.value))])
            return updated_node.with_changes(body=updated_node.body.with_changes(body=body))
        return updated_node

    def leave_Return(self, original_node, updated_node):
        if self.done or original_node.value is None:
            return updated_node
        fn = self.enclosing_function(original_node)
        if fn is None or "loss" not in fn.name.value.lower() or isinstance(original_node.value, cst.Tuple):
            return updated_node
        if self.hit(original_node):
            return updated_node.with_changes(value=_float(updated_node.value))
        return updated_node


class FloatLoss(Operator):
    NAME = "float_loss"
    CATEGORY = "numpy_in_graph"
    DESCRIPTION = "Convert the loss to a Python float (the tape body's last assignment or a loss function's return)."
    Transformer = _T
    EXAMPLES = (
        Example(
            before="""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    loss = tf2.reduce_mean(model(x))
""",
            after=("""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    loss = float(tf2.reduce_mean(model(x)))
""",),
            title="alias",
        ),
        Example(
            before="""\
from tensorflow import reduce_mean

def mse_loss(a, b):
    return reduce_mean((a - b) ** 2)
""",
            after=("""\
from tensorflow import reduce_mean

def mse_loss(a, b):
    return float(reduce_mean((a - b) ** 2))
""",),
            title="loss function, from-import",
        ),
        Unchanged("""\
def predict(a):
    return a
def loss_pair(a):
    return a, a
""", title="not a loss; a tuple"),
    )
