"""Call the model instead of ``model.predict``: Keras' predict returns NumPy and cuts the tape."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access_path, related
from gradfix.analysis.callees import Callees
from gradfix.analysis.flow import Flow, analyse
from gradfix.analysis.nodes import calls_in, walk
from gradfix.analysis.regions import tensor_reads
from gradfix.codemods.base import (
    Codemod,
    Example,
    Focus,
    Rewrite,
    Unchanged,
    declined,
    finished,
)
from gradfix.types import Cause, Safety

PREDICT_METHODS = frozenset({"predict", "predict_on_batch", "predict_step"})
_DROPPED = frozenset({"verbose", "batch_size", "steps", "callbacks", "max_queue_size", "workers",
                      "use_multiprocessing"})  # fmt: skip
_EQ = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)


class PredictToCall(Codemod):
    NAME = "predict-to-call"
    DESCRIPTION = "Replace model.predict(x) on the gradient path with model(x, training=True)"
    CAUSES = (Cause.LOSS_DISCONNECTED, Cause.NUMPY_IN_GRAPH)
    SAFETY = Safety.SAFE  # same forward values unless the model has dropout/batch-norm (verified)
    EXAMPLES = (
        Example(
            title="predict inside the tape",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                x, y = tf.ones((4, 3)), tf.zeros((4, 1))
                with tf.GradientTape() as tape:
                    pred = model.predict(x, verbose=0)
                    loss = tf.reduce_mean((pred - y) ** 2)
                grads = tape.gradient(loss, model.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                x, y = tf.ones((4, 3)), tf.zeros((4, 1))
                with tf.GradientTape() as tape:
                    pred = model(x, training=True)
                    loss = tf.reduce_mean((pred - y) ** 2)
                grads = tape.gradient(loss, model.trainable_variables)
                """
            ),
        ),
        Example(
            title="alias, from-import, a loss helper and predict_on_batch",
            before=textwrap.dedent(
                """\
                import tensorflow as tf2
                from tensorflow import keras
                net = keras.Sequential([keras.layers.Dense(1)])
                def mse(m, x, y):
                    return tf2.reduce_mean((m.predict_on_batch(x) - y) ** 2)
                with tf2.GradientTape() as tape:
                    loss = mse(net, tf2.ones((2, 3)), 0.0)
                grads = tape.gradient(loss, net.trainable_weights)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf2
                from tensorflow import keras
                net = keras.Sequential([keras.layers.Dense(1)])
                def mse(m, x, y):
                    return tf2.reduce_mean((m(x, training=True) - y) ** 2)
                with tf2.GradientTape() as tape:
                    loss = mse(net, tf2.ones((2, 3)), 0.0)
                grads = tape.gradient(loss, net.trainable_weights)
                """
            ),
        ),
        Example(
            title="an input gradient (FGSM): the model is not trained, predict's inference mode is kept",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dropout(0.5), tf.keras.layers.Dense(3)])
                images, labels = tf.random.uniform((4, 5)), tf.constant([0, 1, 2, 1])
                with tf.GradientTape() as tape:
                    tape.watch(images)
                    logits = model.predict(images, verbose=0)
                    loss = tf.keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
                input_grad = tape.gradient(loss, images)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dropout(0.5), tf.keras.layers.Dense(3)])
                images, labels = tf.random.uniform((4, 5)), tf.constant([0, 1, 2, 1])
                with tf.GradientTape() as tape:
                    tape.watch(images)
                    logits = model(images, training=False)
                    loss = tf.keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
                input_grad = tape.gradient(loss, images)
                """
            ),
        ),
        Unchanged(
            title="predict after the step, and a frozen teacher's labels, stay",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                teacher = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                student = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                x = tf.ones((4, 3))
                soft = teacher.predict(x, verbose=0)
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean((student(x) - soft) ** 2)
                grads = tape.gradient(loss, student.trainable_variables)
                print(student.predict(x))
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        targets: dict[int, cst.Call] = {}
        inference: set[int] = set()  # calls of a model that is not trained here: training=False
        notes: list[str] = []
        try:
            callees = Callees(flow.module)
            for call in flow.focused(focus):
                for stmt in call.path:
                    if isinstance(stmt.node, (cst.FunctionDef, cst.ClassDef)):
                        continue
                    for c in calls_in(stmt.node):
                        receiver = _receiver(c)
                        if receiver is None:
                            continue
                        if related([receiver], call.sources):
                            targets[id(c)] = c
                        elif related(tensor_reads(flow.names, c), call.trainable):
                            # the gradient flows through the input (saliency, FGSM): the model is
                            # not trained here, so it keeps predict's inference mode
                            targets[id(c)] = c
                            inference.add(id(c))
                        else:
                            notes.append(f"line {flow.line(c)}: {receiver}.predict is on the gradient "
                                         "path but is not a model being trained; left alone")  # fmt: skip
                for function, _ in callees.of([s.node for s in call.path], call.tape.klass):
                    targets.update(_in_function(function))
            for function in _ran(flow, focus):
                targets.update(_in_function(function))
        except Exception as error:  # noqa: BLE001 - unknown shapes of code: decline
            return declined(source, f"could not analyse: {error}")
        if not targets:
            return declined(source, *notes)
        transformer = _ToCall(targets, inference)
        try:
            module = flow.module.visit(transformer)
        except Exception as error:  # noqa: BLE001 - decline on shapes we did not foresee
            return declined(source, f"could not rewrite: {error}")
        return finished(source, module.code, tuple(notes + transformer.notes))


def _ran(flow: Flow, focus: Optional[Focus]) -> list[cst.FunctionDef]:
    """Functions of this file that ran with tensors during the failing step (``focus.functions``)."""
    if focus is None or not focus.functions:
        return []
    out = []
    for node in walk(flow.module):
        if isinstance(node, cst.FunctionDef):
            first = node.decorators[0] if node.decorators else node
            if {flow.line(first), flow.line(node)} & focus.functions:
                out.append(node)
    return out


def _in_function(function: cst.FunctionDef) -> dict[int, cst.Call]:
    """Predict calls in a function whose receiver is one of its parameters or ``self``."""
    params = {p.name.value for p in function.params.params} | {"self"}
    out = {}
    for c in calls_in(function.body):
        receiver = _receiver(c)
        if receiver is not None and receiver.split(".")[0] in params:
            out[id(c)] = c
    return out


def _receiver(call: cst.Call) -> Optional[str]:
    """``m`` for ``m.predict(...)`` (and the other predict methods), else None."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in PREDICT_METHODS:
        return access_path(func.value)
    return None


class _ToCall(cst.CSTTransformer):
    def __init__(self, targets: dict[int, cst.Call], inference: set[int] = frozenset()) -> None:
        super().__init__()
        self.targets, self.inference = targets, inference
        self.notes: list[str] = []

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if id(original) not in self.targets:
            return updated
        inputs = [a for a in updated.args if a.keyword is None or a.keyword.value in ("x", "data")]
        rest = [a for a in updated.args if a not in inputs]
        if len(inputs) != 1 or inputs[0].star or any(
            a.keyword is None or a.keyword.value not in _DROPPED for a in rest
        ):
            self.notes.append("predict(...) with arguments not understood; left alone")
            return updated
        assert isinstance(updated.func, cst.Attribute)
        first = cst.Arg(inputs[0].value, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        mode = "False" if id(original) in self.inference else "True"
        training = cst.Arg(cst.Name(mode), keyword=cst.Name("training"), equal=_EQ)
        return updated.with_changes(func=updated.func.value, args=[first, training])
