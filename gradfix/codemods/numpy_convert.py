"""The transformer behind ``numpy-to-tf``: NumPy, ``math``, ``.numpy()``, ``.tolist()``,
``float()``, ``int()`` and Keras' ``convert_to_numpy`` on tensor-derived values become TensorFlow.
Where a name lost its host conversion (``preds = model(x).numpy().tolist()``), later uses that
need host values (``json.dumps(preds[:2])``, ``print``, ``str``, logging) get it back."""

from __future__ import annotations

from typing import Callable, Optional

import libcst as cst

from gradfix.analysis.access import related
from gradfix.analysis.flow import Flow
from gradfix.analysis.lists import TensorLists
from gradfix.analysis.names import tf_attr
from gradfix.analysis.nodes import parenthesize
from gradfix.analysis.ops import integer_uses
from gradfix.analysis.regions import tensor_reads
from gradfix.codemods.numpy_table import DTYPES, FLOAT_TYPES, MATH, NUMPY, Spec, carry_args

_DROPPED = frozenset({"keras.ops.convert_to_numpy", "keras.backend.eval", "keras.backend.get_value",
                      "tensorflow.keras.backend.eval", "tensorflow.keras.backend.get_value"})
_WRAPPERS = frozenset({"tensorflow.constant", "tensorflow.convert_to_tensor"})
_ON_LISTS = frozenset({"mean", "sum", "max", "min", "amax", "amin", "prod", "std", "var"})


class ToTf(cst.CSTTransformer):
    def __init__(self, flow: Flow, regions: dict[int, frozenset[str]], spelling: str) -> None:
        super().__init__()
        self.names, self.regions, self.tf = flow.names, regions, spelling
        self.integers = integer_uses(flow.names, flow.module)
        self.lists = TensorLists(flow.names, flow.module)
        self.stack: list[frozenset[str]] = []
        self.changed = False
        self.notes: list[str] = []
        self.hosts: dict[str, Callable[[cst.BaseExpression], cst.BaseExpression]] = {}

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
        updated = self._host_args(original, updated) if self.hosts else updated
        if not self.stack or not related(tensor_reads(self.names, original), self.stack[-1]):
            return updated
        new = self._convert(original, updated)
        if new is None:
            return updated
        self.changed = True
        return new

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        target = original.targets[0].target
        if len(original.targets) == 1 and isinstance(target, cst.Name) and original.value is not updated.value:
            rewrap = _host_form(self.names, original.value, updated.value)
            if rewrap is not None:
                self.hosts[target.value] = rewrap
        return updated

    def _host_args(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        """``json.dumps(preds[:2])`` -> ``json.dumps(preds[:2].numpy().tolist())`` once ``preds``
        lost its ``.numpy().tolist()`` above (the same for ``print``, ``str``, logging...)."""
        names = self.names.of(original.func)
        if not (names & _HOST_CALLS or any(q.startswith("logging.") for q in names)):
            return updated
        args = []
        for arg in updated.args:
            base = arg.value
            while isinstance(base, cst.Subscript):
                base = base.value
            if isinstance(base, cst.Name) and base.value in self.hosts and not arg.star:
                arg = arg.with_changes(value=self.hosts[base.value](arg.value))
            args.append(arg)
        return updated.with_changes(args=args)

    def _convert(self, original: cst.Call, updated: cst.Call) -> Optional[cst.BaseExpression]:
        func = updated.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("numpy", "tolist") and not updated.args:
            return func.value
        for q in sorted(self.names.of(original.func)):
            module, _, name = q.partition(".")
            if q in _WRAPPERS:
                return self._unwrap(original, updated)
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

    def _unwrap(self, original: cst.Call, updated: cst.Call) -> Optional[cst.BaseExpression]:
        """``tf.constant(np.mean(...))`` once its argument became TensorFlow: the wrapper goes
        (``tf.constant`` of a tensor fails in a graph and cuts the tape); a dtype becomes a cast."""
        if not original.args or original.args[0].keyword is not None or original.args[0].star:
            return None
        value = updated.args[0].value
        if value.deep_equals(original.args[0].value):
            return None  # its argument was not host code: not ours to change
        rest = updated.args[1:]
        dtype = [a for a in rest if (a.keyword is None and a is rest[0]) or
                 (a.keyword is not None and a.keyword.value == "dtype")]
        if len(rest) > len(dtype) or len(dtype) > 1:
            return None  # shape=, name=...: keep the call
        if dtype:
            return self._call("cast", [cst.Arg(value), cst.Arg(dtype[0].value)])
        return value

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


_HOST_CALLS = frozenset({"json.dumps", "json.dump", "builtins.print", "builtins.str", "builtins.repr",
                         "builtins.format", "pickle.dumps", "pickle.dump"})


def _host_form(names, before: cst.BaseExpression, after: cst.BaseExpression):
    """How to turn ``after`` back into what ``before`` gave (``.numpy().tolist()``, ``float(...)``),
    when the rewrite removed exactly such a conversion from the outside of the value."""
    if isinstance(before, cst.Call) and "builtins.float" in names.of(before.func) and not (
        isinstance(after, cst.Call) and after.func.deep_equals(before.func)
    ):
        return lambda e: cst.Call(cst.Name("float"), [cst.Arg(e)])
    methods: list[str] = []
    while (isinstance(before, cst.Call) and not before.args and isinstance(before.func, cst.Attribute)
           and before.func.attr.value in ("numpy", "tolist")):  # fmt: skip
        methods.insert(0, before.func.attr.value)
        before = before.func.value
    if not methods or (isinstance(after, cst.Call) and isinstance(after.func, cst.Attribute)
                       and after.func.attr.value in ("numpy", "tolist")):  # fmt: skip
        return None
    methods = ["numpy", "tolist"] if "tolist" in methods else ["numpy"]

    def rewrap(expr: cst.BaseExpression) -> cst.BaseExpression:
        for method in methods:
            expr = cst.Call(cst.Attribute(parenthesize(expr), cst.Name(method)))
        return expr

    return rewrap
