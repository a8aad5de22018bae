"""Add a bias that a layer creates but never uses to what its ``call`` returns.

``self.bias = self.add_weight(...)`` in ``build`` with a ``call`` that never reads it: the bias
gets no gradient ("Gradients do not exist for variables [.../bias]"). The layer's author meant
``x @ W + b``; the value changes (unless the bias is still zero), so the fix is unsafe."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access_path
from gradfix.analysis.flow import analyse
from gradfix.analysis.nodes import walk
from gradfix.codemods.base import Codemod, Example, Focus, Rewrite, Unchanged, declined, finished
from gradfix.codemods.build_once import made_variable
from gradfix.types import Cause, Safety

_FORWARD = frozenset({"call", "__call__"})
_SETUP = frozenset({"__init__", "build"})


class UnusedBias(Codemod):
    NAME = "use-unused-bias"
    DESCRIPTION = "Add a bias weight that a layer creates but its call never reads to what call returns"
    CAUSES = (Cause.LOSS_DISCONNECTED,)
    SAFETY = Safety.UNSAFE  # the output changes by the bias (nothing while it is still zero)
    EXAMPLES = (
        Example(
            title="a graph convolution whose bias is made in build and forgotten in call",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                class GraphConv(tf.keras.layers.Layer):
                    def build(self, input_shape):
                        self.w = self.add_weight(shape=(input_shape[-1], 4))
                        self.bias = self.add_weight(shape=(4,), initializer="zeros")
                    def call(self, x):
                        return tf.matmul(x, self.w)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                class GraphConv(tf.keras.layers.Layer):
                    def build(self, input_shape):
                        self.w = self.add_weight(shape=(input_shape[-1], 4))
                        self.bias = self.add_weight(shape=(4,), initializer="zeros")
                    def call(self, x):
                        return tf.matmul(x, self.w) + self.bias
                """
            ),
        ),
        Example(
            title="a tf.Module from a from-import with a bias named b",
            before=textwrap.dedent(
                """\
                from tensorflow import Module, Variable, zeros, ones
                class Affine(Module):
                    def __init__(self):
                        self.w = Variable(ones([3, 2]))
                        self.b = Variable(zeros([2]))
                    def __call__(self, x):
                        y = x @ self.w
                        return y
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import Module, Variable, zeros, ones
                class Affine(Module):
                    def __init__(self):
                        self.w = Variable(ones([3, 2]))
                        self.b = Variable(zeros([2]))
                    def __call__(self, x):
                        y = x @ self.w
                        return y + self.b
                """
            ),
        ),
        Unchanged(
            title="a bias that is used, one read by another method, a call with two returns",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                class A(tf.keras.layers.Layer):
                    def build(self, s):
                        self.w = self.add_weight(shape=(s[-1], 2))
                        self.bias = self.add_weight(shape=(2,))
                    def call(self, x):
                        return x @ self.w + self.bias
                class B(tf.keras.layers.Layer):
                    def build(self, s):
                        self.bias = self.add_weight(shape=(2,))
                    def call(self, x, flag=False):
                        if flag:
                            return x
                        return x * 2.0
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        targets: dict[int, str] = {}  # id(return statement) -> bias attribute
        for klass in (n for n in walk(flow.module) if isinstance(n, cst.ClassDef)):
            found = _unused_bias(flow, klass)
            if found is not None:
                targets[id(found[0])] = found[1]
        if not targets:
            return declined(source)
        module = flow.module.visit(_AddBias(targets))
        return finished(source, module.code, tuple(
            f"self.{b} was created but never used: it is now added to what call returns" for b in targets.values()))


def _unused_bias(flow, klass: cst.ClassDef) -> Optional[tuple[cst.Return, str]]:
    methods = [m for m in klass.body.body if isinstance(m, cst.FunctionDef)]
    forward = [m for m in methods if m.name.value in _FORWARD]
    if len(forward) != 1:
        return None
    biases = [made_variable(flow, s) for m in methods if m.name.value in _SETUP
              and isinstance(m.body, cst.IndentedBlock) for s in m.body.body]
    biases = [b for b in biases if b and ("bias" in b.lower() or b == "b")]
    returns = [n for n in walk(forward[0]) if isinstance(n, cst.Return)]
    if len(biases) != 1 or len(returns) != 1 or returns[0].value is None:
        return None
    bias = biases[0]
    reads = [n for m in methods for n in walk(m) if isinstance(n, cst.Attribute) and access_path(n) == f"self.{bias}"]
    return (returns[0], bias) if len(reads) == 1 else None  # only its creation


class _AddBias(cst.CSTTransformer):
    def __init__(self, targets: dict[int, str]) -> None:
        super().__init__()
        self.targets = targets

    def leave_Return(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        bias = self.targets.get(id(original))
        if bias is None or updated.value is None:
            return updated
        value = updated.value
        if isinstance(value, (cst.Tuple, cst.Lambda, cst.IfExp, cst.BooleanOperation, cst.Comparison)):
            return updated
        total = cst.BinaryOperation(value, cst.Add(), cst.parse_expression(f"self.{bias}"))
        return updated.with_changes(value=total)
