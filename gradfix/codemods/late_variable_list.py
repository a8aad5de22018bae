"""Read ``model.trainable_variables`` where the gradient is taken, not into a list made too early.

A Keras model creates its variables on its first call. ``params = model.trainable_variables``
written before that is an empty list for good, so ``tape.gradient(loss, params)`` trains nothing and
``apply_gradients`` fails. The gradient call and the optimizer calls of the same function read the
attribute itself instead; ``params`` stays as it was for any other use.
"""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access_path
from gradfix.analysis.bindings import early_list, optimizer_calls, sources_expr
from gradfix.analysis.flow import Flow, GradientCall
from gradfix.analysis.nodes import naming_names, walk
from gradfix.codemods.base import CallTargetsCodemod, Example, Focus, Unchanged
from gradfix.types import Cause, Safety


class LateVariableList(CallTargetsCodemod):
    NAME = "late-variable-list"
    DESCRIPTION = ("Read model.trainable_variables at the gradient call instead of a list taken before the "
                   "model was built")
    CAUSES = (Cause.NO_VARIABLES,)
    SAFETY = Safety.SAFE  # the same variables, listed once they exist; no value changes
    EXAMPLES = (
        Example(
            title="the list is taken before the model's first call; every read of it follows, the alias goes",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                opt = tf.keras.optimizers.SGD()
                params = model.trainable_variables
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(model(tf.ones([2, 3])))
                grads = tape.gradient(loss, params)
                opt.apply_gradients(zip(grads, params))
                opt.build(params)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                opt = tf.keras.optimizers.SGD()
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(model(tf.ones([2, 3])))
                grads = tape.gradient(loss, model.trainable_variables)
                opt.apply_gradients(zip(grads, model.trainable_variables))
                opt.build(model.trainable_variables)
                """
            ),
        ),
        Example(
            title="from-import, two models, in a training function",
            before=textwrap.dedent(
                """\
                from tensorflow import GradientTape, keras
                encoder, head = keras.layers.Dense(4), keras.layers.Dense(1)
                weights = encoder.trainable_weights + head.trainable_weights
                def step(x, opt):
                    with GradientTape() as tape:
                        loss = keras.ops.sum(head(encoder(x)))
                    opt.apply_gradients(zip(tape.gradient(loss, weights), weights))
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import GradientTape, keras
                encoder, head = keras.layers.Dense(4), keras.layers.Dense(1)
                def step(x, opt):
                    with GradientTape() as tape:
                        loss = keras.ops.sum(head(encoder(x)))
                    opt.apply_gradients(zip(tape.gradient(loss, encoder.trainable_weights + head.trainable_weights), encoder.trainable_weights + head.trainable_weights))
                """
            ),
        ),
        Unchanged(
            title="a list taken inside the tape, after the first call",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(model(tf.ones([2, 3])))
                    params = model.trainable_variables
                grads = tape.gradient(loss, params)
                """
            ),
        ),
    )

    def targets(self, flow: Flow, call: GradientCall, focus: Optional[Focus]) -> dict[int, cst.BaseExpression]:
        starved = focus is None or call.line in focus.starved
        return _names(flow, call) if starved else {}

    def transformer(self, targets) -> cst.CSTTransformer:
        return _Replace(targets)


def _names(flow: Flow, call: GradientCall) -> dict[int, cst.BaseExpression]:
    """The list's name in the sources and in the optimizer calls of the tape's function, each
    mapped to the expression the list was taken from."""
    early = early_list(flow, call)
    expr = sources_expr(call)
    if early is None or not isinstance(expr, cst.Name):
        return {}
    value = early[1].with_changes(lpar=(), rpar=())
    out = {id(expr): value}
    for apply in optimizer_calls(flow, call):
        nodes = [n for a in apply.args for n in walk(a.value)]
        naming = {id(m) for n in nodes for m in naming_names(n)}
        out.update({id(n): value for n in nodes if isinstance(n, cst.Name) and id(n) not in naming
                    and access_path(n) == expr.value})
    out.update(_every_read(flow.module, expr.value, value))
    return out


def _every_read(module: cst.Module, name: str, value: cst.BaseExpression) -> dict[int, cst.BaseExpression]:
    """Every read of ``name`` in the module when it is bound exactly once (the early list): the
    stale list also reaches ``optimizer.build(params)``, a checkpoint, a second loop. A name bound
    more than once (a parameter, a loop variable, a second assignment) is left to the gradient call."""
    nodes = list(walk(module))
    bound = [n for n in nodes if isinstance(n, (cst.AssignTarget, cst.Param, cst.For, cst.AsName, cst.NamedExpr,
                                                  cst.AugAssign, cst.AnnAssign, cst.FunctionDef, cst.ClassDef))
             and any(isinstance(m, cst.Name) and m.value == name for m in _bound_names(n))]
    if len(bound) != 1 or not isinstance(bound[0], cst.AssignTarget):
        return {}
    skip = {id(m) for n in nodes for m in naming_names(n)} | {id(m) for m in _bound_names(bound[0])}
    out: dict[int, object] = {id(n): value for n in nodes if isinstance(n, cst.Name) and n.value == name
                              and id(n) not in skip}
    for line in nodes:  # ``params = model.trainable_variables`` is dead once every read is replaced
        if (isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 and isinstance(line.body[0], cst.Assign)
                and list(line.body[0].targets) == [bound[0]] and isinstance(bound[0].target, cst.Name)):
            out[id(line)] = REMOVE
    return out


REMOVE = object()  # marks the early list's own statement for removal


def _bound_names(node: cst.CSTNode) -> list[cst.CSTNode]:
    target = {cst.AssignTarget: "target", cst.For: "target", cst.AsName: "name", cst.NamedExpr: "target",
              cst.AugAssign: "target", cst.AnnAssign: "target", cst.Param: "name", cst.FunctionDef: "name",
              cst.ClassDef: "name"}[type(node)]
    return [m for m in walk(getattr(node, target)) if isinstance(m, cst.Name)]


class _Replace(cst.CSTTransformer):
    def __init__(self, replace: dict[int, cst.BaseExpression]) -> None:
        super().__init__()
        self.replace = replace

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self.replace.get(id(original), updated)

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine):
        return cst.RemoveFromParent() if self.replace.get(id(original)) is REMOVE else updated
