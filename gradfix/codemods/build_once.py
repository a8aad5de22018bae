"""Create a layer's or module's variables once: a ``tf.Variable`` (or ``add_weight``) assigned in
``call``/``__call__`` makes new variables at every call, so the ones an optimizer (or a variable
list taken earlier) holds are never the ones the loss used."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access_path
from gradfix.analysis.flow import analyse
from gradfix.analysis.nodes import walk
from gradfix.codemods.base import Codemod, Example, Focus, Rewrite, Unchanged, declined, finished
from gradfix.errors import strict
from gradfix.types import Cause, Safety

_SETUP_METHODS = frozenset({"__init__", "build", "setup"})
_WEIGHT_MAKERS = frozenset({"self.add_weight", "self.add_variable"})


class BuildOnce(Codemod):
    NAME = "build-once"
    DESCRIPTION = "Create variables assigned in call/__call__ only on the first call (a build-once guard)"
    CAUSES = (Cause.LOSS_DISCONNECTED, Cause.NO_VARIABLES, Cause.ASSIGN_OR_SCATTER)
    SAFETY = Safety.SAFE  # the first call creates the same variables; later calls reuse them
    EXAMPLES = (
        Example(
            title="a tf.Module that makes its weights in __call__",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                class Linear(tf.Module):
                    def __call__(self, x):
                        self.w = tf.Variable(tf.ones([x.shape[-1], 1]))
                        self.b = tf.Variable(0.0)
                        return x @ self.w + self.b
                model = Linear()
                x = tf.ones((4, 3))
                model(x)
                params = model.trainable_variables
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(model(x))
                grads = tape.gradient(loss, params)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                class Linear(tf.Module):
                    def __call__(self, x):
                        if getattr(self, "w", None) is None:
                            self.w = tf.Variable(tf.ones([x.shape[-1], 1]))
                        if getattr(self, "b", None) is None:
                            self.b = tf.Variable(0.0)
                        return x @ self.w + self.b
                model = Linear()
                x = tf.ones((4, 3))
                model(x)
                params = model.trainable_variables
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(model(x))
                grads = tape.gradient(loss, params)
                """
            ),
        ),
        Example(
            title="from-imports: a Keras layer adding its weight in call, a Module making a Variable",
            before=textwrap.dedent(
                """\
                from tensorflow import Module, Variable, ones
                from keras import layers
                class Gate(layers.Layer):
                    def call(self, x):
                        self.g = self.add_weight(shape=(x.shape[-1],), initializer="ones")
                        return x * self.g
                class Shift(Module):
                    def __call__(self, x):
                        self.s = Variable(ones([x.shape[-1]]))
                        return x + self.s
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import Module, Variable, ones
                from keras import layers
                class Gate(layers.Layer):
                    def call(self, x):
                        if getattr(self, "g", None) is None:
                            self.g = self.add_weight(shape=(x.shape[-1],), initializer="ones")
                        return x * self.g
                class Shift(Module):
                    def __call__(self, x):
                        if getattr(self, "s", None) is None:
                            self.s = Variable(ones([x.shape[-1]]))
                        return x + self.s
                """
            ),
        ),
        Unchanged(
            title="variables made in __init__ and build; a guarded creation",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                class Dense(tf.Module):
                    def __init__(self):
                        self.b = tf.Variable(0.0)
                    def build(self, n):
                        self.w = tf.Variable(tf.ones([n, 1]))
                    def __call__(self, x):
                        if not hasattr(self, "w"):
                            self.build(x.shape[-1])
                        return x @ self.w + self.b
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        targets: dict[int, str] = {}
        for klass in (n for n in walk(flow.module) if isinstance(n, cst.ClassDef)):
            for method in klass.body.body:
                if not isinstance(method, cst.FunctionDef) or method.name.value in _SETUP_METHODS:
                    continue
                if not isinstance(method.body, cst.IndentedBlock):
                    continue
                for stmt in method.body.body:
                    attr = made_variable(flow, stmt)
                    if attr is not None:
                        targets[id(stmt)] = attr
        if not targets:
            return declined(source)
        try:
            module = flow.module.visit(_Guard(targets))
        except Exception as error:  # noqa: BLE001 - decline on shapes we did not foresee
            if strict():
                raise
            return declined(source, f"could not rewrite: {error}")
        return finished(source, module.code, ("variables created at every call now are created once",))


def made_variable(flow, stmt: cst.CSTNode) -> Optional[str]:
    """``x`` for ``self.x = tf.Variable(...)`` / ``self.x = self.add_weight(...)``, else None."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign)):
        return None
    assign = stmt.body[0]
    if len(assign.targets) != 1 or not isinstance(assign.value, cst.Call):
        return None
    path = access_path(assign.targets[0].target)
    if path is None or not path.startswith("self.") or path.count(".") != 1:
        return None
    call = assign.value
    if access_path(call.func) in _WEIGHT_MAKERS or flow.names.is_tf(call.func, "Variable") or any(
            q in ("keras.Variable", "keras.src.backend.Variable") for q in flow.names.of(call.func)):
        return path[5:]
    return None


class _Guard(cst.CSTTransformer):
    def __init__(self, targets: dict[int, str]) -> None:
        super().__init__()
        self.targets = targets

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine):
        attr = self.targets.get(id(original))
        if attr is None:
            return updated
        test = cst.parse_expression(f'getattr(self, "{attr}", None) is None')
        inner = updated.with_changes(leading_lines=())
        return cst.If(test=test, body=cst.IndentedBlock(body=[inner]), leading_lines=updated.leading_lines)
