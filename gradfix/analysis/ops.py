"""Tensor operations recognised across their spellings, and how their values are used.

``tf.round``, ``tf.math.round``, ``keras.ops.round``, ``K.round`` (``keras.backend``) and
``tf.keras.backend.round`` are all the op ``round``; ``Op.keras`` tells the Keras spellings apart,
whose defaults differ (``keras.ops.argmax`` flattens without ``axis``, ``K.argmax`` uses -1).

    op = op_of(names, call)                  # Op("round", keras=False) or None
    integer_uses(names, module)              # ids of expressions whose value is used as an integer
    pure(names, expr)                        # safe to evaluate twice (no layers, no randomness)
    bindings(function)                       # every binding of each name, with assigned values
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access_path
from gradfix.analysis.names import Names
from gradfix.analysis.nodes import walk

_PREFIXES = (  # longest first
    ("tensorflow.keras.backend.", True), ("tensorflow.keras.ops.", True), ("keras.ops.numpy.", True),
    ("keras.ops.nn.", True), ("keras.ops.math.", True), ("keras.ops.", True),
    ("keras.backend.", True), ("tf_keras.backend.", True), ("tensorflow.math.", False),
    ("tensorflow.dtypes.", False), ("tensorflow.", False),
)  # fmt: skip
_KERAS_BACKEND = ("keras.backend.", "tensorflow.keras.backend.", "tf_keras.backend.")
_IMPURE = ("random", "dropout", "Variable", "py_function", "numpy_function", "print")
INDEX_ARGS = {"gather": (1, "indices"), "gather_nd": (1, "indices"), "one_hot": (0, "indices"),
              "range": (0, "start"), "repeat": (1, "repeats"), "tile": (1, "multiples")}  # fmt: skip


@dataclass(frozen=True)
class Op:
    name: str  # "round", "cast", "argmax", "nn.softmax" stays "nn.softmax" for tf, "softmax" for keras
    keras: bool
    backend: bool = False  # keras.backend / K: older defaults (argmax axis=-1)


def op_of(names: Names, call: cst.Call) -> Optional[Op]:
    """The TensorFlow or Keras op ``call`` calls, by qualified name."""
    for q in sorted(names.of(call.func)):
        for prefix, keras in _PREFIXES:
            if q.startswith(prefix):
                return Op(q[len(prefix):], keras, q.startswith(_KERAS_BACKEND))
    return None


def arg(call: cst.Call, position: int, keyword: str) -> Optional[cst.Arg]:
    """The argument at ``position`` or passed as ``keyword`` (None when absent or starred)."""
    for a in call.args:
        if a.keyword is not None and a.keyword.value == keyword:
            return a
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in positional[: position + 1]):
        return None
    return positional[position] if len(positional) > position else None


def is_int_cast(names: Names, call: cst.Call) -> bool:
    """``tf.cast(x, tf.int32)``, ``keras.ops.cast(x, "int64")``, ``K.cast(x, 'int32')``."""
    found = op_of(names, call)
    dtype = arg(call, 1, "dtype")
    return bool(found and found.name == "cast" and dtype and names.is_int_dtype(dtype.value))


def is_float_cast(names: Names, call: cst.Call) -> bool:
    found = op_of(names, call)
    dtype = arg(call, 1, "dtype")
    if not (found and found.name == "cast" and dtype) or names.is_int_dtype(dtype.value):
        return False
    value = dtype.value
    text = value.evaluated_value if isinstance(value, cst.SimpleString) else access_path(value) or ""
    return "float" in str(text) or "half" in str(text) or "double" in str(text)


def argmax_last_axis(names: Names, call: cst.Call) -> Optional[cst.BaseExpression]:
    """The logits of ``argmax(logits, axis=-1)`` (the last axis, explicitly or by K's default)."""
    found = argmax_axis(names, call)
    return found[0] if found and found[1] == -1 else None


def argmax_axis(names: Names, call: cst.Call) -> Optional[tuple[cst.BaseExpression, int]]:
    """``(logits, axis)`` of ``argmax(logits, axis=k)`` with a literal integer ``k`` (K's default is
    the last axis, -1; TensorFlow's and NumPy's defaults are not given literally and not accepted)."""
    found = op_of(names, call)
    if not found or found.name != "argmax" or not call.args:
        return None
    logits, axis = call.args[0], arg(call, 1, "axis")
    if logits.keyword is not None or logits.star:
        return None
    if axis is None:
        return (logits.value, -1) if found.backend else None
    value, sign = axis.value, 1
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
        value, sign = value.expression, -1
    if isinstance(value, cst.Integer):
        return logits.value, sign * int(value.value, 0)
    return None


def integer_uses(names: Names, root: cst.CSTNode) -> set[int]:
    """Ids of expressions used as integers: subscripts, indices of ``gather``/``one_hot``, ``range``,
    the input of an integer cast, and values assigned to names that are used that way."""
    direct: list[cst.BaseExpression] = []
    for node in walk(root):
        if isinstance(node, cst.SubscriptElement) and isinstance(node.slice, cst.Index):
            direct.append(node.slice.value)
        elif isinstance(node, cst.Call):
            found = op_of(names, node)
            if "builtins.range" in names.of(node.func):
                direct += [a.value for a in node.args]
            elif found and found.name in INDEX_ARGS:
                hit = arg(node, *INDEX_ARGS[found.name])
                direct += [hit.value] if hit else []
            elif is_int_cast(names, node) and node.args:
                direct.append(node.args[0].value)
    used = {n.value for n in direct if isinstance(n, cst.Name)}
    ids = {id(n) for n in direct}
    for node in walk(root):
        if isinstance(node, cst.Assign) and any(
            isinstance(t.target, cst.Name) and t.target.value in used for t in node.targets
        ):
            ids.add(id(node.value))
    return ids


def pure(names: Names, expr: cst.CSTNode) -> bool:
    """Whether evaluating ``expr`` twice gives the same value at no real cost: names, attributes,
    literals, subscripts, arithmetic and TensorFlow/Keras math (no layers, randomness or dropout)."""
    if isinstance(expr, (cst.Name, cst.Integer, cst.Float, cst.SimpleString)):
        return True
    if isinstance(expr, cst.Attribute):
        return access_path(expr) is not None
    if isinstance(expr, cst.UnaryOperation):
        return pure(names, expr.expression)
    if isinstance(expr, cst.BinaryOperation):
        return pure(names, expr.left) and pure(names, expr.right)
    if isinstance(expr, cst.Subscript):
        parts: list = [expr.value]
        for element in expr.slice:
            s = element.slice
            parts += [s.value] if isinstance(s, cst.Index) else [s.lower, s.upper, s.step]
        return all(p is None or pure(names, p) for p in parts)
    if isinstance(expr, cst.Call):
        found = op_of(names, expr)
        if found is None or any(word in found.name for word in _IMPURE) or found.name[:1].isupper():
            return False
        return all(not a.star and pure(names, a.value) for a in expr.args)
    return False


def bindings(root: cst.CSTNode) -> dict[str, list[Optional[cst.BaseExpression]]]:
    """Every binding of each name below ``root``: the value of a plain assignment, else None
    (parameters, loop targets, augmented assignments, unpacking)."""
    values: dict[str, list] = {}
    for node in walk(root):
        targets: list[cst.BaseExpression] = []
        if isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets]
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.For, cst.NamedExpr)):
            targets = [node.target]
        elif isinstance(node, cst.Param):
            targets = [node.name]
        for target in targets:
            for name in (n for n in walk(target) if isinstance(n, cst.Name)):
                values.setdefault(name.value, []).append(
                    node.value if isinstance(node, cst.Assign) and target is name else None
                )
    return values
