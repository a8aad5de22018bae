"""Where a gradient source got its value, and whether that value is a variable or a plain tensor.

    found = binding(flow, call, "x")          # the last binding of x before the gradient call
    kind(flow, call, found)                   # "variable" | "tensor" | "host" | None (unknown)
    assignments(scope, "w")                   # every ``w = ...`` / ``w -= ...`` of a scope
    enclosing(root, node)                     # compound statements from root down to node
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

import libcst as cst

from gradfix.analysis.access import access_path, base_path, expr_reads, related
from gradfix.analysis.flow import Flow, GradientCall, Stmt
from gradfix.analysis.names import TRAINABLE_ATTRS
from gradfix.analysis.nodes import calls_in, children, walk

WEIGHT_ATTRS = TRAINABLE_ATTRS | {"kernel", "bias", "embeddings", "gamma", "beta"}
Assignment = Union[cst.Assign, cst.AugAssign, cst.AnnAssign]


@dataclass(frozen=True)
class Binding:
    kind: str  # "assign" (value known), "param", "loop", "unpack", "other"
    value: Optional[cst.BaseExpression] = None
    stmt: Optional[Stmt] = None  # the statement of the call's sequence, when it is one


def enclosing(root: cst.CSTNode, node: cst.CSTNode) -> list[cst.BaseCompoundStatement]:
    """Compound statements below ``root`` that contain ``node``, outermost first."""
    out: list[cst.BaseCompoundStatement] = []
    current = root
    while current is not node:
        child = next((c for c in children(current) if any(n is node for n in walk(c))), None)
        if child is None:
            return []
        if isinstance(child, cst.BaseCompoundStatement) and child is not node:
            out.append(child)
        current = child
    return out


def assignments(scope: cst.CSTNode, path: str) -> list[Assignment]:
    """Assignments whose target is (or unpacks into) ``path`` in ``scope``, in source order;
    nested functions and classes are skipped unless ``path`` is an attribute (``self.w``)."""
    out: list[Assignment] = []
    stack: list[cst.CSTNode] = [scope]
    while stack:
        n = stack.pop()
        if n is not scope and isinstance(n, (cst.ClassDef, cst.Lambda)) and "." not in path:
            continue
        if n is not scope and isinstance(n, cst.FunctionDef) and "." not in path:
            continue
        if isinstance(n, (cst.Assign, cst.AugAssign, cst.AnnAssign)) and path in _targets(n):
            out.append(n)
        stack.extend(reversed(children(n)))
    return out


def _targets(node: Assignment) -> list[str]:
    if isinstance(node, cst.Assign):
        exprs = [t.target for t in node.targets]
    else:
        exprs = [node.target]
    out: list[str] = []
    while exprs:
        e = exprs.pop(0)
        if isinstance(e, (cst.Tuple, cst.List)):
            exprs += [el.value for el in e.elements]
        elif isinstance(e, cst.StarredElement):
            exprs.append(e.value)
        elif access_path(e):
            out.append(access_path(e) or "")
    return out


def _simple_value(node: Assignment, path: str) -> Optional[cst.BaseExpression]:
    """The value of ``path = value`` (one plain target), else None."""
    if isinstance(node, cst.Assign) and len(node.targets) == 1:
        if access_path(node.targets[0].target) == path:
            return node.value
    if isinstance(node, cst.AnnAssign) and access_path(node.target) == path:
        return node.value
    return None


def binding(flow: Flow, call: GradientCall, path: str) -> Optional[Binding]:
    """The last binding of ``path`` before ``call`` runs (first step), or None when unknown."""
    for stmt in reversed(call.sequence):
        if path not in stmt.writes:
            continue
        found = assignments(stmt.node, path)
        if not found or not isinstance(stmt.node, cst.SimpleStatementLine):
            return Binding("other", stmt=stmt)
        value = _simple_value(found[-1], path)
        return Binding("assign" if value is not None else "unpack", value, stmt)
    function = call.tape.function
    for compound in reversed(enclosing(function or flow.module, call.tape.node)):
        if isinstance(compound, cst.For) and path in expr_reads(compound.target):
            return Binding("loop")
        if isinstance(compound, cst.With) and any(
            it.asname is not None and path in expr_reads(it.asname.name) for it in compound.items
        ):
            return Binding("unpack")
    if function is not None:
        params = function.params
        if any(p.name.value == path for p in params.params + params.kwonly_params + params.posonly_params):
            return Binding("param")
    scopes: list[cst.CSTNode] = [flow.module]
    if path.startswith("self.") and call.tape.klass is not None:
        scopes = [call.tape.klass]
    for scope in scopes:
        found = assignments(scope, path)
        if found:
            value = _simple_value(found[0], path)
            return Binding("assign" if value is not None else "unpack", value)
    return None


ALL_WEIGHTS = frozenset({"weights", "variables", "non_trainable_weights", "non_trainable_variables"})


def sources_expr(call: GradientCall) -> Optional[cst.BaseExpression]:
    """The expression given as ``sources`` to the gradient call."""
    positional = [a.value for a in call.node.args if a.keyword is None and not a.star][1:2]
    named = [a.value for a in call.node.args if a.keyword and a.keyword.value == "sources"]
    return (positional or named or [None])[0]


OPTIMIZER_APPLY = frozenset({"apply_gradients", "apply"})


def optimizer_calls(flow: Flow, call: GradientCall) -> list[cst.Call]:
    """``opt.apply_gradients(...)`` / ``opt.apply(...)`` in the function around the call's tape (the
    module at top level): where the gradients of ``call`` meet their variables again."""
    return [c for c in calls_in(call.tape.function or flow.module)
            if isinstance(c.func, cst.Attribute) and c.func.attr.value in OPTIMIZER_APPLY]


def lists_all_weights(flow: Flow, call: GradientCall) -> bool:
    """Whether the sources are ``m.weights`` / ``m.variables`` (non-trainable state included),
    directly, in a list, or through one name bound to them."""
    expr = sources_expr(call)
    if isinstance(expr, cst.Name):
        found = binding(flow, call, expr.value)
        expr = found.value if found is not None else None
    return expr is not None and any(isinstance(n, cst.Attribute) and n.attr.value in ALL_WEIGHTS
                                    for n in walk(expr))


def creates_variable(flow: Flow, value: Optional[cst.CSTNode]) -> bool:
    """``tf.Variable(...)``, ``keras.Variable(...)`` (any alias or from-import)."""
    if not isinstance(value, cst.Call):
        return False
    return any(q.endswith(".Variable") and q.startswith(("tensorflow.", "keras.", "tf_keras."))
               for q in flow.names.of(value.func))  # fmt: skip


def is_variable_value(flow: Flow, value: cst.BaseExpression) -> bool:
    """``tf.Variable(...)``, ``self.add_weight(...)``, a model/layer, ``m.trainable_variables``,
    ``layer.kernel`` and subscripts of those."""
    while isinstance(value, cst.Subscript):
        value = value.value
    if isinstance(value, cst.Call):
        func = value.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("add_weight", "add_variable"):
            return True
        return creates_variable(flow, value) or flow.names.is_constructor(value)
    if isinstance(value, cst.Attribute):
        return value.attr.value in WEIGHT_ATTRS
    if isinstance(value, (cst.List, cst.Tuple)):
        return any(is_variable_value(flow, e.value) for e in value.elements)
    return False


def kind(flow: Flow, call: GradientCall, found: Optional[Binding], depth: int = 0) -> Optional[str]:
    """What a binding holds on the first step: "variable", "tensor", "host" (NumPy or Python
    values, which cannot be watched) or None when it cannot tell."""
    if found is None or depth > 4:
        return None
    if found.kind in ("param", "loop", "unpack"):
        return "tensor"  # data: arguments, batches
    if found.value is None:
        return None
    return _value_kind(flow, call, found.value, depth)


def _value_kind(flow: Flow, call: GradientCall, value: cst.BaseExpression, depth: int) -> Optional[str]:
    if is_variable_value(flow, value):
        return "variable"
    if isinstance(value, (cst.ListComp, cst.GeneratorExp)):  # [tf.repeat(p, n) for p in params]
        return "tensor" if _value_kind(flow, call, value.elt, depth + 1) == "tensor" else None
    if isinstance(value, (cst.List, cst.Tuple)) and value.elements and all(
            isinstance(e, cst.Element) for e in value.elements):
        kinds = {_value_kind(flow, call, e.value, depth + 1) for e in value.elements}
        return "tensor" if kinds == {"tensor"} else "host" if "host" in kinds else None
    if isinstance(value, (cst.Integer, cst.Float, cst.SimpleString, cst.List, cst.Tuple, cst.Dict)):
        return "host"
    if isinstance(value, cst.Call):
        names = flow.names.of(value.func)
        if any(q.startswith("tensorflow.") for q in names):
            return "tensor"
        if any(q.split(".")[0] in ("numpy", "math", "builtins", "random") for q in names):
            return "host"
        return "tensor"  # a model, layer or helper of this module
    if isinstance(value, (cst.BinaryOperation, cst.UnaryOperation)):
        kinds = {_value_kind(flow, call, e, depth) for e in _operands(value)}
        return "tensor" if "tensor" in kinds or "variable" in kinds else None
    if isinstance(value, cst.Subscript):
        return _value_kind(flow, call, value.value, depth)
    path = access_path(value)
    if path is not None:
        inner = kind(flow, call, binding(flow, call, path), depth + 1)
        return inner
    return None


def _operands(value: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(value, cst.BinaryOperation):
        return [value.left, value.right]
    if isinstance(value, cst.UnaryOperation):
        return [value.expression]
    return [value]


def binds(target: cst.BaseExpression, name: str) -> bool:
    """Whether an assignment target (or a tuple/list of them) binds ``name``."""
    if isinstance(target, (cst.Tuple, cst.List)):
        return any(binds(e.value, name) for e in target.elements)
    return access_path(target) == name


def definition_line(flow: Optional[Flow], name: str) -> Optional[int]:
    """The line of the first statement that binds ``name`` (``w = tf.Variable(...)``, ``self.w = ...``)."""
    if flow is None:
        return None
    for node in walk(flow.module):
        if isinstance(node, cst.Assign) and any(binds(t.target, name) for t in node.targets):
            return flow.line(node)
    return None


def freezes(flow: Flow, owners: set[str]) -> Optional[cst.Assign]:
    """The first ``owner.trainable = False`` (``model.layers[0].trainable = False`` counts for
    ``model``) for an owner related to one of ``owners``."""
    for node in walk(flow.module):
        if not (isinstance(node, cst.Assign) and isinstance(node.value, cst.Name) and node.value.value == "False"):
            continue
        for target in (t.target for t in node.targets):
            if isinstance(target, cst.Attribute) and target.attr.value == "trainable":
                owner = base_path(target.value)
                if owner is not None and related([owner], owners):
                    return node
    return None


def early_list(flow: Flow, fcall: GradientCall) -> Optional[tuple[Binding, cst.BaseExpression]]:
    """``params = model.trainable_variables`` bound before the tape and given as the sources:
    the binding and its value (a collection of weights, or a sum of them)."""
    expr = sources_expr(fcall)
    if not isinstance(expr, cst.Name):
        return None
    found = binding(flow, fcall, expr.value)
    if found is None or found.kind != "assign" or found.value is None:
        return None
    if found.stmt is not None and found.stmt.region in ("tape", "after"):
        return None
    return (found, found.value) if _weight_lists(found.value) else None


def _weight_lists(value: cst.BaseExpression) -> bool:
    """``m.trainable_variables`` or a sum of such lists."""
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        return _weight_lists(value.left) and _weight_lists(value.right)
    return (isinstance(value, cst.Attribute) and value.attr.value in TRAINABLE_ATTRS
            and access_path(value) is not None)
