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
from gradfix.analysis.nodes import claim, parenthesize, walk
from gradfix.analysis.ops import integer_uses
from gradfix.analysis.regions import tensor_reads
from gradfix.codemods.numpy_table import DTYPES, FLOAT_TYPES, MATH, NUMPY, Spec, carry_args

_DROPPED = frozenset({"keras.ops.convert_to_numpy", "keras.backend.eval", "keras.backend.get_value",
                      "tensorflow.keras.backend.eval", "tensorflow.keras.backend.get_value"})
_WRAPPERS = frozenset({"tensorflow.constant", "tensorflow.convert_to_tensor"})
# Host functions run as one op with no gradient: (qualified name, its func/inp/Tout keywords).
_HOST_FUNCTIONS = {
    "tensorflow.numpy_function": ("func", "inp", "Tout"),
    "tensorflow.py_function": ("func", "inp", "Tout"),
    "tensorflow.compat.v1.py_func": ("func", "inp", "Tout"),
    "tensorflow.compat.v1.numpy_function": ("func", "inp", "Tout"),
}
# ndarray methods a tensor lacks, converted where the value is tensor-derived (``err.mean()``)
_METHODS = frozenset({"sum", "mean", "max", "min", "prod", "std", "var", "reshape", "transpose", "squeeze",
                      "clip", "astype", "ravel", "flatten", "copy", "item"})
_MODULES = frozenset({"numpy", "math", "tensorflow", "keras", "builtins", "scipy", "jax", "torch"})
_ON_LISTS = frozenset({"mean", "sum", "max", "min", "amax", "amin", "prod", "std", "var"})


class ToTf(cst.CSTTransformer):
    def __init__(self, flow: Flow, regions: dict[int, frozenset[str]], spelling: str) -> None:
        super().__init__()
        self.flow, self.names, self.regions, self.tf = flow, flow.names, regions, spelling
        self.classes: list[cst.ClassDef] = []
        self.integers = integer_uses(flow.names, flow.module)
        self.lists = TensorLists(flow.names, flow.module)
        self.stack: list[frozenset[str]] = []
        self.changed = False
        self.notes: list[str] = []
        self.hosts: dict[str, Callable[[cst.BaseExpression], cst.BaseExpression]] = {}
        self.inlined = False  # a host function was inlined: its body is converted on the next pass
        # host functions the program may also call for NumPy values (methods, functions it calls
        # elsewhere): the tape calls a TensorFlow twin, added beside them, and they stay as they are
        self.twins: dict[int, dict[str, str]] = {}  # id(original class or module) -> {name: twin}
        self.twinned: set[tuple[Optional[str], str]] = set()  # (class name or None, function name)
        self.taken = {n.value for n in walk(flow.module) if isinstance(n, cst.Name)}

    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self.regions:
            self.stack.append(self.regions[id(node)])
        return super().on_visit(node)

    def on_leave(self, original, updated):
        result = super().on_leave(original, updated)
        if id(original) in self.regions:
            self.stack.pop()
        return result

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self.classes.pop()
        return updated.with_changes(body=updated.body.with_changes(body=self._with_twins(original, updated.body.body)))

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        return updated.with_changes(body=self._with_twins(original, updated.body))

    def _with_twins(self, owner: cst.CSTNode, body) -> list:
        """``body`` with a copy of each twinned function, renamed, right after it."""
        twins = self.twins.get(id(owner))
        if not twins:
            return list(body)
        out = []
        for stmt in body:
            out.append(stmt)
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value in twins:
                copy = _docstring(stmt.with_changes(name=cst.Name(twins[stmt.name.value])),
                                  f"The TensorFlow version of {stmt.name.value}, for the gradient tape.")
                out.append(copy.with_changes(leading_lines=[cst.EmptyLine(indent=False)] if owner is not self.flow.module
                                             else [cst.EmptyLine(indent=False)] * 2))
        return out

    def _twin(self, func: cst.BaseExpression) -> cst.BaseExpression:
        """``func`` itself, or the name of a TensorFlow twin of it when the program may also call it
        for NumPy values: a method (``self.f``: anyone holding the object can), or a module function
        this module names elsewhere. Its copy is converted on the next pass; the original is kept."""
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self" \
                and self.classes:
            owner, name = self.classes[-1], func.attr.value
            defined = [m for m in owner.body.body if isinstance(m, cst.FunctionDef) and m.name.value == name]
        elif isinstance(func, cst.Name):
            owner, name = self.flow.module, func.value
            defined = [f for f in self.flow.module.body if isinstance(f, cst.FunctionDef) and f.name.value == name]
            uses = sum(isinstance(n, cst.Name) and n.value == name for n in walk(self.flow.module))
            if uses <= 2:  # its def and this call: only the tape uses it, convert it in place
                return func
        else:
            return func
        if len(defined) != 1 or defined[0].decorators:
            return func
        twin = self.twins.setdefault(id(owner), {}).get(name)
        if twin is None:
            twin = claim(self.taken, f"{name}_tf")
            self.twins[id(owner)][name] = twin
            self.twinned.add((owner.name.value if isinstance(owner, cst.ClassDef) else None, name))
            self.notes.append(f"{name} keeps its NumPy code for its other callers; the tape calls a TensorFlow "
                              f"twin of it, {twin}")
        return func.with_changes(attr=cst.Name(twin)) if isinstance(func, cst.Attribute) else cst.Name(twin)

    def _derived(self, node: cst.CSTNode) -> bool:
        """Whether ``node`` computes from the region's tensors, directly or through a function of
        this module it calls (``self.forward_loss(x, y).numpy()`` runs the model)."""
        if related(tensor_reads(self.names, node), self.stack[-1]):
            return True
        klass = self.classes[-1] if self.classes else None
        if related(self.flow.reads_through_calls(node, klass), self.stack[-1]):
            return True
        hosted = self._hosted_call(node)  # tf.numpy_function(self.forward, [x], ...) runs self.forward(x)
        return hosted is not None and related(self.flow.reads_through_calls(hosted, klass), self.stack[-1])

    def _hosted_call(self, node: cst.CSTNode) -> Optional[cst.Call]:
        """``f(a, b)`` for ``tf.numpy_function(f, [a, b], ...)`` (any host-function wrapper)."""
        if not isinstance(node, cst.Call):
            return None
        for q in self.names.of(node.func):
            if q in _HOST_FUNCTIONS:
                func, inputs = (_argument(node, i, k) for i, k in enumerate(_HOST_FUNCTIONS[q][:2]))
                if isinstance(func, (cst.Name, cst.Attribute)) and isinstance(inputs, (cst.List, cst.Tuple)):
                    return cst.Call(func=func, args=[cst.Arg(e.value) for e in inputs.elements
                                                     if isinstance(e, cst.Element)])
        return None

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        updated = self._host_args(original, updated) if self.hosts else updated
        if not self.stack or not self._derived(original):
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
        if isinstance(func, cst.Attribute) and not self._module(original.func.value):
            return self._method(original, updated)
        for q in sorted(self.names.of(original.func)):
            module, _, name = q.partition(".")
            if q in _WRAPPERS:
                return self._unwrap(original, updated)
            if q in _HOST_FUNCTIONS:
                return self._inline(_HOST_FUNCTIONS[q], original, updated)
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

    def _method(self, original: cst.Call, updated: cst.Call) -> Optional[cst.BaseExpression]:
        """An array method on a tensor-derived value (``err.mean(axis=0)``, ``p.reshape(-1, 1)``,
        ``x.astype(np.float32)``): a tensor has none of these, so the NumPy array it was is what the
        code meant; the TF function takes the value either way."""
        name = updated.func.attr.value
        receiver, orig_receiver = updated.func.value, original.func.value
        if name not in _METHODS or not self.stack or not related(tensor_reads(self.names, orig_receiver),
                                                                 self.stack[-1]):
            return None
        args = updated.args
        if any(a.star for a in args):
            return None
        positional = [a for a in args if a.keyword is None]
        if name in ("ravel", "flatten") and not args:
            return self._call("reshape", [cst.Arg(receiver), cst.Arg(cst.parse_expression("[-1]"))])
        if name == "copy" and not args:
            return self._call("identity", [cst.Arg(receiver)])
        if name == "item" and not args:
            return receiver
        if name == "astype" and len(args) == 1 and not args[0].keyword:
            dtype = self._dtype(original.args[0].value)
            return None if dtype is None else self._call("cast", [cst.Arg(receiver), cst.Arg(dtype)])
        if name in ("reshape", "transpose") and len(positional) == len(args):
            if not args:
                return self._call("transpose", [cst.Arg(receiver)]) if name == "transpose" else None
            if len(args) == 1:
                shape = args[0].value
                if name == "reshape" and isinstance(shape, (cst.Integer, cst.UnaryOperation)):
                    shape = cst.List([cst.Element(shape)])
            else:
                shape = cst.Tuple([cst.Element(a.value) for a in args])
            return self._call(name, [cst.Arg(receiver), cst.Arg(shape)])
        if name == "clip":
            renamed = [a.with_changes(keyword=cst.Name({"min": "a_min", "max": "a_max"}[a.keyword.value]))
                       if a.keyword is not None and a.keyword.value in ("min", "max") else a for a in args]
            updated = updated.with_changes(args=renamed)
        spec = NUMPY.get(name)
        if spec is None:
            return None
        synthetic = cst.Call(func=original.func, args=[cst.Arg(orig_receiver), *original.args])
        return self._mapped(spec, synthetic, cst.Call(func=updated.func, args=[cst.Arg(receiver), *updated.args]))

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        """``p[np.arange(n), actions]`` (NumPy's pick-one-per-row) on a tensor-derived value:
        ``tf.gather(p, actions, batch_dims=1)`` (a tensor takes no array pairs as an index)."""
        if not self.stack or len(original.slice) != 2 or not all(
                isinstance(e.slice, cst.Index) for e in original.slice):
            return updated
        rows = original.slice[0].slice.value
        if not (isinstance(rows, cst.Call) and len(rows.args) == 1 and self.names.of(rows.func)
                & {"numpy.arange", "builtins.range", "tensorflow.range"}):
            return updated
        if not related(tensor_reads(self.names, original.value), self.stack[-1]):
            return updated
        self.changed = True
        picked = updated.slice[1].slice.value
        return self._call("gather", [cst.Arg(updated.value), cst.Arg(picked),
                                     cst.Arg(cst.Integer("1"), keyword=cst.Name("batch_dims"),
                                             equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))])

    def _module(self, node: cst.BaseExpression) -> bool:
        """``np``, ``np.linalg``, ``tf.math``: a reference to a library, not a value with methods."""
        return isinstance(node, (cst.Name, cst.Attribute)) and any(
            q.split(".")[0] in _MODULES for q in self.names.of(node))

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        """``x.T`` on a tensor-derived value: ``tf.transpose(x)`` (a tensor has no ``.T``)."""
        if (original.attr.value != "T" or not self.stack or self._module(original.value)
                or not related(tensor_reads(self.names, original.value), self.stack[-1])):
            return updated
        self.changed = True
        return self._call("transpose", [cst.Arg(updated.value)])

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

    def _inline(self, keywords: tuple[str, str, str], original: cst.Call,
                updated: cst.Call) -> Optional[cst.BaseExpression]:
        """``tf.numpy_function(f, [a, b], tf.float32)`` -> ``tf.cast(f(a, b), tf.float32)``: the
        function runs on the tensors themselves, so the tape sees its ops once ``f`` is TensorFlow
        (the next pass converts its NumPy, in ``f``'s body or in a lambda). A list ``Tout`` (several
        outputs) or inputs that are not a literal list are left alone."""
        found = [_argument(updated, i, k) for i, k in enumerate(keywords)]
        func, inputs, tout = found
        if func is None or inputs is None or len(updated.args) > sum(a is not None for a in found) + _extra(updated):
            return None
        if not isinstance(inputs, (cst.List, cst.Tuple)) or any(
                not isinstance(e, cst.Element) for e in inputs.elements):
            return None
        values = [e.value for e in inputs.elements]
        if isinstance(func, cst.Lambda):
            body = _substitute(func, values)
        elif isinstance(func, (cst.Name, cst.Attribute)):
            body = cst.Call(func=self._twin(func), args=[cst.Arg(v) for v in values])
        else:
            return None
        if body is None:
            return None
        self.inlined = True
        self.notes.append("a tf.numpy_function/tf.py_function on the gradient path now runs its function on the tensors")
        if tout is None or isinstance(tout, (cst.List, cst.Tuple)):  # several outputs: the function's own
            return body
        return self._call("cast", [cst.Arg(body), cst.Arg(tout)])

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


def _argument(call: cst.Call, position: int, keyword: str) -> Optional[cst.BaseExpression]:
    for i, arg in enumerate(call.args):
        if arg.star:
            return None
        if (arg.keyword is None and i == position) or (arg.keyword is not None and arg.keyword.value == keyword):
            return arg.value
    return None


def _extra(call: cst.Call) -> int:
    """Arguments of a host function call that do not change what it computes (``name=``, ``stateful=``)."""
    return sum(1 for a in call.args if a.keyword is not None and a.keyword.value in ("name", "stateful"))


def _substitute(func: cst.Lambda, values: list[cst.BaseExpression]) -> Optional[cst.BaseExpression]:
    """The body of ``lambda a, b: ...`` with ``a``, ``b`` replaced by ``values`` (parenthesized);
    None for defaults, ``*args``, nested scopes, or a complex value used more than once."""
    params = func.params
    if params.star_arg is not cst.MaybeSentinel.DEFAULT or params.kwonly_params or params.star_kwarg \
            or params.posonly_params or any(p.default is not None for p in params.params):
        return None
    names = [p.name.value for p in params.params]
    if len(names) != len(values):
        return None
    scopes = (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
    uses: dict[str, int] = {}

    class Count(cst.CSTVisitor):
        nested = False

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)
            return False

        def visit_Name(self, node: cst.Name) -> None:
            uses[node.value] = uses.get(node.value, 0) + 1

        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, scopes):
                Count.nested = True
            return super().on_visit(node)

    func.body.visit(Count())
    if Count.nested:
        return None
    mapping = dict(zip(names, values))
    for name, value in mapping.items():
        if uses.get(name, 0) > 1 and not isinstance(value, (cst.Name, cst.Attribute)):
            return None

    class Put(cst.CSTTransformer):
        def visit_Attribute(self, node: cst.Attribute) -> bool:
            return True

        def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
            return updated.with_changes(attr=original.attr)  # ``x.mean``: the attribute is not a name

        def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
            return parenthesize(mapping[original.value]) if original.value in mapping else updated

    return parenthesize(func.body.visit(Put()))


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


def _docstring(function: cst.FunctionDef, text: str) -> cst.FunctionDef:
    """``function`` with its docstring (if it has one) replaced by ``text``."""
    body = function.body
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return function
    first = body.body[0]
    if not (isinstance(first, cst.SimpleStatementLine) and len(first.body) == 1 and isinstance(first.body[0], cst.Expr)
            and isinstance(first.body[0].value, (cst.SimpleString, cst.ConcatenatedString))):
        return function
    line = first.with_changes(body=[cst.Expr(cst.SimpleString(f'"""{text}"""'))])
    return function.with_changes(body=body.with_changes(body=[line, *body.body[1:]]))
