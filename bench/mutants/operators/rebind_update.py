"""variable_replaced: an in-place update turned into rebinding: ``w.assign_sub(d)`` -> ``w = w - d``,
``w.assign_add(d)`` -> ``w = w + d``, ``w.assign(v)`` -> ``w = v`` (the name now holds a tensor)."""
from __future__ import annotations

import libcst as cst

from ..base import Example, MutatingTransformer, Operator, Unchanged, code_of

OPS = {"assign_sub": "-", "assign_add": "+", "assign": None}


class _T(MutatingTransformer):
    def leave_SimpleStatementLine(self, original_node, updated_node):
        if self.done or len(original_node.body) != 1 or not isinstance(original_node.body[0], cst.Expr):
            return updated_node
        call = original_node.body[0].value
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value in OPS
                and len(call.args) == 1 and call.args[0].keyword is None
                and (isinstance(call.func.value, cst.Name)
                     or (isinstance(call.func.value, cst.Attribute) and isinstance(call.func.value.value, cst.Name)))):
            return updated_node
        if self.hit(original_node):
            target = code_of(call.func.value)
            value = code_of(updated_node.body[0].value.args[0].value)
            op = OPS[call.func.attr.value]
            new = f"{target} = {value}\n" if op is None else f"{target} = {target} {op} {value}\n"
            if op is not None and isinstance(call.args[0].value, (cst.BinaryOperation,)) and op == "-":
                right = call.args[0].value
                if isinstance(right.operator, (cst.Add, cst.Subtract)):
                    new = f"{target} = {target} - ({value})\n"
            stmt = cst.parse_statement(new)
            return stmt.with_changes(leading_lines=updated_node.leading_lines,
                                     trailing_whitespace=updated_node.trailing_whitespace)
        return updated_node


class RebindUpdate(Operator):
    NAME = "rebind_update"
    CATEGORY = "variable_replaced"
    DESCRIPTION = "Turn an in-place variable update (assign_sub/assign_add/assign) into rebinding the name."
    Transformer = _T
    EXAMPLES = (
        Example(
            before="""\
import tensorflow as tf2

w = tf2.Variable(1.0)
for step in range(3):
    w.assign_sub(lr * g)  # SGD
    self.b.assign_add(a - c)
""",
            after=("""\
import tensorflow as tf2

w = tf2.Variable(1.0)
for step in range(3):
    w = w - lr * g  # SGD
    self.b.assign_add(a - c)
""", """\
import tensorflow as tf2

w = tf2.Variable(1.0)
for step in range(3):
    w.assign_sub(lr * g)  # SGD
    self.b = self.b + a - c
"""),
            title="alias",
        ),
        Example(
            before="""\
from tensorflow import Variable
v = Variable(0.0)
v.assign(v * 0.9)
""",
            after=("""\
from tensorflow import Variable
v = Variable(0.0)
v = v * 0.9
""",),
            title="from-import",
        ),
        Unchanged("""\
w.assign_sub(g, read_value=False)
opt.apply_gradients(pairs)
""", title="keyword argument; not an update"),
    )
