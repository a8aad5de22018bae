"""Use the loss where a Keras metric object computes the loss: a metric keeps its value in
variables it updates with ``assign``, so what it returns has no gradient."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access_path
from gradfix.analysis.flow import analyse
from gradfix.analysis.names import ensure_tf_import, tf_attr, tf_spelling
from gradfix.analysis.nodes import walk
from gradfix.codemods.base import Codemod, Example, Focus, Rewrite, Unchanged, declined, finished
from gradfix.errors import strict
from gradfix.types import Cause, Safety

# metric class -> the loss class that computes the same per-batch value (on the first batch the
# metric's running mean is that value). CosineSimilarity is left out: its loss is the negation.
TWINS = {
    **{n: n for n in ("MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
                      "MeanSquaredLogarithmicError", "BinaryCrossentropy", "CategoricalCrossentropy",
                      "SparseCategoricalCrossentropy", "KLDivergence", "Poisson", "Hinge", "SquaredHinge",
                      "CategoricalHinge")},
    "LogCoshError": "LogCosh",
}
_PACKAGES = ("keras.metrics.", "tensorflow.keras.metrics.", "tf_keras.metrics.")
_METRIC_ARGS = frozenset({"metrics", "weighted_metrics"})
_STATE_METHODS = frozenset({"update_state", "result", "reset_state", "reset_states"})


class MetricToLoss(Codemod):
    NAME = "metric-to-loss"
    DESCRIPTION = "Replace a Keras metric object used to compute a loss (keras.metrics.X()) with the loss keras.losses.X()"
    CAUSES = (Cause.ASSIGN_OR_SCATTER, Cause.LOSS_DISCONNECTED)
    SAFETY = Safety.SAFE  # the loss returns the batch value the metric returns on its first call (verified)
    EXAMPLES = (
        Example(
            title="a metric object called as the loss in a custom loop",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                mse = tf.keras.metrics.MeanSquaredError()
                x, y = tf.ones((4, 3)), tf.zeros((4, 1))
                with tf.GradientTape() as tape:
                    loss = mse(y, model(x))
                grads = tape.gradient(loss, model.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                mse = tf.keras.losses.MeanSquaredError()
                x, y = tf.ones((4, 3)), tf.zeros((4, 1))
                with tf.GradientTape() as tape:
                    loss = mse(y, model(x))
                grads = tape.gradient(loss, model.trainable_variables)
                """
            ),
        ),
        Example(
            title="passed as loss_fn to a model with train_step; compile's metrics stay metrics",
            before=textwrap.dedent(
                """\
                import keras
                from keras import metrics
                class Trainer(keras.Model):
                    def __init__(self, net, loss_fn):
                        super().__init__()
                        self.net, self.loss_fn = net, loss_fn
                trainer = Trainer(keras.Sequential([keras.layers.Dense(2)]),
                                  loss_fn=keras.metrics.BinaryCrossentropy(from_logits=True))
                trainer.compile(optimizer="adam", metrics=[metrics.BinaryCrossentropy(from_logits=True)])
                hinge = metrics.LogCoshError()
                """
            ),
            after=textwrap.dedent(
                """\
                import keras
                from keras import metrics
                import tensorflow as tf

                class Trainer(keras.Model):
                    def __init__(self, net, loss_fn):
                        super().__init__()
                        self.net, self.loss_fn = net, loss_fn
                trainer = Trainer(keras.Sequential([keras.layers.Dense(2)]),
                                  loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
                trainer.compile(optimizer="adam", metrics=[metrics.BinaryCrossentropy(from_logits=True)])
                hinge = tf.keras.losses.LogCosh()
                """
            ),
        ),
        Unchanged(
            title="a metric that accumulates with update_state and is read with result()",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                tracker = tf.keras.metrics.MeanSquaredError()
                w = tf.Variable(1.0)
                with tf.GradientTape() as tape:
                    loss = (w - 2.0) ** 2
                grads = tape.gradient(loss, w)
                tracker.update_state([2.0], [w])
                print(float(tracker.result()))
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        names, module = flow.names, flow.module
        excluded = _metric_arguments(module) | _stateful(module)
        targets: dict[int, str] = {}
        for node in walk(module):
            if not isinstance(node, cst.Call) or id(node) in excluded:
                continue
            for q in names.of(node.func):
                prefix = next((p for p in _PACKAGES if q.startswith(p)), None)
                if prefix is not None and q[len(prefix):] in TWINS:
                    targets[id(node)] = TWINS[q[len(prefix):]]
        if not targets:
            return declined(source)
        swap = _Swap(targets, tf_spelling(module))
        try:
            new = module.visit(swap)
            if swap.spelled_tf:
                new = ensure_tf_import(new)
        except Exception as error:  # noqa: BLE001 - decline on shapes we did not foresee
            if strict():
                raise
            return declined(source, f"could not rewrite: {error}")
        return finished(source, new.code, ("a Keras metric object computed the loss: the loss class computes "
                                           "the same batch value with ops the tape records",))


class _Swap(cst.CSTTransformer):
    def __init__(self, targets: dict[int, str], spelling: str) -> None:
        super().__init__()
        self.targets, self.spelling, self.spelled_tf = targets, spelling, False

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        loss = self.targets.get(id(original))
        if loss is None:
            return updated
        func = updated.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute) \
                and func.value.attr.value == "metrics":
            new = func.with_changes(value=func.value.with_changes(attr=cst.Name("losses")), attr=cst.Name(loss))
        else:  # ``metrics.X`` or ``X`` imported by name: spell the loss through tensorflow
            new = tf_attr(self.spelling, f"keras.losses.{loss}")
            self.spelled_tf = True
        return updated.with_changes(func=new)


def _metric_arguments(module: cst.Module) -> set[int]:
    """Ids of the calls inside ``metrics=[...]`` / ``weighted_metrics=`` arguments: real metrics."""
    out: set[int] = set()
    for node in walk(module):
        if isinstance(node, cst.Arg) and node.keyword is not None and node.keyword.value in _METRIC_ARGS:
            out.update(id(n) for n in walk(node.value) if isinstance(n, cst.Call))
    return out


def _stateful(module: cst.Module) -> set[int]:
    """Ids of the constructor calls whose object the module uses as a metric (``update_state``,
    ``result``, ``reset_state``)."""
    used = {access_path(n.value) for n in walk(module)
            if isinstance(n, cst.Attribute) and n.attr.value in _STATE_METHODS}
    used.discard(None)
    out: set[int] = set()
    for node in walk(module):
        if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call) and any(
                access_path(t.target) in used for t in node.targets):
            out.add(id(node.value))
    return out
