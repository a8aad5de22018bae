"""Replace NumPy (and ``math``, ``.numpy()``, ``float()``) on the gradient path with TensorFlow."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import related
from gradfix.analysis.flow import Flow, analyse
from gradfix.analysis.lists import TensorLists
from gradfix.analysis.names import (
    ensure_tf_import,
    tf_alias,
    tf_attr,
    tf_spelling,
)
from gradfix.analysis.nodes import parenthesize
from gradfix.analysis.ops import integer_uses
from gradfix.analysis.regions import gradient_regions, tensor_reads
from gradfix.codemods.base import (
    Codemod,
    Example,
    Focus,
    Rewrite,
    Unchanged,
    declined,
    finished,
)
from gradfix.codemods.numpy_table import DTYPES, FLOAT_TYPES, MATH, NUMPY, Spec, carry_args
from gradfix.types import Cause, Safety


class NumpyToTf(Codemod):
    NAME = "numpy-to-tf"
    DESCRIPTION = "Replace NumPy calls, .numpy() and float() on the gradient path with TensorFlow ops"
    CAUSES = (Cause.NUMPY_IN_GRAPH, Cause.LOSS_DISCONNECTED)
    SAFETY = Safety.SAFE  # same values up to float32 rounding order (the verifier's tolerance)
    EXAMPLES = (
        Example(
            title="seed: .numpy() and np.sqrt after the tape",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                import numpy as np
                w = tf.Variable(1.0)
                with tf.GradientTape() as tape:
                    loss = (w * 2.0) ** 2
                loss_np = loss.numpy()
                scaled_loss = np.sqrt(loss_np)
                grads = tape.gradient(scaled_loss, w)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                import numpy as np
                w = tf.Variable(1.0)
                with tf.GradientTape() as tape:
                    loss = (w * 2.0) ** 2
                loss_np = loss
                scaled_loss = tf.sqrt(loss_np)
                grads = tape.gradient(scaled_loss, w)
                """
            ),
        ),
        Example(
            title="aliases, keywords, a helper function; data preparation keeps NumPy",
            before=textwrap.dedent(
                """\
                import numpy as onp
                import tensorflow as tf2
                x = onp.linspace(0.0, 1.0, 8).astype(onp.float32)
                w = tf2.Variable(onp.ones(8, dtype=onp.float32))
                def penalty(v):
                    return onp.sum(onp.abs(v), axis=0)
                with tf2.GradientTape() as tape:
                    err = onp.array(w * x) - 1.0
                    loss = onp.mean(onp.square(err), keepdims=True) + float(penalty(w))
                grads = tape.gradient(loss, [w])
                """
            ),
            after=textwrap.dedent(
                """\
                import numpy as onp
                import tensorflow as tf2
                x = onp.linspace(0.0, 1.0, 8).astype(onp.float32)
                w = tf2.Variable(onp.ones(8, dtype=onp.float32))
                def penalty(v):
                    return tf2.reduce_sum(tf2.abs(v), axis=0)
                with tf2.GradientTape() as tape:
                    err = tf2.convert_to_tensor(w * x) - 1.0
                    loss = tf2.reduce_mean(tf2.square(err), keepdims=True) + penalty(w)
                grads = tape.gradient(loss, [w])
                """
            ),
        ),
        Example(
            title="from imports, math, concatenate and clip",
            before=textwrap.dedent(
                """\
                from numpy import clip, concatenate
                from tensorflow import GradientTape, Variable
                import math
                a = Variable([1.0, 2.0])
                b = Variable([3.0])
                with GradientTape() as tape:
                    both = concatenate([a, b])
                    loss = math.sqrt(clip(both, 0.0, a_max=2.5)[0])
                grads = tape.gradient(loss, [a, b])
                """
            ),
            after=textwrap.dedent(
                """\
                from numpy import clip, concatenate
                from tensorflow import GradientTape, Variable
                import math
                import tensorflow as tf

                a = Variable([1.0, 2.0])
                b = Variable([3.0])
                with GradientTape() as tape:
                    both = tf.concat([a, b], axis=0)
                    loss = tf.sqrt(tf.clip_by_value(both, 0.0, clip_value_max=2.5)[0])
                grads = tape.gradient(loss, [a, b])
                """
            ),
        ),
        Unchanged(
            title="NumPy only prepares data; printing after the gradient is fine",
            code=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf
                data = np.sqrt(np.arange(4.0, dtype=np.float32))
                w = tf.Variable(1.0)
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(w * data)
                grads = tape.gradient(loss, w)
                print(np.mean(grads.numpy()), float(loss))
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        regions = gradient_regions(flow, focus)
        if not regions:
            return declined(source)
        transformer = _ToTf(flow, regions, tf_spelling(flow.module))
        try:
            module = flow.module.visit(transformer)
            if transformer.changed and tf_alias(module) is None:
                module = ensure_tf_import(module)
        except Exception as error:  # noqa: BLE001 - decline on shapes we did not foresee
            return declined(source, f"could not rewrite: {error}")
        return finished(source, module.code, tuple(transformer.notes))


_DROPPED = frozenset({"keras.ops.convert_to_numpy", "keras.backend.eval", "keras.backend.get_value",
                      "tensorflow.keras.backend.eval", "tensorflow.keras.backend.get_value"})
_ON_LISTS = frozenset({"mean", "sum", "max", "min", "amax", "amin", "prod", "std", "var"})


class _ToTf(cst.CSTTransformer):
    def __init__(self, flow: Flow, regions: dict[int, frozenset[str]], spelling: str) -> None:
        super().__init__()
        self.names, self.regions, self.tf = flow.names, regions, spelling
        self.integers = integer_uses(flow.names, flow.module)
        self.lists = TensorLists(flow.names, flow.module)
        self.stack: list[frozenset[str]] = []
        self.changed = False
        self.notes: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self.regions:
            self.stack.append(self.regions[id(node)])
        return super().on_visit(node)

    def on_leave(self, original, updated):
        result = super().on_leave(original, updated)
        if id(original) in self.regions:
            self.stack.pop()
        return result

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not self.stack or not related(tensor_reads(self.names, original), self.stack[-1]):
            return updated
        new = self._convert(original, updated)
        if new is None:
            return updated
        self.changed = True
        return new

    def _convert(self, original: cst.Call, updated: cst.Call) -> Optional[cst.BaseExpression]:
        func = updated.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("numpy", "tolist") and not updated.args:
            return func.value
        for q in sorted(self.names.of(original.func)):
            module, _, name = q.partition(".")
            if q == "builtins.float" and _plain(updated, 1):
                return parenthesize(updated.args[0].value)
            if q in _DROPPED and _plain(updated, 1):
                return updated.args[0].value
            if q == "builtins.int" and _plain(updated, 1):
                return self._int(original, updated)
            if module == "numpy" and name in FLOAT_TYPES and _plain(updated, 1):
                dtype = tf_attr(self.tf, name)
                return self._call("cast", [cst.Arg(updated.args[0].value), cst.Arg(dtype)])
            if module == "numpy" and original.args and self.lists.is_list(original.args[0].value):
                new = self._on_list(name, original, updated)
                if new is not None:
                    return new
            spec = (NUMPY if module == "numpy" else MATH if module == "math" else {}).get(name)
            if spec is not None:
                new = self._mapped(spec, original, updated)
                if new is None:
                    self.notes.append(f"{q}(...) on the gradient path: arguments not understood")
                return new
            if module == "numpy":
                self.notes.append(f"{q} on the gradient path has no TensorFlow equivalent here")
        return None

    def _int(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        value = updated.args[0].value
        if id(original) in self.integers:  # an index, a count, a gather position: keep it integral
            return self._call("cast", [cst.Arg(value), cst.Arg(tf_attr(self.tf, "int32"))])
        self.notes.append("int(...) on a tensor dropped: the value is no longer truncated to an integer")
        return parenthesize(value)

    def _on_list(self, name: str, original: cst.Call, updated: cst.Call) -> Optional[cst.BaseExpression]:
        """``np.mean(losses)`` over a Python list of tensors: stack it first (``tf.add_n`` for a
        plain sum of scalars)."""
        items = updated.args[0]
        if items.keyword is not None or items.star:
            return None
        if name == "sum" and len(updated.args) == 1 and self.lists.scalar_elements(original.args[0].value):
            return self._call("add_n", [items])
        stacked = self._call("stack", [items.with_changes(comma=cst.MaybeSentinel.DEFAULT)])
        if name in ("array", "asarray") and len(updated.args) == 1:
            return stacked
        if name not in _ON_LISTS:
            return None
        args = [updated.args[0].with_changes(value=stacked), *updated.args[1:]]
        return self._mapped(NUMPY[name], original, updated.with_changes(args=args))

    def _mapped(self, spec: Spec, original: cst.Call, updated: cst.Call) -> Optional[cst.Call]:
        args = carry_args(spec, original, updated, self._dtype)
        return None if args is None else self._call(spec.tf, args)

    def _dtype(self, node: cst.BaseExpression) -> Optional[cst.BaseExpression]:
        if isinstance(node, cst.SimpleString):
            return node
        for q in self.names.of(node):
            module, _, name = q.partition(".")
            if module in ("numpy", "tensorflow") and name in DTYPES:
                return tf_attr(self.tf, name)
            if q in ("builtins.float", "builtins.int"):
                return tf_attr(self.tf, "float64" if name == "float" else "int64")
        return None

    def _call(self, dotted: str, args: list[cst.Arg]) -> cst.Call:
        return cst.Call(func=tf_attr(self.tf, dotted), args=args)


def _plain(call: cst.Call, count: int) -> bool:
    return len(call.args) == count and all(a.keyword is None and not a.star for a in call.args)
