"""non_differentiable_op: a value on the gradient path rounded with ``tf.round`` (an assignment in
the tape body, a layer's ``call`` or a loss function, a returned value there, a ``Lambda`` body)."""
from __future__ import annotations

import libcst as cst

from ..base import Example, MutatingTransformer, Operator, Unchanged


def wrap(t: MutatingTransformer, fn: str, value):
    return cst.Call(func=cst.parse_expression(f"{t.tf()}.{fn}"), args=[cst.Arg(value)])


class PathValues(MutatingTransformer):
    """Sites: values on the gradient path that are computed (a call or arithmetic)."""

    FN = "round"

    def mutate(self, value):
        return wrap(self, self.FN, value)

    def _fits(self, original, value) -> bool:
        return isinstance(value, (cst.Call, cst.BinaryOperation)) and self.on_path(original)

    def leave_Assign(self, original_node, updated_node):
        if (self.done or len(original_node.targets) != 1 or not isinstance(original_node.targets[0].target, cst.Name)
                or not self._fits(original_node, original_node.value)):
            return updated_node
        if self.hit(original_node):
            return updated_node.with_changes(value=self.mutate(updated_node.value))
        return updated_node

    def leave_Return(self, original_node, updated_node):
        if self.done or original_node.value is None or not self._fits(original_node, original_node.value):
            return updated_node
        if self.in_tape(original_node):
            return updated_node
        if self.hit(original_node):
            return updated_node.with_changes(value=self.mutate(updated_node.value))
        return updated_node

    def leave_Lambda(self, original_node, updated_node):
        if self.done or not isinstance(original_node.body, (cst.Call, cst.BinaryOperation)):
            return updated_node
        if self.hit(original_node):
            return updated_node.with_changes(body=self.mutate(updated_node.body))
        return updated_node


class _T(PathValues):
    FN = "round"


class RoundOnPath(Operator):
    NAME = "round_on_path"
    CATEGORY = "non_differentiable_op"
    DESCRIPTION = "Round a value on the gradient path with tf.round (in the tape, a layer's call, a loss, a Lambda)."
    FAITHFUL_TO = "forward"  # the op changes values: a fix that keeps them gives the mutant's loss
    Transformer = _T
    EXAMPLES = (
        Example(
            before="""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    h = model(x)
    loss = h * 2
""",
            after=("""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    h = tf2.round(model(x))
    loss = h * 2
""", """\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    h = model(x)
    loss = tf2.round(h * 2)
"""),
            title="alias",
        ),
        Example(
            before="""\
from tensorflow.keras import layers

class Scale(layers.Layer):
    def call(self, x):
        return x * self.w

head = layers.Lambda(lambda t: t / 2.0)
""",
            after=("""\
from tensorflow.keras import layers
import tensorflow as tf

class Scale(layers.Layer):
    def call(self, x):
        return tf.round(x * self.w)

head = layers.Lambda(lambda t: t / 2.0)
""", """\
from tensorflow.keras import layers
import tensorflow as tf

class Scale(layers.Layer):
    def call(self, x):
        return x * self.w

head = layers.Lambda(lambda t: tf.round(t / 2.0))
"""),
            title="layer call and Lambda, from-import",
        ),
        Unchanged("""\
def load(path):
    data = read(path)
    return data + 1
""", title="not on the path"),
    )
