"""Make integer variables, integer constants and integer casts on the gradient path float32."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access_path, expr_reads, related
from gradfix.analysis.callees import Callees
from gradfix.analysis.flow import Flow, analyse
from gradfix.analysis.names import (
    Names,
    tf_attr,
    tf_spelling,
)
from gradfix.analysis.nodes import walk
from gradfix.analysis.ops import op_of
from gradfix.analysis.regions import Region, focused_regions, function_region, tensor_reads
from gradfix.codemods.base import (
    Codemod,
    Example,
    Focus,
    Rewrite,
    Unchanged,
    apply_transformer,
    declined,
)
from gradfix.types import Cause, Safety

_EQ = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
_FLOATISH = ("float", "bfloat", "half", "double")


class CastToFloat(Codemod):
    NAME = "cast-to-float"
    DESCRIPTION = "Make integer variables and integer casts/constants on the gradient path float32"
    CAUSES = (Cause.INT_DTYPE,)
    SAFETY = Safety.UNSAFE  # integer rounding disappears: values change
    EXAMPLES = (
        Example(
            title="integer variable and a cast to int in the loss",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(3)
                b = tf.Variable(tf.zeros([1], dtype=tf.int32))
                with tf.GradientTape() as tape:
                    steps = tf.cast(w * 2, tf.int32)
                    loss = tf.cast(steps, tf.float32) + tf.cast(b, tf.float32)
                grads = tape.gradient(loss, [w, b])
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(3, dtype=tf.float32)
                b = tf.Variable(tf.zeros([1], dtype=tf.float32))
                with tf.GradientTape() as tape:
                    steps = tf.cast(w * 2, tf.float32)
                    loss = tf.cast(steps, tf.float32) + tf.cast(b, tf.float32)
                grads = tape.gradient(loss, [w, b])
                """
            ),
        ),
        Example(
            title="alias, NumPy dtypes, strings, a helper function",
            before=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf2
                coeffs = tf2.Variable(np.array([1, 0, 0]))
                scale = tf2.Variable([2, 3], dtype="int64")
                def quantize(t):
                    return tf2.cast(tf2.cast(t * 4.0, np.int32), tf2.float32) / 4.0
                with tf2.GradientTape() as tape:
                    loss = tf2.reduce_sum(quantize(tf2.cast(coeffs, dtype=tf2.float32)))
                    loss += tf2.reduce_sum(tf2.cast(scale, "float32"))
                grads = tape.gradient(loss, [coeffs, scale])
                """
            ),
            after=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf2
                coeffs = tf2.Variable(np.array([1, 0, 0]), dtype=tf2.float32)
                scale = tf2.Variable([2, 3], dtype=tf2.float32)
                def quantize(t):
                    return tf2.cast(tf2.cast(t * 4.0, tf2.float32), tf2.float32) / 4.0
                with tf2.GradientTape() as tape:
                    loss = tf2.reduce_sum(quantize(tf2.cast(coeffs, dtype=tf2.float32)))
                    loss += tf2.reduce_sum(tf2.cast(scale, "float32"))
                grads = tape.gradient(loss, [coeffs, scale])
                """
            ),
        ),
        Example(
            title="from import; an integer tensor initial value and an int constant",
            before=textwrap.dedent(
                """\
                from tensorflow import GradientTape, Variable, constant, range as tf_range, int32
                w = Variable(tf_range(3))
                with GradientTape() as tape:
                    loss = w * constant(2, dtype=int32)
                grads = tape.gradient(loss, w)
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import GradientTape, Variable, constant, range as tf_range, int32
                import tensorflow as tf

                w = Variable(tf.cast(tf_range(3), tf.float32))
                with GradientTape() as tape:
                    loss = w * constant(2, dtype=tf.float32)
                grads = tape.gradient(loss, w)
                """
            ),
        ),
        Example(
            title="the seed article's integer scale: the integer data it meets is cast too",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                xs = tf.constant([1, 2, 3, 4])
                ys = tf.constant([3, 6, 9, 12])
                scale = tf.Variable(3)
                with tf.GradientTape() as tape:
                    pred = scale * xs
                    loss = tf.reduce_mean((pred - ys) ** 2) + tf.cast(xs[0] + 1, tf.float32)
                grad = tape.gradient(loss, scale)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                xs = tf.constant([1, 2, 3, 4])
                ys = tf.constant([3, 6, 9, 12])
                scale = tf.Variable(3, dtype=tf.float32)
                with tf.GradientTape() as tape:
                    pred = scale * tf.cast(xs, tf.float32)
                    loss = tf.reduce_mean((pred - tf.cast(ys, tf.float32)) ** 2) + tf.cast(xs[0] + 1, tf.float32)
                grad = tape.gradient(loss, scale)
                """
            ),
        ),
        Example(
            title="integer data made from range() and integer arithmetic on it meet the variables",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                xs = tf.constant(list(range(10)))
                ys = 3 * xs + 2
                W = tf.Variable(1)
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(tf.square(W * xs - ys))
                grads = tape.gradient(loss, [W])
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                xs = tf.constant(list(range(10)))
                ys = 3 * xs + 2
                W = tf.Variable(1, dtype=tf.float32)
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(tf.square(W * tf.cast(xs, tf.float32) - tf.cast(ys, tf.float32)))
                grads = tape.gradient(loss, [W])
                """
            ),
        ),
        Unchanged(
            title="float variables; integer data outside the path",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                labels = tf.cast(tf.constant([0.0, 1.0]), tf.int32)
                w = tf.Variable(tf.random.normal([2]))
                b = tf.Variable(0.5)
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(w * b)
                grads = tape.gradient(loss, [w, b])
                print(labels)
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        calls = flow.focused(focus)
        variables = _variable_calls(flow, calls)
        # statement -> tainted paths there (None: the whole statement, as on a tape's path)
        regions: dict[int, Optional[frozenset[str]]] = {
            id(s.node): None for c in calls for s in c.path if s.trainable  # not data preparation
        }
        callees = Callees(flow.module)
        for call in calls:
            for function, klass in callees.of([s.node for s in call.path], call.tape.klass):
                regions[id(function)] = None
                variables |= _int_weights(flow, function_region(flow, function, klass, False))
        for region in focused_regions(flow, focus, with_data=False):
            regions.update(region.hot)
            variables |= _int_weights(flow, region)
        transformer = _ToFloat(flow.names, variables, regions, tf_spelling(flow.module),
                               _integer_names(flow) if variables else frozenset())
        return apply_transformer(source, flow.module, transformer)


def _int_weights(flow: Flow, region: Region) -> set[int]:
    """Calls creating weights of the region's class (``self.add_weight``, ``tf.Variable``) that
    the region's function reads."""
    reads = expr_reads(region.function.body)
    frozen = cst.Arg(cst.Name("False"), keyword=cst.Name("trainable"))
    return {id(call) for path, call in region.weights.items()
            if path in reads and not any(a.deep_equals(frozen) for a in call.args)}


def _variable_calls(flow: Flow, calls) -> set[int]:
    """``tf.Variable(...)`` calls that create a source of one of ``calls``."""
    sources = {s for c in calls for s in c.sources}
    found = set()
    for node in walk(flow.module):
        if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call):
            targets = {access_path(t.target) for t in node.targets}
            if targets & sources and flow.names.is_tf(node.value.func, "Variable"):
                found.add(id(node.value))
    return found


class _ToFloat(cst.CSTTransformer):
    def __init__(self, names: Names, variables: set[int],
                 regions: dict[int, Optional[frozenset[str]]], tf: str, integers: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.names, self.variables, self.regions, self.tf = names, variables, regions, tf
        self.integers = integers  # names bound only to integer tensors (the variables now float meet them)
        self.stack: list[Optional[frozenset[str]]] = []  # inside a path statement or function
        self.in_variable = 0
        self.changed = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self.regions:
            self.stack.append(self.regions[id(node)])
        self.in_variable += id(node) in self.variables
        return super().on_visit(node)

    def on_leave(self, original, updated):
        result = super().on_leave(original, updated)
        if id(original) in self.regions:
            self.stack.pop()
        self.in_variable -= id(original) in self.variables
        return result

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if id(original) in self.variables:
            return self._variable(original, updated)
        if not (self.stack or self.in_variable):
            return updated
        taint = self.stack[-1] if self.stack and not self.in_variable else None
        if taint is not None and not related(tensor_reads(self.names, original), taint):
            return updated  # function mode: a cast of data (labels), not of the model's values
        found = op_of(self.names, original)
        if found is not None and found.name == "cast" and len(updated.args) >= 2:
            dtype_at = next((i for i, a in enumerate(original.args) if _is_kw(a, "dtype")), 1)
            return self._float_arg(original, updated, dtype_at, found.keras)
        dtype_at = next((i for i, a in enumerate(original.args) if _is_kw(a, "dtype")), None)
        if dtype_at is not None:
            return self._float_arg(original, updated, dtype_at, bool(found and found.keras))
        return updated

    def leave_BinaryOperation(self, original: cst.BinaryOperation,
                              updated: cst.BinaryOperation) -> cst.BaseExpression:
        """``scale * xs`` once ``scale`` is float: an integer tensor operand is cast too (TensorFlow
        does not mix float32 and int32), unless the other side is integer as well."""
        if not (self.stack and self.integers) or not isinstance(original.operator, _ARITHMETIC):
            return updated
        left, right = self._int_operand(original.left), self._int_operand(original.right)
        if left == right or isinstance(original.left if left else original.right, cst.Integer):
            return updated  # both integer, or a Python int (TensorFlow takes it as the other side's dtype)
        self.changed = True
        cast = lambda e: cst.Call(tf_attr(self.tf, "cast"), [cst.Arg(e), cst.Arg(tf_attr(self.tf, "float32"))])  # noqa: E731
        return updated.with_changes(left=cast(updated.left) if left else updated.left,
                                    right=cast(updated.right) if right else updated.right)

    def _int_operand(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Integer):
            return True
        return isinstance(node, (cst.Name, cst.Attribute)) and access_path(node) in self.integers

    def _float_arg(self, original: cst.Call, updated: cst.Call, at: int, keras: bool = False) -> cst.Call:
        if at >= len(original.args) or not self.names.is_int_dtype(original.args[at].value):
            return updated
        self.changed = True
        args = list(updated.args)
        old = original.args[at].value
        if keras and isinstance(old, cst.SimpleString):  # Keras spells dtypes as strings
            value: cst.BaseExpression = cst.SimpleString(old.prefix + old.quote + "float32" + old.quote)
        else:
            value = tf_attr(self.tf, "float32")
        args[at] = args[at].with_changes(value=value)
        return updated.with_changes(args=args)

    def _variable(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        keras = access_path(original.func) in ("self.add_weight", "self.add_variable")
        for i, arg in enumerate(original.args):
            if _is_kw(arg, "dtype"):
                return self._float_arg(original, updated, i, keras)
        if keras:
            return updated
        if not updated.deep_equals(original):
            return updated  # an integer dtype inside the initial value was made float already
        at = next((i for i, a in enumerate(original.args) if a.keyword is None or _is_kw(a, "initial_value")), None)
        if at is None:
            return updated
        value = original.args[at].value
        if _has_float(original) or not _int_or_unknown(self.names, value):
            return updated
        self.changed = True
        if any(q.startswith("tensorflow.") for q in _call_names(self.names, value)):
            cast = cst.Call(tf_attr(self.tf, "cast"), [cst.Arg(updated.args[at].value), cst.Arg(tf_attr(self.tf, "float32"))])
            args = list(updated.args)
            args[at] = args[at].with_changes(value=cast)
            return updated.with_changes(args=args)
        args = list(updated.args)
        if args[-1].comma is not cst.MaybeSentinel.DEFAULT:
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        args.append(cst.Arg(tf_attr(self.tf, "float32"), keyword=cst.Name("dtype"), equal=_EQ))
        return updated.with_changes(args=args)


_ARITHMETIC = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.MatrixMultiply)
_INT_MAKERS = frozenset({"tensorflow.constant", "tensorflow.convert_to_tensor", "numpy.array", "numpy.asarray",
                         "tensorflow.range", "numpy.arange", "numpy.random.randint"})


def _integer_names(flow: Flow) -> frozenset[str]:
    """Names (and ``self.x`` paths) every assignment of which makes an integer tensor or array:
    ``tf.constant([1, 2])``, ``np.arange(4)``, ``tf.cast(x, tf.int32)``, ``tf.zeros(..., dtype=tf.int64)``."""
    known: frozenset[str] = frozenset()
    for _ in range(3):  # ``ys = 3 * xs + 2`` is integer once ``xs`` is known to be
        verdicts: dict[str, bool] = {}
        for node in walk(flow.module):
            if not isinstance(node, (cst.Assign, cst.AnnAssign)) or node.value is None:
                continue
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            for target in targets:
                path = access_path(target)
                if path is not None:
                    verdicts[path] = verdicts.get(path, True) and _makes_integers(flow.names, node.value, known)
        found = frozenset(p for p, ok in verdicts.items() if ok)
        if found == known:
            break
        known = found
    return known


_INT_BUILTINS = frozenset({"builtins.range", "builtins.list", "builtins.tuple", "builtins.len"})


def _integer_literal(names: Names, node: cst.BaseExpression) -> bool:
    """Integer numbers only: ``[1, 2]``, ``list(range(10))``, ``[[0, 1], [2, 3]]``."""
    leaves = [n for n in walk(node) if isinstance(n, (cst.Integer, cst.Float, cst.Imaginary, cst.Name, cst.Call,
                                                      cst.Attribute, cst.SimpleString))]
    calls = [n for n in leaves if isinstance(n, cst.Call)]
    if any(not names.of(c.func) & _INT_BUILTINS for c in calls):
        return False
    funcs = {id(n) for c in calls for n in walk(c.func)}
    numbers = [n for n in leaves if id(n) not in funcs and not isinstance(n, cst.Call)]
    return bool(numbers) and all(isinstance(n, cst.Integer) for n in numbers)


def _integer_arithmetic(node: cst.BaseExpression, known: frozenset[str]) -> Optional[str]:
    """"tensor" for integer arithmetic on a known integer tensor (``3 * xs + 2``), "literal" for a
    Python int, None otherwise."""
    if isinstance(node, cst.Integer):
        return "literal"
    path = access_path(node) if isinstance(node, (cst.Name, cst.Attribute)) else None
    if path is not None:
        return "tensor" if path in known else None
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Add, cst.Subtract, cst.Multiply)):
        sides = [_integer_arithmetic(node.left, known), _integer_arithmetic(node.right, known)]
        if None in sides:
            return None
        return "tensor" if "tensor" in sides else "literal"
    return None


def _makes_integers(names: Names, value: cst.BaseExpression, known: frozenset[str] = frozenset()) -> bool:
    if isinstance(value, cst.BinaryOperation):
        return _integer_arithmetic(value, known) == "tensor"
    if not isinstance(value, cst.Call):
        return False
    qs = names.of(value.func)
    dtypes = [a.value for a in value.args if _is_kw(a, "dtype")]
    if any(q in ("tensorflow.cast", "tensorflow.dtypes.cast") for q in qs) and len(value.args) >= 2:
        return names.is_int_dtype(value.args[1].value)
    if dtypes:
        return names.is_int_dtype(dtypes[0])
    if not qs & _INT_MAKERS or not value.args:
        return False
    return _integer_literal(names, value.args[0].value)


def _is_kw(arg: cst.Arg, name: str) -> bool:
    return arg.keyword is not None and arg.keyword.value == name


def _call_names(names: Names, value: cst.BaseExpression) -> frozenset[str]:
    return names.of(value.func) if isinstance(value, cst.Call) else frozenset()


def _has_float(node: cst.CSTNode) -> bool:
    """A float literal or a float dtype anywhere inside (then the value is already float)."""
    for n in walk(node):
        if isinstance(n, cst.Float):
            return True
        if isinstance(n, cst.SimpleString) and n.evaluated_value.startswith(_FLOATISH):
            return True
        if isinstance(n, cst.Attribute) and n.attr.value.startswith(_FLOATISH):
            return True
    return False


def _int_or_unknown(names: Names, value: cst.BaseExpression) -> bool:
    """Integer literals, or a value whose dtype we cannot see (not a float-making TF call)."""
    if isinstance(value, cst.Call):
        qs = names.of(value.func)
        if any(q.startswith("tensorflow.") for q in qs):
            return any(q in ("tensorflow.range", "tensorflow.constant") for q in qs) and not (
                _has_float(value)
            )
    return not _has_float(value)
