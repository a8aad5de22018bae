"""NumPy / ``math`` functions and their TensorFlow equivalents, with how arguments carry over.

An entry maps the NumPy name (after ``numpy.``) to a ``Spec``: the TF name (after ``tf.``), how many
positional arguments may be passed on unchanged (TF takes them in the same order), which keywords
are renamed to what, and keywords the TF call needs added when absent (``np.concatenate`` defaults
to ``axis=0``, ``tf.concat`` has no default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import libcst as cst

_EQ = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)


@dataclass(frozen=True)
class Spec:
    tf: str
    positional: int = 1
    keywords: dict[str, str] = field(default_factory=dict)  # numpy keyword -> tf keyword
    # tf keyword -> (numpy position that also supplies it, or -1; source to add when absent)
    defaults: dict[str, tuple[int, str]] = field(default_factory=dict)


_REDUCE = {"axis": "axis", "keepdims": "keepdims"}


def _reduce(name: str) -> Spec:
    return Spec(name, 2, _REDUCE)


NUMPY: dict[str, Spec] = {
    # elementwise, one argument
    **{n: Spec(n) for n in ("sqrt", "square", "exp", "abs", "tanh", "sin", "cos", "sign", "negative")},
    "absolute": Spec("abs"),
    "log": Spec("math.log"),
    "arctan": Spec("math.atan"),
    "arcsin": Spec("math.asin"),
    "arccos": Spec("math.acos"),
    "sinh": Spec("math.sinh"),
    "cosh": Spec("math.cosh"),
    "log1p": Spec("math.log1p"),
    "expm1": Spec("math.expm1"),
    "reciprocal": Spec("math.reciprocal"),
    # elementwise, two arguments
    **{n: Spec(n, 2) for n in ("maximum", "minimum", "add", "subtract", "multiply", "divide")},
    "true_divide": Spec("divide", 2),
    "power": Spec("pow", 2),
    "matmul": Spec("matmul", 2),
    "dot": Spec("tensordot", 2, defaults={"axes": (-1, "1")}),
    "where": Spec("where", 3),
    "einsum": Spec("einsum", 8),
    "sort": Spec("sort", 2, {"axis": "axis"}),
    "clip": Spec("clip_by_value", 3, {"a_min": "clip_value_min", "a_max": "clip_value_max"}),
    # reductions
    "mean": _reduce("reduce_mean"),
    "sum": _reduce("reduce_sum"),
    "max": _reduce("reduce_max"),
    "amax": _reduce("reduce_max"),
    "min": _reduce("reduce_min"),
    "amin": _reduce("reduce_min"),
    "prod": _reduce("reduce_prod"),
    "std": _reduce("math.reduce_std"),
    "var": _reduce("math.reduce_variance"),
    "linalg.norm": Spec("norm", 1, {"axis": "axis", "keepdims": "keepdims"}),
    # shapes
    "concatenate": Spec("concat", 2, {"axis": "axis"}, defaults={"axis": (1, "0")}),
    "stack": Spec("stack", 2, {"axis": "axis"}),
    "reshape": Spec("reshape", 2, {"newshape": "shape"}),
    "transpose": Spec("transpose", 2, {"axes": "perm"}),
    "expand_dims": Spec("expand_dims", 2, {"axis": "axis"}),
    "squeeze": Spec("squeeze", 2, {"axis": "axis"}),
    # conversions
    "array": Spec("convert_to_tensor", 1, {"dtype": "dtype"}),
    "asarray": Spec("convert_to_tensor", 1, {"dtype": "dtype"}),
}

MATH: dict[str, Spec] = {
    "sqrt": Spec("sqrt"),
    "exp": Spec("exp"),
    "log": Spec("math.log"),
    "tanh": Spec("tanh"),
    "sin": Spec("sin"),
    "cos": Spec("cos"),
    "fabs": Spec("abs"),
    "pow": Spec("pow", 2),
    "log1p": Spec("math.log1p"),
}

FLOAT_TYPES = frozenset({"float16", "float32", "float64"})  # np.float32(t) -> tf.cast(t, tf.float32)
DTYPES = FLOAT_TYPES | frozenset({"int32", "int64", "bool", "complex64", "complex128"})


def carry_args(spec: Spec, original: cst.Call, updated: cst.Call,
               dtype: Callable[[cst.BaseExpression], Optional[cst.BaseExpression]]) -> Optional[list[cst.Arg]]:
    """The arguments of the TF call for a NumPy call, or None when some cannot carry over.
    ``dtype`` translates a NumPy dtype argument (given the original node)."""
    args: list[cst.Arg] = []
    positional = 0
    for orig, arg in zip(original.args, updated.args):
        if arg.star:
            return None
        if arg.keyword is None:
            positional += 1
            if positional > spec.positional:
                return None
            args.append(arg)
            continue
        keyword = spec.keywords.get(arg.keyword.value)
        if keyword is None:
            return None
        value = arg.value
        if keyword == "dtype":
            value = dtype(orig.value)
            if value is None:
                return None
        args.append(arg.with_changes(keyword=cst.Name(keyword), value=value))
    present = {a.keyword.value for a in args if a.keyword is not None}
    for keyword, (position, code) in spec.defaults.items():
        if keyword not in present and (position < 0 or positional <= position):
            args.append(cst.Arg(cst.parse_expression(code), keyword=cst.Name(keyword), equal=_EQ))
    if args and args[-1].comma is not cst.MaybeSentinel.DEFAULT:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return args
