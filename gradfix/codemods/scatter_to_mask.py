"""Replace writes into buffer variables inside the tape by differentiable tensors."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import expr_reads, related
from gradfix.analysis.flow import GradientCall, analyse
from gradfix.analysis.names import ensure_tf_import, tf_alias, tf_attr, tf_spelling
from gradfix.analysis.nodes import parenthesize, walk
from gradfix.codemods.base import (
    Codemod,
    Example,
    Focus,
    Rewrite,
    Unchanged,
    declined,
    finished,
)
from gradfix.codemods.buffers import Buffers, find_writes
from gradfix.types import Cause, Safety


class ScatterToMask(Codemod):
    NAME = "scatter-to-mask"
    DESCRIPTION = "Turn in-tape writes into buffer variables (assign, scatter) into tensor updates"
    CAUSES = (Cause.ASSIGN_OR_SCATTER, Cause.NON_DIFFERENTIABLE_OP)
    SAFETY = Safety.SAFE  # the forward values are the same; the verifier compares the loss
    EXAMPLES = (
        Example(
            title="copy into a buffer, then zero entries",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(tf.ones(5))
                buf = tf.Variable(tf.zeros(5))
                with tf.GradientTape() as tape:
                    buf.assign(w)
                    buf[3].assign(0.0)
                    loss = tf.reduce_sum(buf ** 2)
                grads = tape.gradient(loss, w)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(tf.ones(5))
                buf = tf.Variable(tf.zeros(5))
                with tf.GradientTape() as tape:
                    buf_t = w
                    buf_t = tf.tensor_scatter_nd_update(buf_t, [[3]], [0.0])
                    loss = tf.reduce_sum(buf_t ** 2)
                grads = tape.gradient(loss, w)
                """
            ),
        ),
        Example(
            title="alias; a row buffer filled in a loop and read after the step",
            before=textwrap.dedent(
                """\
                import tensorflow as tf2
                w = tf2.Variable(tf2.ones((3,)))
                rows = tf2.Variable(tf2.zeros((4, 3)), trainable=False)
                with tf2.GradientTape() as tape:
                    for i in range(4):
                        rows[i].assign(w * float(i))
                    loss = tf2.reduce_sum(rows)
                grads = tape.gradient(loss, [w])
                print(rows.numpy())
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf2
                w = tf2.Variable(tf2.ones((3,)))
                rows = tf2.Variable(tf2.zeros((4, 3)), trainable=False)
                with tf2.GradientTape() as tape:
                    rows_t = tf2.identity(rows)
                    for i in range(4):
                        rows_t = tf2.tensor_scatter_nd_update(rows_t, [[i]], [w * float(i)])
                    rows.assign(rows_t)
                    loss = tf2.reduce_sum(rows_t)
                grads = tape.gradient(loss, [w])
                print(rows.numpy())
                """
            ),
        ),
        Example(
            title="from import; scatter_nd_update and a variable made in the tape",
            before=textwrap.dedent(
                """\
                from tensorflow import GradientTape, Variable, zeros, reduce_sum
                w = Variable([1.0, 2.0])
                grid = Variable(zeros(4))
                with GradientTape() as tape:
                    grid.scatter_nd_update([[0], [2]], w * 3.0)
                    twice = Variable(w * 2.0)
                    loss = reduce_sum(grid) + reduce_sum(twice)
                grads = tape.gradient(loss, [w])
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import GradientTape, Variable, zeros, reduce_sum
                import tensorflow as tf

                w = Variable([1.0, 2.0])
                grid = Variable(zeros(4))
                with GradientTape() as tape:
                    grid_t = tf.identity(grid)
                    grid_t = tf.tensor_scatter_nd_update(grid_t, [[0], [2]], w * 3.0)
                    twice = w * 2.0
                    loss = reduce_sum(grid_t) + reduce_sum(twice)
                grads = tape.gradient(loss, [w])
                """
            ),
        ),
        Example(
            title="a loss summed into a variable with assign_add and differentiated",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(2.0)
                total = tf.Variable(0.0)
                with tf.GradientTape() as tape:
                    total.assign(0.0)
                    for x in (1.0, 2.0):
                        total.assign_add(w * x)
                grad = tape.gradient(total, w)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(2.0)
                total = tf.Variable(0.0)
                with tf.GradientTape() as tape:
                    total_t = 0.0
                    for x in (1.0, 2.0):
                        total_t = total_t + (w * x)
                    total.assign(total_t)
                grad = tape.gradient(total_t, w)
                """
            ),
        ),
        Unchanged(
            title="writing into the source itself keeps its gradient",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(tf.ones(5))
                with tf.GradientTape() as tape:
                    w[3].assign(0.0)
                    loss = tf.reduce_sum(w ** 2)
                grads = tape.gradient(loss, w)
                """
            ),
        ),
        Unchanged(
            title="a buffer nobody reads afterwards",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(1.0)
                seen = tf.Variable(0.0)
                with tf.GradientTape() as tape:
                    loss = w * w
                    seen.assign(loss)
                grads = tape.gradient(loss, w)
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        code, notes, tried = source, [], set()
        for _ in range(8):  # one buffer per round, re-analysed after each rewrite
            flow = analyse(code)
            if flow is None:
                break
            target = _next_buffer(flow, focus, tried, notes)
            if target is None:
                break
            call, buffer = target
            tried.add((call.tape.line, buffer))
            new = Buffers(flow, call, buffer).rewrite()
            if new is None:
                notes.append(f"line {call.tape.line}: writes into {buffer} left alone (not read after, or not understood)")
                continue
            if tf_alias(new) is None:
                new = ensure_tf_import(new)
            code = new.code
        variables = _unwrap_variables(code, focus)
        if variables is not None:
            code = variables
        return finished(source, code, tuple(notes)) if code != source else declined(source, *notes)


def _next_buffer(flow, focus, tried, notes):
    for call in flow.focused(focus):
        for write in find_writes(flow, call):
            if (call.tape.line, write.buffer) not in tried:
                return call, write.buffer
    return None


def _unwrap_variables(code: str, focus: Optional[Focus]) -> Optional[str]:
    """``tf.Variable(f(w))`` created in the tape becomes ``f(w)`` (``tf.cast`` for a dtype)."""
    flow = analyse(code)
    if flow is None:
        return None
    found: dict[int, GradientCall] = {}
    for call in flow.focused(focus):
        mutated = set().union(*(s.writes for s in call.sequence if s.region == "tape"))
        for stmt in call.sequence:
            if stmt.region != "tape":
                continue
            for node in walk(stmt.node):
                if not isinstance(node, cst.Call) or not flow.names.is_tf(node.func, "Variable"):
                    continue
                reads = expr_reads(node) | flow.reads_through_calls(node, call.tape.klass)  # self.loss_fn(x)
                if related(reads, call.trainable) and not (stmt.kills & mutated - stmt.writes):
                    found[id(node)] = call
    if not found:
        return None
    transformer = _Unwrap(found, tf_spelling(flow.module))
    module = flow.module.visit(transformer)
    if not transformer.changed:
        return None
    return (module if tf_alias(module) is not None else ensure_tf_import(module)).code


class _Unwrap(cst.CSTTransformer):
    def __init__(self, found: dict[int, GradientCall], tf: str) -> None:
        super().__init__()
        self.found, self.tf, self.changed = found, tf, False
        self.bare: set[int] = set()  # expressions that need no parentheses where they stand

    def visit_Assign(self, node: cst.Assign) -> None:
        self.bare.add(id(node.value))

    def visit_Arg(self, node: cst.Arg) -> None:
        self.bare.add(id(node.value))

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if id(original) not in self.found:
            return updated
        value, dtype = None, None
        for arg in updated.args:
            keyword = arg.keyword.value if arg.keyword is not None else None
            if arg.star or keyword not in (None, "initial_value", "dtype", "trainable", "name"):
                return updated
            if keyword in (None, "initial_value"):
                if value is not None:
                    return updated
                value = arg.value
            elif keyword == "dtype":
                dtype = arg.value
        if value is None:
            return updated
        self.changed = True
        if dtype is not None:
            return cst.Call(tf_attr(self.tf, "cast"), [cst.Arg(value), cst.Arg(dtype)])
        return value if id(original) in self.bare else parenthesize(value)

