"""numpy_in_graph: a model called with ``model.predict(...)`` inside the tape (it returns NumPy)."""
from __future__ import annotations

import re

import libcst as cst

from ..base import Example, MutatingTransformer, Operator, Unchanged

MODEL_NAME = re.compile(r"(model|net|generator|discriminator|encoder|decoder|critic|actor|policy|classifier"
                        r"|teacher|student|backbone|head|q_|pinn)", re.I)


def _callee_name(func) -> str | None:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
        return func.attr.value
    return None


class _T(MutatingTransformer):
    def leave_Call(self, original_node, updated_node):
        if self.done:
            return updated_node
        name = _callee_name(original_node.func)
        if (name is None or not original_node.args or original_node.args[0].keyword is not None
                or any(q.startswith(("tensorflow", "keras", "numpy", "builtins")) for q in self.qnames(original_node.func))
                or not MODEL_NAME.search(name) or not self.in_tape(original_node)):
            return updated_node
        if self.hit(original_node):
            args = [a for a in updated_node.args if not (a.keyword and a.keyword.value == "training")]
            args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            args.append(cst.Arg(keyword=cst.Name("verbose"), value=cst.Integer("0"),
                                equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                                      whitespace_after=cst.SimpleWhitespace(""))))
            func = cst.Attribute(value=updated_node.func, attr=cst.Name("predict"))
            return updated_node.with_changes(func=func, args=args)
        return updated_node


class PredictInTape(Operator):
    NAME = "predict_in_tape"
    CATEGORY = "numpy_in_graph"
    DESCRIPTION = "Call the model with model.predict(...) inside the tape instead of model(...)."
    Transformer = _T
    EXAMPLES = (
        Example(
            before="""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    logits = q_net(x, training=True)
    loss = tf2.reduce_mean(logits)
""",
            after=("""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    logits = q_net.predict(x, verbose=0)
    loss = tf2.reduce_mean(logits)
""",),
            title="alias",
        ),
        Example(
            before="""\
from tensorflow import GradientTape
with GradientTape() as g:
    out = self.encoder(x)
""",
            after=("""\
from tensorflow import GradientTape
with GradientTape() as g:
    out = self.encoder.predict(x, verbose=0)
""",),
            title="method attribute, from-import",
        ),
        Unchanged("""\
import tensorflow as tf
y = model(x)
with tf.GradientTape() as g:
    z = helper(x)
""", title="outside the tape, not a model"),
    )
