"""Drop a ``tf.stop_gradient`` that blocks the only way from the variables to the loss.

``tf.stop_gradient(x)`` is ``x`` going forward and blocks the gradient going back. Wrapped around
the model's own prediction (``pred = tf.stop_gradient(model(x))``) it leaves every variable without
a gradient. The codemod acts only on gradient calls where *every* source got ``None``
(``Focus.starved``; without a probe, where no path from the sources to the target avoids a
stop_gradient; for ``model.fit``, in the functions that ran: a custom loss, a layer's ``call``): a stop_gradient that blocks a deliberate part of the loss (a DQN target, a
straight-through estimator, an EMA teacher) sits beside a path that still has gradients, and is
never touched.
"""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access, expr_reads, related
from gradfix.analysis.callees import Callees
from gradfix.analysis.flow import Flow, GradientCall
from gradfix.analysis.nodes import calls_in, parenthesize, walk
from gradfix.analysis.regions import focused_regions
from gradfix.codemods.base import CallTargetsCodemod, Example, Focus, Unchanged
from gradfix.types import Cause, Safety

STOP_GRADIENT = frozenset({
    "tensorflow.stop_gradient", "tensorflow.keras.backend.stop_gradient", "keras.backend.stop_gradient",
    "keras.ops.stop_gradient", "tensorflow.keras.ops.stop_gradient",
})  # fmt: skip


class DropStopGradient(CallTargetsCodemod):
    NAME = "drop-stop-gradient"
    DESCRIPTION = "Remove a tf.stop_gradient that cuts every variable off from the loss"
    CAUSES = (Cause.NON_DIFFERENTIABLE_OP,)
    SAFETY = Safety.SAFE  # stop_gradient is the identity going forward: the loss is unchanged
    EXAMPLES = (
        Example(
            title="the model's own prediction wrapped in stop_gradient",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                x, y = tf.ones([4, 2]), tf.zeros([4, 1])
                with tf.GradientTape() as tape:
                    pred = tf.stop_gradient(model(x, training=True))
                    loss = tf.reduce_mean(tf.square(pred - y))
                grads = tape.gradient(loss, model.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                x, y = tf.ones([4, 2]), tf.zeros([4, 1])
                with tf.GradientTape() as tape:
                    pred = model(x, training=True)
                    loss = tf.reduce_mean(tf.square(pred - y))
                grads = tape.gradient(loss, model.trainable_variables)
                """
            ),
        ),
        Example(
            title="from-import, inside an expression",
            before=textwrap.dedent(
                """\
                from tensorflow import GradientTape, Variable, reduce_sum, stop_gradient
                w = Variable([1.0, 2.0])
                with GradientTape() as tape:
                    energy = 0.5 * stop_gradient(w * w + 1.0)
                    loss = reduce_sum(energy)
                grad = tape.gradient(loss, w)
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import GradientTape, Variable, reduce_sum, stop_gradient
                w = Variable([1.0, 2.0])
                with GradientTape() as tape:
                    energy = 0.5 * (w * w + 1.0)
                    loss = reduce_sum(energy)
                grad = tape.gradient(loss, w)
                """
            ),
        ),
        Unchanged(
            title="a DQN target: the prediction path still has gradients",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                q = tf.keras.Sequential([tf.keras.layers.Dense(2)])
                s, s2, r = tf.ones([4, 3]), tf.ones([4, 3]), tf.ones([4])
                with tf.GradientTape() as tape:
                    target = r + 0.9 * tf.stop_gradient(tf.reduce_max(q(s2), axis=1))
                    loss = tf.reduce_mean(tf.square(target - tf.reduce_max(q(s), axis=1)))
                grads = tape.gradient(loss, q.trainable_variables)
                """
            ),
        ),
    )

    def targets(self, flow: Flow, call: GradientCall, focus: Optional[Focus]) -> set[int]:
        starved = call.line in focus.starved if focus is not None else _cut_off(flow, call)
        return _blocking(flow, call) if starved else set()

    def transformer(self, targets: set[int]) -> cst.CSTTransformer:
        return _Unwrap(targets)

    def module_targets(self, flow: Flow, focus: Optional[Focus]) -> set[int]:
        """``model.fit``: stop_gradient calls on the prediction in the functions that ran (a custom
        loss, a layer's ``call``), when every variable of the step got None."""
        if focus is None or not focus.starved or flow.calls:
            return set()
        found: set[int] = set()
        for region in focused_regions(flow, focus, with_data=False):
            for node in walk(region.function.body):
                hot = region.hot.get(id(node))
                if hot:
                    found |= {id(c) for c in calls_in(node)
                              if _is_stop(flow, c) and related(expr_reads(c.args[0].value), hot)}
        return found


def _blocking(flow: Flow, call: GradientCall) -> set[int]:
    """stop_gradient calls on the path that read what the sources flow into, and every one in a
    same-file function the path calls (its parameters carry the sources)."""
    stmts = [s.node for s in call.path]
    found = {id(c) for s in call.path for c in calls_in(s.node)
             if _is_stop(flow, c) and related(expr_reads(c.args[0].value), call.trainable)}
    for function, _owner in Callees(flow.module).of(stmts, call.tape.klass):
        found |= {id(c) for c in calls_in(function.body) if _is_stop(flow, c)}
    return found


def _cut_off(flow: Flow, call: GradientCall) -> bool:
    """Whether every path from the sources to the target goes through a stop_gradient (statements
    of the tape only; what a helper does is the probe's to say)."""
    tainted = set(call.sources)
    for stmt in call.path:
        if related(access(stmt.node.visit(_Blank(flow))).reads, tainted):
            tainted |= stmt.writes
    return not related(expr_reads(call.target), tainted)


class _Blank(cst.CSTTransformer):
    """Each stop_gradient call replaced by ``None``: what a statement reads around them."""

    def __init__(self, flow: Flow) -> None:
        super().__init__()
        self.flow = flow

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        return cst.Name("None") if _is_stop(self.flow, original) else updated


def _is_stop(flow: Flow, c: cst.Call) -> bool:
    if len(c.args) != 1 or c.args[0].star or (c.args[0].keyword and c.args[0].keyword.value != "input"):
        return False
    return bool(flow.names.of(c.func) & STOP_GRADIENT)


class _Unwrap(cst.CSTTransformer):
    """``stop_gradient(e)`` -> ``e``, in parentheses unless it stands alone (``x = e``, ``f(e)``)."""

    def __init__(self, targets: set[int]) -> None:
        super().__init__()
        self.targets = targets
        self.alone: set[int] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        self.alone.add(id(node.value))

    def visit_Return(self, node: cst.Return) -> None:
        self.alone.add(id(node.value))

    def visit_Arg(self, node: cst.Arg) -> None:
        self.alone.add(id(node.value))

    def visit_Element(self, node: cst.Element) -> None:
        self.alone.add(id(node.value))

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if id(original) not in self.targets:
            return updated
        inner = updated.args[0].value
        return inner if id(original) in self.alone else parenthesize(inner)
