"""loss_disconnected: the gradient's target taken from a second, separate forward pass: the tape
body's assignments run again after the tape (e.g. to log the loss), rebinding the target."""
from __future__ import annotations

import libcst as cst

from ..base import Example, MutatingTransformer, Operator, Unchanged


class _T(MutatingTransformer):
    def leave_With(self, original_node, updated_node):
        if self.done or not self.is_tape_with(original_node) or not isinstance(original_node.body, cst.IndentedBlock):
            return updated_node
        body = original_node.body.body
        assigns = [s for s in body if isinstance(s, cst.SimpleStatementLine) and len(s.body) == 1
                   and isinstance(s.body[0], cst.Assign)]
        if not assigns or len(assigns) != len([s for s in body if not _is_watch(s)]):
            return updated_node
        if self.hit(original_node):
            again = [s.with_changes(leading_lines=()) for s in updated_node.body.body if not _is_watch(s)]
            return cst.FlattenSentinel([updated_node, *again])
        return updated_node


def _is_watch(stmt) -> bool:
    return (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
            and isinstance(stmt.body[0], cst.Expr) and isinstance(stmt.body[0].value, cst.Call)
            and isinstance(stmt.body[0].value.func, cst.Attribute)
            and stmt.body[0].value.func.attr.value == "watch")


class SecondForwardPass(Operator):
    NAME = "second_forward_pass"
    CATEGORY = "loss_disconnected"
    DESCRIPTION = "Run the forward pass and loss again after the tape, so the gradient's target is the second, unrecorded one."
    Transformer = _T
    EXAMPLES = (
        Example(
            before="""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    tape.watch(x)
    pred = model(x)
    loss = tf2.reduce_mean(pred)
grads = tape.gradient(loss, model.trainable_variables)
""",
            after=("""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    tape.watch(x)
    pred = model(x)
    loss = tf2.reduce_mean(pred)
pred = model(x)
loss = tf2.reduce_mean(pred)
grads = tape.gradient(loss, model.trainable_variables)
""",),
            title="alias",
        ),
        Example(
            before="""\
from tensorflow import GradientTape
with GradientTape() as g:
    loss = f(w)
""",
            after=("""\
from tensorflow import GradientTape
with GradientTape() as g:
    loss = f(w)
loss = f(w)
""",),
            title="from-import",
        ),
        Unchanged("""\
import tensorflow as tf
with tf.GradientTape() as tape:
    for x in xs:
        loss = model(x)
""", title="a loop in the body"),
    )
