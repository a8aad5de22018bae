"""int_dtype: an integer variable or weight: ``tf.Variable(0.5)`` written ``tf.Variable(0)`` (a
float literal as an int), ``dtype=tf.float32`` as ``tf.int32``, ``add_weight(..., dtype="int32")``."""
from __future__ import annotations

import libcst as cst

from ..base import Example, MutatingTransformer, Operator, Unchanged, expr


def _set_dtype(call: cst.Call, value) -> cst.Call:
    args = list(call.args)
    for i, a in enumerate(args):
        if a.keyword is not None and a.keyword.value == "dtype":
            args[i] = a.with_changes(value=value)
            return call.with_changes(args=args)
    if args:
        args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    args.append(cst.Arg(keyword=cst.Name("dtype"), value=value,
                        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                              whitespace_after=cst.SimpleWhitespace(""))))
    return call.with_changes(args=args)


def _has_dtype(call: cst.Call) -> bool:
    return any(a.keyword is not None and a.keyword.value == "dtype" for a in call.args)


class _T(MutatingTransformer):
    def leave_Call(self, original_node, updated_node):
        if self.done:
            return updated_node
        if self.is_name(original_node.func, "tensorflow.Variable") and original_node.args:
            first = original_node.args[0]
            if _has_dtype(original_node):
                if self.hit(original_node):
                    return _set_dtype(updated_node, expr(f"{self.tf()}.int32"))
            elif first.keyword is None and isinstance(first.value, cst.Float):
                if self.hit(original_node):
                    number = cst.Integer(str(int(float(first.value.value))))
                    args = [updated_node.args[0].with_changes(value=number), *updated_node.args[1:]]
                    return updated_node.with_changes(args=args)
            return updated_node
        if isinstance(original_node.func, cst.Attribute) and original_node.func.attr.value == "add_weight":
            if self.hit(original_node):
                return _set_dtype(updated_node, cst.SimpleString('"int32"'))
        return updated_node


class IntVariable(Operator):
    NAME = "int_variable"
    CATEGORY = "int_dtype"
    DESCRIPTION = "Make a variable or weight integer: an int literal, dtype=tf.int32, add_weight(dtype='int32')."
    Transformer = _T
    EXAMPLES = (
        Example(
            before="""\
import tensorflow as tf2

w = tf2.Variable(0.5)
b = tf2.Variable(tf2.zeros([3]), dtype=tf2.float32)
""",
            after=("""\
import tensorflow as tf2

w = tf2.Variable(0)
b = tf2.Variable(tf2.zeros([3]), dtype=tf2.float32)
""", """\
import tensorflow as tf2

w = tf2.Variable(0.5)
b = tf2.Variable(tf2.zeros([3]), dtype=tf2.int32)
"""),
            title="alias",
        ),
        Example(
            before="""\
from tensorflow.keras import layers

class Dense(layers.Layer):
    def build(self, shape):
        self.w = self.add_weight(shape=(shape[-1], 4), initializer="zeros")
""",
            after=("""\
from tensorflow.keras import layers

class Dense(layers.Layer):
    def build(self, shape):
        self.w = self.add_weight(shape=(shape[-1], 4), initializer="zeros", dtype="int32")
""",),
            title="add_weight, from-import",
        ),
        Unchanged("""\
import tensorflow as tf
w = tf.Variable(init)
""", title="no literal, no dtype"),
    )
