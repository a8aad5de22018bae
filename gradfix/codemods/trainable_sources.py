"""Differentiate ``model.trainable_variables``, not ``model.weights`` / ``model.variables``.

``weights`` and ``variables`` also list a layer's non-trainable state (BatchNormalization's moving
mean and variance, counters, metric totals), which is updated by assignment and never gets a
gradient. The gradient call and the optimizer call that zips with it change together."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access_path
from gradfix.analysis.bindings import binding, optimizer_calls, sources_expr
from gradfix.analysis.flow import Flow, GradientCall
from gradfix.analysis.nodes import children, walk
from gradfix.codemods.base import CallTargetsCodemod, Example, Focus, Unchanged
from gradfix.types import Cause, Safety

TRAINABLE = {"weights": "trainable_weights", "variables": "trainable_variables"}


class TrainableSources(CallTargetsCodemod):
    NAME = "trainable-sources"
    DESCRIPTION = ("Differentiate model.trainable_variables instead of model.weights/model.variables, "
                   "which include non-trainable state such as BatchNormalization's moving statistics")
    CAUSES = (Cause.UNWATCHED_VARIABLE,)
    SAFETY = Safety.SAFE  # the loss is the same; only variables that could get no gradient drop out
    EXAMPLES = (
        Example(
            title="BatchNormalization's moving statistics in model.weights",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(4), tf.keras.layers.BatchNormalization()])
                opt = tf.keras.optimizers.Adam()
                def train_step(x, y):
                    with tf.GradientTape() as tape:
                        loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
                    grads = tape.gradient(loss, model.weights)
                    opt.apply_gradients(zip(grads, model.weights))
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(4), tf.keras.layers.BatchNormalization()])
                opt = tf.keras.optimizers.Adam()
                def train_step(x, y):
                    with tf.GradientTape() as tape:
                        loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
                    grads = tape.gradient(loss, model.trainable_weights)
                    opt.apply_gradients(zip(grads, model.trainable_weights))
                """
            ),
        ),
        Example(
            title="through a name, for a model held by a trainer",
            before=textwrap.dedent(
                """\
                from tensorflow import GradientTape, reduce_sum
                class Trainer:
                    def step(self, x):
                        params = self.net.variables
                        with GradientTape() as tape:
                            loss = reduce_sum(self.net(x, training=True))
                        self.opt.apply_gradients(zip(tape.gradient(loss, params), params))
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import GradientTape, reduce_sum
                class Trainer:
                    def step(self, x):
                        params = self.net.trainable_variables
                        with GradientTape() as tape:
                            loss = reduce_sum(self.net(x, training=True))
                        self.opt.apply_gradients(zip(tape.gradient(loss, params), params))
                """
            ),
        ),
        Unchanged(
            title="trainable variables already",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(model(tf.ones([1, 2])))
                grads = tape.gradient(loss, model.trainable_variables)
                """
            ),
        ),
    )

    def targets(self, flow: Flow, call: GradientCall, focus: Optional[Focus]) -> set[int]:
        return _targets(flow, call)

    def transformer(self, targets: set[int]) -> cst.CSTTransformer:
        return _Renamer(targets)


def _collections(expr: cst.CSTNode) -> list[cst.Attribute]:
    """``x.weights`` / ``x.variables`` attributes in ``expr`` (not under a call: ``f(m.weights)``
    is somebody else's business)."""
    out, stack = [], [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call):
            continue
        if isinstance(node, cst.Attribute) and node.attr.value in TRAINABLE and access_path(node.value):
            out.append(node)
            continue
        stack.extend(children(node))
    return out


def _targets(flow: Flow, call: GradientCall) -> set[int]:
    """Ids of the attribute nodes to rename for one gradient call: those in its sources (or in the
    one assignment of the name it is given) and the same collections in the optimizer calls of
    the function around the tape."""
    expr = sources_expr(call)
    if isinstance(expr, cst.Name):
        found = binding(flow, call, expr.value)
        expr = found.value if found is not None and found.kind == "assign" else None
    if expr is None:
        return set()
    found_attrs = _collections(expr)
    wanted = {access_path(a) for a in found_attrs}
    ids = {id(a) for a in found_attrs}
    for apply in optimizer_calls(flow, call):
        ids |= {id(n) for n in walk(apply) if isinstance(n, cst.Attribute) and access_path(n) in wanted}
    return ids


class _Renamer(cst.CSTTransformer):
    def __init__(self, targets: set[int]) -> None:
        super().__init__()
        self.targets = targets

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        if id(original) not in self.targets:
            return updated
        return updated.with_changes(attr=cst.Name(TRAINABLE[original.attr.value]))
