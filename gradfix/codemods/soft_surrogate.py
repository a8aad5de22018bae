"""Replace hard argmax selections on the gradient path by differentiable softmax surrogates."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import related
from gradfix.analysis.ops import arg, argmax_last_axis, is_float_cast, op_of
from gradfix.analysis.regions import tensor_reads
from gradfix.codemods.base import (
    Example,
    RegionCodemod,
    Unchanged,
)
from gradfix.codemods.surrogates import RegionTransformer
from gradfix.types import Cause, Safety

GATHER_NOTE = ("soft-surrogate: gather by argmax became the softmax-weighted sum of the rows "
               "(tf.tensordot(tf.nn.softmax(logits), table, axes=1)); an argmax index has no gradient "
               "and no value-keeping form, so the expected row under the softmax is used; values change")
ARGMAX_NOTE = ("soft-surrogate: an argmax index used as a number became the soft-argmax (the index "
               "expected under tf.nn.softmax(logits)); values change")


class SoftSurrogate(RegionCodemod):
    WITH_DATA = False
    NAME = "soft-surrogate"
    DESCRIPTION = "Replace argmax selections on the gradient path by softmax-weighted surrogates"
    CAUSES = (Cause.NON_DIFFERENTIABLE_OP,)
    SAFETY = Safety.UNSAFE  # the forward value changes from the hard choice to an expectation
    EXAMPLES = (
        Example(
            title="gather by argmax, through a name; argmax as a number",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                codebook = tf.Variable(tf.random.normal([4, 2]))
                scores = tf.Variable(tf.zeros([3, 4]))
                with tf.GradientTape() as tape:
                    pick = tf.argmax(scores, axis=-1)
                    rows = tf.gather(codebook, pick)
                    where = tf.cast(tf.argmax(scores * 2.0, axis=-1), tf.float32)
                    loss = tf.reduce_sum(rows) + tf.reduce_sum(where)
                grads = tape.gradient(loss, [codebook, scores])
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                codebook = tf.Variable(tf.random.normal([4, 2]))
                scores = tf.Variable(tf.zeros([3, 4]))
                with tf.GradientTape() as tape:
                    pick = tf.argmax(scores, axis=-1)
                    rows = tf.tensordot(tf.nn.softmax(scores, axis=-1), codebook, axes=1)
                    where = tf.reduce_sum(tf.nn.softmax(scores * 2.0, axis=-1) * tf.range(tf.shape(scores * 2.0)[-1], dtype=tf.float32), axis=-1)
                    loss = tf.reduce_sum(rows) + tf.reduce_sum(where)
                grads = tape.gradient(loss, [codebook, scores])
                """
            ),
        ),
        Example(
            title="alias and a from-import: gather straight from argmax",
            before=textwrap.dedent(
                """\
                import tensorflow as tf2
                from tensorflow import gather
                table = tf2.constant([[1.0], [2.0], [3.0]])
                w = tf2.Variable([[0.1, 0.5, 0.2]])
                with tf2.GradientTape() as tape:
                    loss = tf2.reduce_sum(gather(table, tf2.argmax(w, -1)))
                grads = tape.gradient(loss, w)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf2
                from tensorflow import gather
                table = tf2.constant([[1.0], [2.0], [3.0]])
                w = tf2.Variable([[0.1, 0.5, 0.2]])
                with tf2.GradientTape() as tape:
                    loss = tf2.reduce_sum(tf2.tensordot(tf2.nn.softmax(w, axis=-1), table, axes=1))
                grads = tape.gradient(loss, w)
                """
            ),
        ),
        Unchanged(
            title="argmax of data, gather of a trainable table by fixed indices",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                labels = tf.argmax(tf.random.uniform([3, 4]), axis=-1)
                table = tf.Variable(tf.ones([4, 2]))
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(tf.gather(table, labels))
                grads = tape.gradient(loss, table)
                """
            ),
        ),
    )



class _Soft(RegionTransformer):
    def replace(self, original: cst.Call, updated: cst.Call) -> Optional[cst.BaseExpression]:
        found = op_of(self.names, original)
        if found is not None and found.name == "gather" and len(original.args) == 2:
            table, indices = arg(original, 0, "params"), arg(original, 1, "indices")
            logits = self._logits(indices.value) if table and indices else None
            if logits is not None:
                self.notes.append(GATHER_NOTE)
                soft = self.op("nn.softmax", logits.deep_clone(), axis=_MINUS_ONE)
                return self.op("tensordot", soft, arg(updated, 0, "params").value, axes=cst.Integer("1"))
        if is_float_cast(self.names, original):
            logits = self._logits(original.args[0].value)
            logits = self.stable(logits) if logits is not None else None
            if logits is not None:
                self.notes.append(ARGMAX_NOTE)
                size = cst.parse_expression("_[-1]").with_changes(value=self.op("shape", logits.deep_clone()))
                positions = self.op("range", size, dtype=arg(updated, 1, "dtype").value)
                soft = self.op("nn.softmax", logits.deep_clone(), axis=_MINUS_ONE)
                weighted = cst.BinaryOperation(soft, cst.Multiply(), positions)
                return self.op("reduce_sum", weighted, axis=_MINUS_ONE)
        return None

    def _logits(self, indices: cst.BaseExpression) -> Optional[cst.BaseExpression]:
        """The tensor-derived logits of the ``argmax(logits, axis=-1)`` behind ``indices`` (a call
        here, or a name bound once to one whose logits may be repeated here)."""
        local = isinstance(indices, cst.Call)
        argmax = indices if local else self.value_of(indices)
        logits = argmax_last_axis(self.names, argmax) if isinstance(argmax, cst.Call) else None
        if logits is None or not related(tensor_reads(self.names, logits), self.stack[-1]):
            return None
        return logits if local or self.settled(logits) else None


_MINUS_ONE = cst.parse_expression("-1")


SoftSurrogate.TRANSFORMER = _Soft  # defined below the codemod, beside its helpers
