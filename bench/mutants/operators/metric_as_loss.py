"""assign_or_scatter: a Keras metric object used as the loss (``keras.metrics.MeanSquaredError()``
where ``keras.losses.MeanSquaredError()`` was meant): a metric accumulates its value in variables
with ``assign``, so its result has no gradient. Losses built with a ``reduction`` other than the
default are left alone: the metric averages like the default reduction, so swapping back to the loss
class (the meaning-preserving fix) computes the same first value only without one."""
from __future__ import annotations

import libcst as cst

from ..base import Example, MutatingTransformer, Operator, Unchanged, module_alias

TWINS = ("MeanSquaredError", "MeanAbsoluteError", "BinaryCrossentropy", "CategoricalCrossentropy",
         "SparseCategoricalCrossentropy", "KLDivergence", "Poisson", "Hinge",
         "SquaredHinge", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "LogCoshError")
LOSSES = {f"keras.losses.{n}" for n in TWINS}


class _T(MutatingTransformer):
    def visit_Module(self, node):
        self._keras = module_alias(node, "keras")
        return super().visit_Module(node)

    def leave_Call(self, original_node, updated_node):
        if self.done:
            return updated_node
        cls = next((n for n in TWINS if self.is_name(original_node.func, f"keras.losses.{n}")), None)
        if cls is None or any(a.keyword and a.keyword.value == "reduction" for a in original_node.args):
            return updated_node
        if self.hit(original_node):
            func = updated_node.func
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute) and func.value.attr.value == "losses":
                func = func.with_changes(value=func.value.with_changes(attr=cst.Name("metrics")))
            else:
                prefix = self._keras if self._keras else f"{self.tf()}.keras"
                func = cst.parse_expression(f"{prefix}.metrics.{cls}")
            return updated_node.with_changes(func=func)
        return updated_node


class MetricAsLoss(Operator):
    NAME = "metric_as_loss"
    CATEGORY = "assign_or_scatter"
    DESCRIPTION = "Use a Keras metric object (keras.metrics.X) where the loss keras.losses.X was meant."
    FIXABLE = True  # the loss class: on the first batch it returns the metric's value
    Transformer = _T
    EXAMPLES = (
        Example(
            before="""\
import tensorflow as tf2

bce = tf2.keras.losses.BinaryCrossentropy(from_logits=True)
""",
            after=("""\
import tensorflow as tf2

bce = tf2.keras.metrics.BinaryCrossentropy(from_logits=True)
""",),
            title="alias",
        ),
        Unchanged("""\
import tensorflow as tf
bce = tf.keras.losses.BinaryCrossentropy(from_logits=True, reduction="sum")
cos = tf.keras.losses.CosineSimilarity()
""", title="a summing reduction (the metric averages); cosine (the metric has the other sign)"),
        Example(
            before="""\
from tensorflow.keras.losses import MeanSquaredError
import keras

mse = MeanSquaredError()
""",
            after=("""\
from tensorflow.keras.losses import MeanSquaredError
import keras

mse = keras.metrics.MeanSquaredError()
""",),
            title="from-import",
        ),
        Unchanged("""\
import tensorflow as tf
acc = tf.keras.metrics.Mean()
loss = tf.keras.losses.mean_squared_error(a, b)
""", title="a metric already; a loss function"),
    )
