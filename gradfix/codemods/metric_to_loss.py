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
        Example(
            title="reset_state, update_state and result computing the loss: one call of the loss",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                from tensorflow.keras import metrics
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                mse = metrics.MeanSquaredError()
                with tf.GradientTape() as tape:
                    pred = model(tf.ones((4, 2)))
                    mse.reset_state()
                    mse.update_state(tf.zeros((4, 1)), pred)
                    loss = mse.result()
                grads = tape.gradient(loss, model.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                from tensorflow.keras import metrics
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                mse = tf.keras.losses.MeanSquaredError()
                with tf.GradientTape() as tape:
                    pred = model(tf.ones((4, 2)))
                    loss = mse(tf.zeros((4, 1)), pred)
                grads = tape.gradient(loss, model.trainable_variables)
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
        folded = _fold_state_calls(flow)
        if folded is not None:  # ``m.update_state(y, p); loss = m.result()`` is now ``loss = m(y, p)``
            result = self.rewrite(folded, focus)
            return result if result.changed else declined(source, *result.notes)
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


def _twin_metrics(flow) -> set[str]:
    """Paths bound to a metric object that has a loss twin (``mse = tf.keras.metrics.MeanSquaredError()``)."""
    out: set[str] = set()
    for node in walk(flow.module):
        if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call):
            for q in flow.names.of(node.value.func):
                prefix = next((p for p in _PACKAGES if q.startswith(p)), None)
                if prefix is not None and q[len(prefix):] in TWINS:
                    out |= {access_path(t.target) for t in node.targets} - {None}
    return out


def _fold_state_calls(flow) -> Optional[str]:
    """The source with each ``[m.reset_state()] m.update_state(a, b); x = m.result()`` run (one block,
    one after the other) of a metric with a loss twin written ``x = m(a, b)``, or None when there is
    none. (Without the reset the metric averages over batches: the first batch's value is the same.)"""
    metrics = _twin_metrics(flow)
    if not metrics:
        return None
    folder = _Fold(metrics)
    module = flow.module.visit(folder)
    return module.code if folder.changed else None


def _method_call(stmt: cst.CSTNode, methods: tuple[str, ...]) -> Optional[tuple[str, cst.Call]]:
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr)):
        return None
    call = stmt.body[0].value
    if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value in methods:
        path = access_path(call.func.value)
        return (path, call) if path else None
    return None


class _Fold(cst.CSTTransformer):
    def __init__(self, metrics: set[str]) -> None:
        super().__init__()
        self.metrics, self.changed = metrics, False

    def leave_IndentedBlock(self, original, updated):
        return updated.with_changes(body=self._fold(list(updated.body)))

    def leave_Module(self, original, updated):
        return updated.with_changes(body=self._fold(list(updated.body)))

    def _fold(self, body: list) -> list:
        out: list = []
        i = 0
        while i < len(body):
            update = _method_call(body[i], ("update_state",))
            result = body[i + 1] if i + 1 < len(body) else None
            if update and update[0] in self.metrics and isinstance(result, cst.SimpleStatementLine) \
                    and len(result.body) == 1 and isinstance(result.body[0], cst.Assign):
                value = result.body[0].value
                if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                        and value.func.attr.value == "result" and access_path(value.func.value) == update[0] \
                        and not value.args:
                    reset = _method_call(out[-1], ("reset_state", "reset_states")) if out else None
                    if reset and reset[0] == update[0]:
                        out.pop()
                    call = cst.Call(update[1].func.value, update[1].args)
                    out.append(result.with_changes(body=[result.body[0].with_changes(value=call)],
                                                   leading_lines=body[i].leading_lines))
                    self.changed = True
                    i += 2
                    continue
            out.append(body[i])
            i += 1
        return out
