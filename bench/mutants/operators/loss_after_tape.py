"""outside_tape: the tape body's last statement (the loss) computed after the tape block."""
from __future__ import annotations

import libcst as cst

from ..base import Example, MutatingTransformer, Operator, Unchanged


class _T(MutatingTransformer):
    def leave_With(self, original_node, updated_node):
        if self.done or not self.is_tape_with(original_node) or not isinstance(original_node.body, cst.IndentedBlock):
            return updated_node
        body = original_node.body.body
        last = body[-1]
        if (len(body) >= 2 and isinstance(last, cst.SimpleStatementLine) and len(last.body) == 1
                and isinstance(last.body[0], (cst.Assign, cst.AugAssign)) and self.hit(last)):
            new_body = list(updated_node.body.body)
            moved = new_body.pop().with_changes(leading_lines=())
            tape = updated_node.with_changes(body=updated_node.body.with_changes(body=new_body))
            return cst.FlattenSentinel([tape, moved])
        return updated_node


class LossAfterTape(Operator):
    NAME = "loss_after_tape"
    CATEGORY = "outside_tape"
    DESCRIPTION = "Compute the loss (the tape body's last assignment) after the tape block instead of in it."
    Transformer = _T
    EXAMPLES = (
        Example(
            before="""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    logits = model(x)
    loss = tf2.reduce_mean(logits)
grads = tape.gradient(loss, model.trainable_variables)
""",
            after=("""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    logits = model(x)
loss = tf2.reduce_mean(logits)
grads = tape.gradient(loss, model.trainable_variables)
""",),
            title="alias",
        ),
        Example(
            before="""\
from tensorflow import GradientTape

def step():
    with GradientTape() as g, GradientTape() as d:
        fake = gen(z)
        g_loss = gl(fake)
        d_loss += dl(fake)
    return g_loss, d_loss
""",
            after=("""\
from tensorflow import GradientTape

def step():
    with GradientTape() as g, GradientTape() as d:
        fake = gen(z)
        g_loss = gl(fake)
    d_loss += dl(fake)
    return g_loss, d_loss
""",),
            title="two tapes, from-import",
        ),
        Unchanged("""\
import tensorflow as tf
with tf.GradientTape() as tape:
    loss = model(x)
""", title="one statement"),
        Unchanged("""\
import tensorflow as tf
with tf.GradientTape() as tape:
    y = model(x)
    tape.watch(y)
""", title="last is not an assignment"),
    )
