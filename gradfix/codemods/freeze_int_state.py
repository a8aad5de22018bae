"""Make an integer state variable (a step counter, a call count) non-trainable.

A counter made with ``add_weight(dtype="int32")`` or ``tf.Variable(0)`` is trainable by default,
so it lands in ``trainable_variables`` and gets no gradient ("Gradients do not exist for variables
[.../calls]"); under ``MirroredStrategy`` or a strict optimizer that is an error. A variable the
program updates with ``assign``/``assign_add`` is state, not a parameter: ``trainable=False`` says
so and changes no value."""

from __future__ import annotations

import re
import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access_path
from gradfix.analysis.flow import analyse
from gradfix.analysis.nodes import walk
from gradfix.codemods.base import Codemod, Example, Focus, Rewrite, Unchanged, declined, finished
from gradfix.types import Cause, Safety

_INT = re.compile(r"\bu?int(8|16|32|64)\b")
_WRITES = frozenset({"assign", "assign_add", "assign_sub"})
_MAKERS = frozenset({"add_weight", "add_variable"})


class FreezeIntState(Codemod):
    NAME = "freeze-int-state"
    DESCRIPTION = "Mark an integer variable the program updates with assign/assign_add (a counter) trainable=False"
    CAUSES = (Cause.INT_DTYPE,)
    SAFETY = Safety.SAFE  # no value changes: the counter only leaves trainable_variables
    EXAMPLES = (
        Example(
            title="a call counter made with add_weight in a Keras layer",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                class CountingDense(tf.keras.layers.Layer):
                    def build(self, input_shape):
                        self.w = self.add_weight(shape=(input_shape[-1], 4))
                        self.calls = self.add_weight(name="calls", shape=(), dtype="int32", initializer="zeros")
                    def call(self, x):
                        self.calls.assign_add(1)
                        return tf.matmul(x, self.w)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                class CountingDense(tf.keras.layers.Layer):
                    def build(self, input_shape):
                        self.w = self.add_weight(shape=(input_shape[-1], 4))
                        self.calls = self.add_weight(name="calls", shape=(), dtype="int32", initializer="zeros", trainable=False)
                    def call(self, x):
                        self.calls.assign_add(1)
                        return tf.matmul(x, self.w)
                """
            ),
        ),
        Example(
            title="a step counter in a tf.Module made from a from-import",
            before=textwrap.dedent(
                """\
                from tensorflow import Module, Variable, ones
                class Linear(Module):
                    def __init__(self):
                        self.w = Variable(ones([3, 1]))
                        self.step = Variable(0)
                    def __call__(self, x):
                        self.step.assign_add(1)
                        return x @ self.w
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import Module, Variable, ones
                class Linear(Module):
                    def __init__(self):
                        self.w = Variable(ones([3, 1]))
                        self.step = Variable(0, trainable=False)
                    def __call__(self, x):
                        self.step.assign_add(1)
                        return x @ self.w
                """
            ),
        ),
        Unchanged(
            title="an integer parameter nobody updates (cast-to-float's), a counter already frozen",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                scale = tf.Variable(3)
                seen = tf.Variable(0, trainable=False)
                seen.assign_add(1)
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        written = {access_path(n.func.value) for n in walk(flow.module)
                   if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value in _WRITES}
        wanted = {v.rsplit("/", 1)[-1].split(":")[0] for v in focus.variables} if focus is not None else None
        targets: set[int] = set()
        for node in walk(flow.module):
            if not (isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.value, cst.Call)):
                continue
            path = access_path(node.targets[0].target)
            if path is None or path not in written or not _integer_variable(flow, node.value):
                continue
            if wanted is not None and path.rsplit(".", 1)[-1] not in wanted and _name(node.value) not in wanted:
                continue
            targets.add(id(node.value))
        if not targets:
            return declined(source)
        module = flow.module.visit(_Freeze(targets))
        return finished(source, module.code, ("an integer counter updated with assign is now trainable=False",))


def _keyword(call: cst.Call, name: str) -> Optional[cst.Arg]:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def _name(call: cst.Call) -> Optional[str]:
    found = _keyword(call, "name")
    return found.value.raw_value if found is not None and isinstance(found.value, cst.SimpleString) else None


def _integer_variable(flow, call: cst.Call) -> bool:
    """``self.add_weight(..., dtype=<int>)`` or ``tf.Variable(<int literal or dtype=int>)``, not
    already given ``trainable=``."""
    if _keyword(call, "trainable") is not None:
        return False
    func = access_path(call.func) or ""
    is_maker = func.rsplit(".", 1)[-1] in _MAKERS
    if not (is_maker or flow.names.is_tf(call.func, "Variable")
            or any(q in ("keras.Variable", "keras.src.backend.Variable") for q in flow.names.of(call.func))):
        return False
    dtype = _keyword(call, "dtype")
    if dtype is not None:
        text = cst.Module([]).code_for_node(dtype.value)
        return bool(_INT.search(text))
    if is_maker or not call.args or call.args[0].keyword is not None:
        return False
    first = call.args[0].value
    if isinstance(first, cst.UnaryOperation) and isinstance(first.operator, cst.Minus):
        first = first.expression
    return isinstance(first, cst.Integer)


class _Freeze(cst.CSTTransformer):
    def __init__(self, targets: set[int]) -> None:
        super().__init__()
        self.targets = targets

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if id(original) not in self.targets:
            return updated
        args = list(updated.args)
        last = args[-1]
        if last.comma is cst.MaybeSentinel.DEFAULT or isinstance(last.comma, cst.MaybeSentinel):
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            tail = cst.MaybeSentinel.DEFAULT
        else:  # a trailing comma stays trailing
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            tail = last.comma
        eq = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
        args.append(cst.Arg(cst.Name("False"), keyword=cst.Name("trainable"), equal=eq, comma=tail))
        return updated.with_changes(args=args)
