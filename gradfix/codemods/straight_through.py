"""Give non-differentiable ops on the gradient path a straight-through gradient, keeping values."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.nodes import walk
from gradfix.analysis.ops import argmax_axis, is_float_cast, is_int_cast, op_of
from gradfix.codemods.base import (
    Example,
    RegionCodemod,
    Unchanged,
)
from gradfix.codemods.surrogates import RegionTransformer
from gradfix.types import Cause, Safety

UNARY = frozenset({"round", "floor", "ceil", "sign", "rint"})
_ABOVE = (cst.GreaterThan, cst.GreaterThanEqual)
_BELOW = (cst.LessThan, cst.LessThanEqual)
_COMPARE_OPS = {"greater": True, "greater_equal": True, "less": False, "less_equal": False}


class StraightThrough(RegionCodemod):
    WITH_DATA = False
    SURROGATE = True
    NAME = "straight-through"
    DESCRIPTION = "Give rounding, int round trips, argmax one-hots and thresholds a straight-through gradient"
    CAUSES = (Cause.NON_DIFFERENTIABLE_OP,)
    SAFETY = Safety.SAFE  # forward values kept up to one float ulp: x + (round(x) - x)
    EXAMPLES = (
        Example(
            title="rounding and an int round trip, through a name",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable([0.3, 1.7])
                with tf.GradientTape() as tape:
                    q = tf.round(w * 4.0) / 4.0
                    steps = tf.cast(w * 8.0, tf.int32)
                    loss = tf.reduce_sum(q + tf.cast(steps, tf.float32))
                grads = tape.gradient(loss, w)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable([0.3, 1.7])
                with tf.GradientTape() as tape:
                    q = (w * 4.0 + tf.stop_gradient(tf.round(w * 4.0) - w * 4.0)) / 4.0
                    steps = tf.cast(w * 8.0, tf.int32)
                    loss = tf.reduce_sum(q + (w * 8.0 + tf.stop_gradient(tf.cast(steps, tf.float32) - w * 8.0)))
                grads = tape.gradient(loss, w)
                """
            ),
        ),
        Example(
            title="alias, argmax one-hot, a threshold, a layer call evaluated once",
            before=textwrap.dedent(
                """\
                import tensorflow as tf2
                from keras import layers, ops
                head = layers.Dense(3)
                x = tf2.ones([2, 4])
                with tf2.GradientTape() as tape:
                    logits = head(x)
                    hard = tf2.one_hot(tf2.argmax(logits, axis=-1), 3)
                    gate = tf2.cast(logits > 0.5, tf2.float32)
                    loss = tf2.reduce_sum(hard * gate + ops.floor(head(x)))
                grads = tape.gradient(loss, head.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf2
                from keras import layers, ops
                head = layers.Dense(3)
                x = tf2.ones([2, 4])
                with tf2.GradientTape() as tape:
                    logits = head(x)
                    soft = tf2.nn.softmax(logits, axis=-1)
                    hard = soft + tf2.stop_gradient(tf2.one_hot(tf2.argmax(logits, axis=-1), 3) - soft)
                    soft_mask = tf2.sigmoid(logits - 0.5)
                    gate = soft_mask + tf2.stop_gradient(tf2.cast(logits > 0.5, tf2.float32) - soft_mask)
                    st_input = head(x)
                    loss = tf2.reduce_sum(hard * gate + (st_input + tf2.stop_gradient(ops.floor(st_input) - st_input)))
                grads = tape.gradient(loss, head.trainable_variables)
                """
            ),
        ),
        Example(
            title="a one-hot of the argmax over axis 1 fed to a cross-entropy",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                dense = tf.keras.layers.Dense(3)
                ce = tf.keras.losses.CategoricalCrossentropy()
                x, y = tf.ones([2, 4]), tf.one_hot([0, 2], 3)
                with tf.GradientTape() as tape:
                    logits = dense(x)
                    predicted = tf.one_hot(tf.argmax(logits, axis=1), 3)
                    loss = ce(y, predicted)
                grads = tape.gradient(loss, dense.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                dense = tf.keras.layers.Dense(3)
                ce = tf.keras.losses.CategoricalCrossentropy()
                x, y = tf.ones([2, 4]), tf.one_hot([0, 2], 3)
                with tf.GradientTape() as tape:
                    logits = dense(x)
                    soft = tf.experimental.numpy.moveaxis(tf.nn.softmax(logits, axis=1), 1, -1)
                    predicted = soft + tf.stop_gradient(tf.one_hot(tf.argmax(logits, axis=1), 3) - soft)
                    loss = ce(y, predicted)
                grads = tape.gradient(loss, dense.trainable_variables)
                """
            ),
        ),
        Unchanged(
            title="rounding data, an argmax index for a metric, a value already straight-through",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                labels = tf.round(tf.random.uniform([4]))
                w = tf.Variable(tf.ones([4, 2]))
                with tf.GradientTape() as tape:
                    logits = w * 2.0
                    best = tf.argmax(logits, axis=-1)
                    q = w + tf.stop_gradient(tf.round(w) - w)
                    loss = tf.reduce_sum(q) + tf.reduce_sum(logits[:, 0] * labels)
                grads = tape.gradient(loss, w)
                accuracy = tf.reduce_mean(tf.cast(tf.equal(best, tf.cast(labels, tf.int64)), tf.float32))
                """
            ),
        ),
    )



class _Straight(RegionTransformer):
    def __init__(self, flow, regions, spelling) -> None:
        super().__init__(flow, regions, spelling)
        self.compared = _compared(flow)  # tf.equal(tf.round(p), y): exact values matter there

    def replace(self, original: cst.Call, updated: cst.Call) -> Optional[cst.BaseExpression]:
        found = op_of(self.names, original)
        if found is None or id(original) in self.compared:
            return None
        first = updated.args[0] if updated.args else None
        if found.name in UNARY and first is not None and first.keyword is None and not first.star:
            if all(a.keyword is not None for a in updated.args[1:]):
                x = self.stable(updated.args[0].value, walrus=True)
                return None if x is None else self.straight(x, _with_arg(updated, 0, x))
        if found.name == "one_hot" and len(updated.args) == 2:
            return self._one_hot(original, updated)
        if is_float_cast(self.names, original):
            return self._from_cast(original, updated)
        return None

    def _one_hot(self, original: cst.Call, updated: cst.Call) -> Optional[cst.BaseExpression]:
        indices = original.args[0].value
        local = isinstance(indices, cst.Call)
        argmax = indices if local else self.value_of(indices)
        found = argmax_axis(self.names, argmax) if isinstance(argmax, cst.Call) else None
        if found is None or not (local or self.settled(found[0])):
            return None
        logits, axis = found
        if local:
            logits = self.stable(updated.args[0].value.args[0].value)
            if logits is None:
                return None
            inner = _with_arg(updated.args[0].value, 0, logits)
            updated = _with_arg(updated, 0, inner)
        soft = self.op("nn.softmax", logits.deep_clone(), axis=cst.parse_expression(str(axis)))
        if axis != -1:  # one_hot puts the classes last
            soft = self.op("experimental.numpy.moveaxis", soft, cst.parse_expression(str(axis)),
                           cst.parse_expression("-1"))
        return self.straight(self.named(soft, "soft"), updated)

    def _from_cast(self, original: cst.Call, updated: cst.Call) -> Optional[cst.BaseExpression]:
        inner, new_inner = original.args[0].value, updated.args[0].value
        if isinstance(inner, cst.Call) and is_int_cast(self.names, inner):
            x = self.stable(new_inner.args[0].value, walrus=True)
            return None if x is None else self.straight(x, _with_arg(updated, 0, _with_arg(new_inner, 0, x)))
        value = self.value_of(inner)
        if isinstance(value, cst.Call):
            if is_int_cast(self.names, value) and self.settled(value.args[0].value):
                return self.straight(value.args[0].value.deep_clone(), updated)
            return None
        above = _comparison(self.names, inner)[0]
        _, x, t = _comparison(self.names, new_inner)
        if above is None or x is None or t is None:
            return None
        x, t = self.stable(x), self.stable(t)
        if x is None or t is None:
            return None
        hard = _with_arg(updated, 0, _compare(self.names, new_inner, x, t))
        soft = self.op("sigmoid", cst.BinaryOperation(x, cst.Subtract(), t) if above else
                       cst.BinaryOperation(t, cst.Subtract(), x))  # fmt: skip
        return self.straight(self.named(soft, "soft_mask"), hard)


def _compared(flow) -> set[int]:
    """Ids of the operands of comparisons (``==``, ``tf.equal``, ``tf.greater``...)."""
    out: set[int] = set()
    for node in walk(flow.module):
        if isinstance(node, cst.Comparison):
            out |= {id(node.left)} | {id(c.comparator) for c in node.comparisons}
        elif isinstance(node, cst.Call):
            found = op_of(flow.names, node)
            if found and found.name in (*_COMPARE_OPS, "equal", "not_equal"):
                out |= {id(a.value) for a in node.args}
    return out


def _with_arg(call: cst.Call, index: int, value: cst.BaseExpression) -> cst.Call:
    args = list(call.args)
    args[index] = args[index].with_changes(value=value)
    return call.with_changes(args=args)


def _comparison(names, expr):
    """(x above t?, x, t) for ``x > t``, ``x <= t``, ``tf.greater(x, t)``..., else (None, ...)."""
    if isinstance(expr, cst.Comparison) and len(expr.comparisons) == 1:
        operator = expr.comparisons[0].operator
        if isinstance(operator, _ABOVE + _BELOW):
            return isinstance(operator, _ABOVE), expr.left, expr.comparisons[0].comparator
    if isinstance(expr, cst.Call) and len(expr.args) == 2 and not any(a.keyword for a in expr.args):
        found = op_of(names, expr)
        if found and found.name in _COMPARE_OPS:
            return _COMPARE_OPS[found.name], expr.args[0].value, expr.args[1].value
    return None, None, None


def _compare(names, expr, x, t):
    """``expr`` (a comparison) with its operands replaced by ``x`` and ``t``."""
    if isinstance(expr, cst.Comparison):
        return expr.with_changes(left=x, comparisons=[expr.comparisons[0].with_changes(comparator=t)])
    return _with_arg(_with_arg(expr, 0, x), 1, t)


StraightThrough.TRANSFORMER = _Straight  # defined below the codemod, beside its helpers
