"""Give the variables of a ``@tf.custom_gradient`` function their gradients.

A custom-gradient function that reads variables gets them in ``grad(dy, variables=None)`` and must
return their gradients second; ``[None] * len(variables)`` (or a list of Nones) leaves every
variable it uses without a gradient. The forward statements are recorded by an inner tape, and
the variables' gradients are that tape's gradient of the output weighted by ``dy``
(``output_gradients``), the vector-Jacobian product TensorFlow would have computed."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.flow import analyse
from gradfix.analysis.names import ensure_tf_import, tf_spelling
from gradfix.analysis.nodes import walk
from gradfix.codemods.base import Codemod, Example, Focus, Rewrite, Unchanged, declined, finished
from gradfix.errors import strict
from gradfix.types import Cause, Safety


class CustomGradientVariables(Codemod):
    NAME = "custom-gradient-variables"
    DESCRIPTION = ("Return the variables' gradients from a @tf.custom_gradient function's grad "
                   "(an inner tape's gradient of the output, weighted by dy) instead of None")
    CAUSES = (Cause.LOSS_DISCONNECTED, Cause.NON_DIFFERENTIABLE_OP)
    SAFETY = Safety.SAFE  # the forward pass is unchanged; only the variables' gradients appear
    EXAMPLES = (
        Example(
            title="a clipped backward pass that drops the layer's variables",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                dense = tf.keras.layers.Dense(4)
                @tf.custom_gradient
                def clipped(x):
                    y = dense(x)
                    def grad(dy, variables=None):
                        return tf.clip_by_norm(dy, 1.0), [None] * len(variables)
                    return y, grad
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                dense = tf.keras.layers.Dense(4)
                @tf.custom_gradient
                def clipped(x):
                    with tf.GradientTape() as variables_tape:
                        y = dense(x)
                    def grad(dy, variables=None):
                        return tf.clip_by_norm(dy, 1.0), variables_tape.gradient(y, variables, output_gradients=dy)
                    return y, grad
                """
            ),
        ),
        Example(
            title="from-import of custom_gradient; a list comprehension of Nones",
            before=textwrap.dedent(
                """\
                from tensorflow import custom_gradient, matmul
                import tensorflow as tf
                w = tf.Variable(tf.ones((3, 2)))
                @custom_gradient
                def project(x):
                    out = matmul(x, w)
                    def backward(upstream, variables):
                        return matmul(upstream, tf.transpose(w)), [None for _ in variables]
                    return out, backward
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import custom_gradient, matmul
                import tensorflow as tf
                w = tf.Variable(tf.ones((3, 2)))
                @custom_gradient
                def project(x):
                    with tf.GradientTape() as variables_tape:
                        out = matmul(x, w)
                    def backward(upstream, variables):
                        return matmul(upstream, tf.transpose(w)), variables_tape.gradient(out, variables, output_gradients=upstream)
                    return out, backward
                """
            ),
        ),
        Unchanged(
            title="a custom gradient that already returns its variables' gradients, one without variables",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                @tf.custom_gradient
                def scaled(x):
                    def grad(dy):
                        return dy * 2.0
                    return x * 2.0, grad
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        tf = tf_spelling(flow.module)
        plans = {}
        for node in walk(flow.module):
            if isinstance(node, cst.FunctionDef) and _custom_gradient(flow, node):
                plan = _plan(node)
                if plan is not None:
                    plans[id(node)] = plan
        if not plans:
            return declined(source)
        try:
            module = ensure_tf_import(flow.module.visit(_Rewrite(plans, tf)))
        except Exception as error:  # noqa: BLE001 - decline on shapes we did not foresee
            if strict():
                raise
            return declined(source, f"could not rewrite: {error}")
        return finished(source, module.code, ("the custom gradient now returns the variables' gradients "
                                              "(an inner tape's vector-Jacobian product)",))


def _custom_gradient(flow, function: cst.FunctionDef) -> bool:
    return any(q.endswith("custom_gradient") and q.startswith("tensorflow.")
               for d in function.decorators for q in flow.names.of(d.decorator))


def _plan(function: cst.FunctionDef):
    """(index of the inner grad def, output name, upstream param, variables param, id(None list))."""
    if not isinstance(function.body, cst.IndentedBlock):
        return None
    body = list(function.body.body)
    last = body[-1] if body else None
    if not (isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[0], cst.Return)
            and isinstance(last.body[0].value, cst.Tuple) and len(last.body[0].value.elements) == 2):
        return None
    out, grad_name = (e.value for e in last.body[0].value.elements)
    if not (isinstance(out, cst.Name) and isinstance(grad_name, cst.Name)):
        return None
    index = next((i for i, s in enumerate(body) if isinstance(s, cst.FunctionDef) and s.name.value == grad_name.value), None)
    if index is None or index == 0:
        return None
    grad = body[index]
    params = [p.name.value for p in grad.params.params]
    if len(params) != 2 or params[1] != "variables" and not grad.params.kwonly_params:
        variables = next((p.name.value for p in grad.params.kwonly_params if p.name.value == "variables"), None)
        if len(params) != 1 or variables is None:
            return None
        params = [params[0], variables]
    if any(isinstance(s, (cst.With, cst.FunctionDef, cst.ClassDef)) for s in body[:index]):
        return None
    if not any(isinstance(n, cst.AssignTarget) and isinstance(n.target, cst.Name) and n.target.value == out.value
               for s in body[:index] for n in walk(s)):
        return None
    returns = [n for n in walk(grad) if isinstance(n, cst.Return)]
    if len(returns) != 1 or not isinstance(returns[0].value, cst.Tuple) or len(returns[0].value.elements) != 2:
        return None
    nones = returns[0].value.elements[1].value
    if not _nones(nones, params[1]):
        return None
    return index, out.value, params[0], params[1], id(nones)


def _nones(expr: cst.BaseExpression, variables: str) -> bool:
    """``[None] * len(variables)``, ``[None for _ in variables]``, ``[None, None]``, ``None``."""
    if isinstance(expr, cst.Name) and expr.value == "None":
        return True
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply):
        lst = expr.left
        return isinstance(lst, cst.List) and all(isinstance(e.value, cst.Name) and e.value.value == "None"
                                                for e in lst.elements)
    if isinstance(expr, cst.ListComp):
        return isinstance(expr.elt, cst.Name) and expr.elt.value == "None"
    if isinstance(expr, (cst.List, cst.Tuple)):
        return bool(expr.elements) and all(isinstance(e.value, cst.Name) and e.value.value == "None"
                                           for e in expr.elements)
    return False


class _Rewrite(cst.CSTTransformer):
    def __init__(self, plans: dict, tf: str) -> None:
        super().__init__()
        self.plans, self.tf = plans, tf
        self.replace: dict[int, cst.BaseExpression] = {}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        plan = self.plans.get(id(node))
        if plan is not None:
            _, out, upstream, variables, nones = plan
            self.replace[nones] = cst.parse_expression(
                f"variables_tape.gradient({out}, {variables}, output_gradients={upstream})")
        return True

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        plan = self.plans.get(id(original))
        if plan is None:
            return updated
        index = plan[0]
        body = list(updated.body.body)
        forward = [s.with_changes(leading_lines=()) if i == 0 else s for i, s in enumerate(body[:index])]
        tape = cst.With(
            items=[cst.WithItem(cst.parse_expression(f"{self.tf}.GradientTape()"),
                                asname=cst.AsName(cst.Name("variables_tape")))],
            body=cst.IndentedBlock(forward),
            leading_lines=body[0].leading_lines,
        )
        return updated.with_changes(body=updated.body.with_changes(body=[tape, *body[index:]]))

    def on_leave(self, original, updated):
        result = super().on_leave(original, updated)
        new = self.replace.get(id(original))
        return new if new is not None else result
