"""outside_tape: a statement of the tape body (a forward pass, a helper or method call that runs
layers) moved before the ``with tf.GradientTape()`` block."""
from __future__ import annotations

import libcst as cst
from libcst import matchers as m

from ..base import Example, MutatingTransformer, Operator, Unchanged, names_assigned, names_read


def movable_statements(t: MutatingTransformer, node: cst.With):
    """Indices of the tape body's statements that can be moved before the tape: an assignment with
    a call in its value that reads nothing the body assigned before it (nor the tape)."""
    if not t.is_tape_with(node) or not isinstance(node.body, cst.IndentedBlock):
        return []
    body = node.body.body
    if len(body) < 2:
        return []
    blocked = set(t.tape_names(node))
    out = []
    for i, stmt in enumerate(body):
        if (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
                and isinstance(stmt.body[0], cst.Assign)
                and m.findall(stmt.body[0].value, m.Call())
                and not (names_read(stmt.body[0].value) & blocked)):
            out.append(i)
        blocked |= names_assigned(stmt)
    return out


class _T(MutatingTransformer):
    def leave_With(self, original_node, updated_node):
        if self.done:
            return updated_node
        for i in movable_statements(self, original_node):
            if self.hit(original_node.body.body[i]):
                body = list(updated_node.body.body)
                moved = body.pop(i).with_changes(leading_lines=updated_node.leading_lines)
                tape = updated_node.with_changes(body=updated_node.body.with_changes(body=body),
                                                 leading_lines=())
                return cst.FlattenSentinel([moved, tape])
        return updated_node


class HoistBeforeTape(Operator):
    NAME = "hoist_before_tape"
    CATEGORY = "outside_tape"
    DESCRIPTION = "Move one statement of the tape body (a forward pass or helper call) before the tape."
    Transformer = _T
    EXAMPLES = (
        Example(
            before="""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    h = model(x)
    loss = tf2.reduce_mean(h)
""",
            after=("""\
import tensorflow as tf2

h = model(x)
with tf2.GradientTape() as tape:
    loss = tf2.reduce_mean(h)
""",),
            title="forward pass",
        ),
        Example(
            before="""\
from tensorflow import GradientTape

def step(x):
    with GradientTape() as g:
        a = self.encoder(x)
        b = helper(x)
        loss = a + b
    return g.gradient(loss, w)
""",
            after=("""\
from tensorflow import GradientTape

def step(x):
    a = self.encoder(x)
    with GradientTape() as g:
        b = helper(x)
        loss = a + b
    return g.gradient(loss, w)
""", """\
from tensorflow import GradientTape

def step(x):
    b = helper(x)
    with GradientTape() as g:
        a = self.encoder(x)
        loss = a + b
    return g.gradient(loss, w)
"""),
            title="helper and method calls, from-import",
        ),
        Unchanged("""\
import tensorflow as tf
with tf.GradientTape() as tape:
    loss = model(x)
""", title="one statement"),
        Unchanged("""\
import tensorflow as tf
with tf.GradientTape() as tape:
    tape.watch(x)
    y = x * x
""", title="no call"),
    )
