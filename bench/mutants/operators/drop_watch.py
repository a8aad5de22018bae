"""unwatched_tensor: a ``tape.watch(x)`` statement dropped (the tensor is not a variable, so the
tape no longer records what is computed from it)."""
from __future__ import annotations

import libcst as cst

from ..base import Example, MutatingTransformer, Operator, Unchanged


class _T(MutatingTransformer):
    def leave_SimpleStatementLine(self, original_node, updated_node):
        if self.done or len(original_node.body) != 1 or not isinstance(original_node.body[0], cst.Expr):
            return updated_node
        call = original_node.body[0].value
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
                and call.func.attr.value == "watch" and isinstance(call.func.value, cst.Name)):
            return updated_node
        tapes = set()
        p = self.parent(original_node)
        while p is not None:
            if isinstance(p, cst.With):
                tapes.update(self.tape_names(p))
            p = self.parent(p)
        if call.func.value.value not in tapes:
            return updated_node
        if self.hit(original_node):
            block = self.parent(original_node)
            if isinstance(block, cst.IndentedBlock) and len(block.body) == 1:
                return updated_node.with_changes(body=[cst.Pass()])
            return cst.RemoveFromParent()
        return updated_node


class DropWatch(Operator):
    NAME = "drop_watch"
    CATEGORY = "unwatched_tensor"
    DESCRIPTION = "Drop a tape.watch(x) statement."
    Transformer = _T
    EXAMPLES = (
        Example(
            before="""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    tape.watch(x)
    y = f(x)
""",
            after=("""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    y = f(x)
""",),
            title="alias",
        ),
        Example(
            before="""\
from tensorflow import GradientTape
with GradientTape() as outer:
    with GradientTape() as inner:
        inner.watch(x)
    outer.watch(t)
""",
            after=("""\
from tensorflow import GradientTape
with GradientTape() as outer:
    with GradientTape() as inner:
        pass
    outer.watch(t)
""", """\
from tensorflow import GradientTape
with GradientTape() as outer:
    with GradientTape() as inner:
        inner.watch(x)
""",),
            title="nested tapes, from-import",
        ),
        Unchanged("""\
import tensorflow as tf
with tf.GradientTape() as tape:
    other.watch(x)
""", title="not the tape"),
    )
