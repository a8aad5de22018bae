"""Add the model's own losses (``add_loss``, regularizers) to a custom training loop's loss.

``model.fit`` adds ``model.losses`` to the loss; a custom loop must do it itself. A variable that
reaches the objective only through ``self.add_loss(...)`` or a ``kernel_regularizer`` then gets no
gradient ("Gradients do not exist for variables [.../p_logit]"). The loss becomes
``loss + sum(model.losses)``: the objective the model defines, so the value changes (unsafe)."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access_path
from gradfix.analysis.bindings import sources_expr
from gradfix.analysis.flow import analyse
from gradfix.analysis.nodes import parenthesize, walk
from gradfix.codemods.base import Codemod, Example, Focus, Rewrite, Unchanged, declined, finished
from gradfix.types import Cause, Safety

_LISTS = ("trainable_variables", "trainable_weights")


class AddModelLosses(Codemod):
    NAME = "add-model-losses"
    DESCRIPTION = ("Add sum(model.losses) (add_loss terms, regularizers) to a custom loop's loss, as model.fit "
                   "does")
    CAUSES = (Cause.LOSS_DISCONNECTED,)
    SAFETY = Safety.UNSAFE  # the loss gains the model's own terms
    EXAMPLES = (
        Example(
            title="a gate trained only through add_loss",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                class Gate(tf.keras.layers.Layer):
                    def build(self, shape):
                        self.p = self.add_weight(shape=(shape[-1],))
                    def call(self, x):
                        self.add_loss(tf.reduce_sum(tf.sigmoid(self.p)))
                        return x * tf.stop_gradient(tf.sigmoid(self.p))
                model = tf.keras.Sequential([Gate(), tf.keras.layers.Dense(1)])
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(model(tf.ones((2, 3))) ** 2)
                grads = tape.gradient(loss, model.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                class Gate(tf.keras.layers.Layer):
                    def build(self, shape):
                        self.p = self.add_weight(shape=(shape[-1],))
                    def call(self, x):
                        self.add_loss(tf.reduce_sum(tf.sigmoid(self.p)))
                        return x * tf.stop_gradient(tf.sigmoid(self.p))
                model = tf.keras.Sequential([Gate(), tf.keras.layers.Dense(1)])
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(model(tf.ones((2, 3))) ** 2) + sum(model.losses)
                grads = tape.gradient(loss, model.trainable_variables)
                """
            ),
        ),
        Example(
            title="from-import; a regularized layer held by a trainer object",
            before=textwrap.dedent(
                """\
                from tensorflow import GradientTape
                from tensorflow.keras import Sequential, layers, regularizers
                class Trainer:
                    def __init__(self):
                        self.net = Sequential([layers.Dense(1, kernel_regularizer=regularizers.l2(0.1))])
                    def step(self, x):
                        with GradientTape() as tape:
                            out = self.net(x)
                            loss = (out ** 2).mean()
                        return tape.gradient(loss, self.net.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import GradientTape
                from tensorflow.keras import Sequential, layers, regularizers
                class Trainer:
                    def __init__(self):
                        self.net = Sequential([layers.Dense(1, kernel_regularizer=regularizers.l2(0.1))])
                    def step(self, x):
                        with GradientTape() as tape:
                            out = self.net(x)
                            loss = (out ** 2).mean() + sum(self.net.losses)
                        return tape.gradient(loss, self.net.trainable_variables)
                """
            ),
        ),
        Unchanged(
            title="the loop adds the losses already; a model without its own losses",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(1, kernel_regularizer="l2")])
                plain = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(model(tf.ones((2, 3)))) + tf.add_n(model.losses)
                grads = tape.gradient(loss, model.trainable_variables)
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        if "add_loss(" not in source and "_regularizer" not in source:
            return declined(source)
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        targets: dict[int, str] = {}  # id(loss assignment) -> model path
        for call in flow.focused(focus):
            sources = sources_expr(call)
            path = access_path(sources) if sources is not None else None
            if path is None or path.rpartition(".")[2] not in _LISTS:
                continue
            model = path.rpartition(".")[0]
            body = call.tape.node.body
            if any(isinstance(n, cst.Attribute) and n.attr.value == "losses" for n in walk(body)):
                continue
            if not any(isinstance(n, cst.Call) and access_path(n.func) == model for n in walk(body)):
                continue  # the tape never calls the model: its losses would be stale
            target = access_path(call.target) if call.target is not None else None
            last = None
            for node in walk(body):
                if isinstance(node, cst.Assign) and len(node.targets) == 1 and access_path(node.targets[0].target) == target:
                    last = node
            if last is not None:
                targets[id(last)] = model
        if not targets:
            return declined(source)
        module = flow.module.visit(_Add(targets))
        return finished(source, module.code, tuple(f"the loss now includes sum({m}.losses), as model.fit adds"
                                                   for m in targets.values()))


class _Add(cst.CSTTransformer):
    def __init__(self, targets: dict[int, str]) -> None:
        super().__init__()
        self.targets = targets

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        model = self.targets.get(id(original))
        if model is None:
            return updated
        extra = cst.parse_expression(f"sum({model}.losses)")
        value = updated.value
        if isinstance(value, (cst.IfExp, cst.Lambda, cst.BooleanOperation, cst.Comparison, cst.NamedExpr)):
            value = parenthesize(value)
        return updated.with_changes(value=cst.BinaryOperation(value, cst.Add(), extra))
