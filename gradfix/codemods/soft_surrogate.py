"""Replace hard argmax selections on the gradient path by differentiable softmax surrogates."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import related
from gradfix.analysis.ops import arg, argmax_axis, is_float_cast, op_of
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
ONE_HOT_NOTE = ("soft-surrogate: a one-hot of an argmax became the softmax probabilities of the same "
                "logits (the hard choice has no gradient); values change")
ACCURACY_NOTE = ("soft-surrogate: an accuracy metric on the gradient path (it compares rounded or argmax "
                 "predictions, which has no gradient) became the soft accuracy: the probability the "
                 "model gives the true class; values change")
_ACCURACY = ("binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy")
_METRIC_PACKAGES = ("keras.metrics.", "tensorflow.keras.metrics.", "tf_keras.metrics.", "keras.src.metrics.")
ARGMAX_NOTE = ("soft-surrogate: an argmax index used as a number became the soft-argmax (the index "
               "expected under tf.nn.softmax(logits)); values change")


class SoftSurrogate(RegionCodemod):
    WITH_DATA = False
    SURROGATE = True
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
        Example(
            title="a one-hot of the argmax fed to a cross-entropy becomes the softmax",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                dense = tf.keras.layers.Dense(3)
                x, y = tf.ones([2, 4]), tf.one_hot([0, 2], 3)
                with tf.GradientTape() as tape:
                    logits = dense(x)
                    predicted = tf.one_hot(tf.argmax(logits, axis=1), 3)
                    loss = tf.keras.losses.categorical_crossentropy(y, predicted)
                grads = tape.gradient(loss, dense.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                dense = tf.keras.layers.Dense(3)
                x, y = tf.ones([2, 4]), tf.one_hot([0, 2], 3)
                with tf.GradientTape() as tape:
                    logits = dense(x)
                    predicted = tf.experimental.numpy.moveaxis(tf.nn.softmax(logits, axis=1), 1, -1)
                    loss = tf.keras.losses.categorical_crossentropy(y, predicted)
                grads = tape.gradient(loss, dense.trainable_variables)
                """
            ),
        ),
        Example(
            title="accuracy functions as losses: a helper with a from-import, an inline keras call",
            before=textwrap.dedent(
                """\
                import keras
                import tensorflow as tf
                from tensorflow.keras.metrics import sparse_categorical_accuracy
                model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
                gate = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
                x, y, flags = tf.ones([4, 2]), tf.constant([0, 1, 2, 0]), tf.constant([[1.0], [0.0], [1.0], [1.0]])
                def error_rate(labels, probs):
                    return 1.0 - sparse_categorical_accuracy(labels, probs)
                with tf.GradientTape() as tape:
                    probs = model(x)
                    loss = tf.reduce_mean(error_rate(y, probs))
                grads = tape.gradient(loss, model.trainable_variables)
                with tf.GradientTape() as tape2:
                    p = gate(x)
                    loss2 = 1.0 - keras.metrics.binary_accuracy(flags, p)
                grads2 = tape2.gradient(loss2, gate.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import keras
                import tensorflow as tf
                from tensorflow.keras.metrics import sparse_categorical_accuracy
                model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
                gate = keras.Sequential([keras.layers.Dense(1, activation="sigmoid")])
                x, y, flags = tf.ones([4, 2]), tf.constant([0, 1, 2, 0]), tf.constant([[1.0], [0.0], [1.0], [1.0]])
                def error_rate(labels, probs):
                    return 1.0 - tf.reduce_sum(tf.one_hot(tf.cast(tf.reshape(labels, tf.shape(probs)[:-1]), 'int32'), tf.shape(probs)[-1], dtype=probs.dtype) * probs, axis=-1)
                with tf.GradientTape() as tape:
                    probs = model(x)
                    loss = tf.reduce_mean(error_rate(y, probs))
                grads = tape.gradient(loss, model.trainable_variables)
                with tf.GradientTape() as tape2:
                    p = gate(x)
                    loss2 = 1.0 - tf.reduce_mean(tf.cast(flags, p.dtype) * p + (1.0 - tf.cast(flags, p.dtype)) * (1.0 - p), axis=-1)
                grads2 = tape2.gradient(loss2, gate.trainable_variables)
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
        accuracy = _accuracy(self.names, original)
        if accuracy is not None:
            return self._soft_accuracy(accuracy, updated)
        found = op_of(self.names, original)
        if found is not None and found.name == "gather" and len(original.args) == 2:
            table, indices = arg(original, 0, "params"), arg(original, 1, "indices")
            logits = self._logits(indices.value) if table and indices else None
            if logits is not None:
                self.notes.append(GATHER_NOTE)
                soft = self.op("nn.softmax", logits.deep_clone(), axis=_MINUS_ONE)
                return self.op("tensordot", soft, arg(updated, 0, "params").value, axes=cst.Integer("1"))
        if found is not None and found.name == "one_hot" and len(original.args) == 2 \
                and not any(a.keyword or a.star for a in original.args):
            picked = self._argmax(original.args[0].value)
            logits = self.stable(picked[0]) if picked is not None else None
            if logits is not None:
                self.notes.append(ONE_HOT_NOTE)
                axis = picked[1]
                soft = self.op("nn.softmax", logits.deep_clone(), axis=cst.parse_expression(str(axis)))
                if axis == -1:
                    return soft
                return self.op("experimental.numpy.moveaxis", soft, cst.parse_expression(str(axis)), _MINUS_ONE)
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

    def _soft_accuracy(self, which: str, updated: cst.Call) -> Optional[cst.BaseExpression]:
        """The soft twin of a Keras accuracy function: ``y*p + (1-y)*(1-p)`` (binary), ``sum(y*p)``
        (categorical), the probability of the label (sparse); averaged over the last axis like it."""
        y_true, y_pred = arg(updated, 0, "y_true"), arg(updated, 1, "y_pred")
        if y_true is None or y_pred is None:
            return None
        p = self.stable(y_pred.value)
        y = self.stable(y_true.value) if p is not None else None
        if p is None or y is None:
            return None
        dtype = cst.Attribute(p.deep_clone(), cst.Name("dtype"))
        last = cst.parse_expression("-1")
        self.notes.append(ACCURACY_NOTE)
        if which == "sparse_categorical_accuracy":
            size = cst.parse_expression("_[-1]").with_changes(value=self.op("shape", p.deep_clone()))
            classes = cst.parse_expression("_[:-1]").with_changes(value=self.op("shape", p.deep_clone()))
            labels = self.op("cast", self.op("reshape", y, classes), cst.parse_expression("'int32'"))
            y = self.op("one_hot", labels, size, dtype=dtype)
            return self.op("reduce_sum", cst.BinaryOperation(y, cst.Multiply(), p), axis=last)
        y = self.op("cast", y, dtype)
        if which == "categorical_accuracy":
            return self.op("reduce_sum", cst.BinaryOperation(y, cst.Multiply(), p), axis=last)
        one = cst.Float("1.0")
        hit = cst.BinaryOperation(y, cst.Multiply(), p.deep_clone())
        miss = cst.BinaryOperation(
            cst.BinaryOperation(one, cst.Subtract(), y.deep_clone(), lpar=[cst.LeftParen()], rpar=[cst.RightParen()]),
            cst.Multiply(),
            cst.BinaryOperation(one, cst.Subtract(), p.deep_clone(), lpar=[cst.LeftParen()], rpar=[cst.RightParen()]))
        return self.op("reduce_mean", cst.BinaryOperation(hit, cst.Add(), miss), axis=last)

    def _logits(self, indices: cst.BaseExpression) -> Optional[cst.BaseExpression]:
        """The tensor-derived logits of the ``argmax(logits, axis=-1)`` behind ``indices`` (a call
        here, or a name bound once to one whose logits may be repeated here)."""
        picked = self._argmax(indices)
        return picked[0] if picked is not None and picked[1] == -1 else None

    def _argmax(self, indices: cst.BaseExpression) -> Optional[tuple[cst.BaseExpression, int]]:
        """``(logits, axis)`` of the tensor-derived ``argmax(logits, axis=k)`` behind ``indices``."""
        local = isinstance(indices, cst.Call)
        argmax = indices if local else self.value_of(indices)
        picked = argmax_axis(self.names, argmax) if isinstance(argmax, cst.Call) else None
        if picked is None or not related(tensor_reads(self.names, picked[0]), self.stack[-1]):
            return None
        return picked if local or self.settled(picked[0]) else None


_MINUS_ONE = cst.parse_expression("-1")


def _accuracy(names, call: cst.Call) -> Optional[str]:
    """``binary_accuracy``/``categorical_accuracy``/``sparse_categorical_accuracy`` when ``call`` is
    Keras' function of that name (any spelling), else None."""
    for qualified in names.of(call.func):
        for package in _METRIC_PACKAGES:
            if qualified.startswith(package) and qualified.rsplit(".", 1)[-1] in _ACCURACY:
                return qualified.rsplit(".", 1)[-1]
    return None


SoftSurrogate.TRANSFORMER = _Soft  # defined below the codemod, beside its helpers
