"""Update variables in place: ``w = w - lr * g`` turns ``w`` into a tensor that gets no gradient."""

from __future__ import annotations

import textwrap
from typing import Optional, Union

import libcst as cst

from gradfix.analysis.access import access_path, expr_reads, related
from gradfix.analysis.bindings import assignments, creates_variable
from gradfix.analysis.flow import Flow, analyse
from gradfix.analysis.nodes import walk
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

Rebinding = Union[cst.Assign, cst.AugAssign]
_AUG = {cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
        cst.DivideAssign: cst.Divide, cst.PowerAssign: cst.Power}  # fmt: skip


class RebindToAssign(Codemod):
    NAME = "rebind-to-assign"
    DESCRIPTION = "Replace manual updates that rebind a tf.Variable to a tensor with assign/assign_sub"
    CAUSES = (Cause.VARIABLE_REPLACED,)
    SAFETY = Safety.SAFE  # the variable holds the same values; it just stays a variable
    EXAMPLES = (
        Example(
            title="gradient descent by hand",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(1.0)
                b = tf.Variable(0.0)
                for step in range(3):
                    with tf.GradientTape() as tape:
                        loss = (w * 2.0 + b - 1.0) ** 2
                    gw, gb = tape.gradient(loss, [w, b])
                    w, b = w - 0.1 * gw, b - 0.1 * gb
                    w = tf.clip_by_value(w, 0.0, 1.0)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(1.0)
                b = tf.Variable(0.0)
                for step in range(3):
                    with tf.GradientTape() as tape:
                        loss = (w * 2.0 + b - 1.0) ** 2
                    gw, gb = tape.gradient(loss, [w, b])
                    w.assign_sub(0.1 * gw)
                    b.assign_sub(0.1 * gb)
                    w.assign(tf.clip_by_value(w, 0.0, 1.0))
                """
            ),
        ),
        Example(
            title="alias, from-import, attribute variables and augmented assignment",
            before=textwrap.dedent(
                """\
                import tensorflow as tf2
                from tensorflow import Variable
                class Linear:
                    def __init__(self):
                        self.w = Variable(tf2.ones(3))
                    def step(self, x, lr):
                        with tf2.GradientTape() as tape:
                            loss = tf2.reduce_sum(self.w * x)
                        g = tape.gradient(loss, self.w)
                        self.w -= lr * g
                        self.w = self.w * 0.99
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf2
                from tensorflow import Variable
                class Linear:
                    def __init__(self):
                        self.w = Variable(tf2.ones(3))
                    def step(self, x, lr):
                        with tf2.GradientTape() as tape:
                            loss = tf2.reduce_sum(self.w * x)
                        g = tape.gradient(loss, self.w)
                        self.w.assign_sub(lr * g)
                        self.w.assign(self.w * 0.99)
                """
            ),
        ),
        Unchanged(
            title="plain tensors and values read before the update stay",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(1.0)
                x = tf.constant(3.0)
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    loss = w * x
                gw, gx = tape.gradient(loss, [w, x])
                x = x - 0.1 * gx
                w.assign_sub(0.1 * gw)
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        in_tapes = {id(n) for tape in flow.tapes for n in walk(tape.node.body)}
        targets: dict[int, Rebinding] = {}
        variables: set[str] = set()
        notes: list[str] = []
        try:
            for call in flow.focused(focus):
                scope = call.tape.function or flow.module
                for path in call.sources:
                    if "." in path and not path.startswith("self."):
                        continue
                    home = call.tape.klass if path.startswith("self.") else scope
                    if home is None or not _is_variable(flow, home, path, scope):
                        continue
                    where = home if path.startswith("self.") else scope
                    found = [n for n in assignments(where, path)
                             if not _creates_variable(flow, n) and not _holds_variables(flow, n)]
                    found += _item_rebindings(where, path) if _is_container(flow, home, path, scope) else []
                    if any(id(n) in in_tapes for n in found):
                        notes.append(f"line {call.line}: {path} is rebound inside a tape; left alone")
                        continue
                    variables.add(path)
                    targets.update((id(n), n) for n in found if isinstance(n, (cst.Assign, cst.AugAssign)))
        except Exception as error:  # noqa: BLE001 - unknown shapes of code: decline
            return declined(source, f"could not analyse: {error}")
        if not targets:
            return declined(source, *notes)
        transformer = _ToAssign(targets, variables)
        try:
            module = flow.module.visit(transformer)
        except Exception as error:  # noqa: BLE001 - decline on shapes we did not foresee
            return declined(source, f"could not rewrite: {error}")
        return finished(source, module.code, tuple(notes + transformer.notes))


def _creates_variable(flow: Flow, node: cst.CSTNode) -> bool:
    """``tf.Variable(...)``, ``keras.Variable(...)``; also ``w.assign_sub(...)`` and friends,
    which return the variable."""
    value = getattr(node, "value", None)
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
        if value.func.attr.value in ("assign", "assign_add", "assign_sub"):
            return True
    return creates_variable(flow, value)


def _is_variable(flow: Flow, home: cst.CSTNode, path: str, scope: cst.CSTNode) -> bool:
    """``path`` is bound to ``tf.Variable(...)`` in its scope, at module level or in the class,
    or to a dict/list literal whose every value is one."""
    return any(_creates_variable(flow, node) for node in _bindings(flow, home, path, scope)) or \
        _is_container(flow, home, path, scope)


def _bindings(flow: Flow, home: cst.CSTNode, path: str, scope: cst.CSTNode) -> list:
    places = [home] if path.startswith("self.") else [scope, flow.module]
    return [node for place in places for node in assignments(place, path)]


def _is_container(flow: Flow, home: cst.CSTNode, path: str, scope: cst.CSTNode) -> bool:
    return any(_holds_variables(flow, node) for node in _bindings(flow, home, path, scope))


def _holds_variables(flow: Flow, node: cst.CSTNode) -> bool:
    """``x = [tf.Variable(...), ...]`` or ``x = {"k": tf.Variable(...), ...}``."""
    value = getattr(node, "value", None)
    return isinstance(value, (cst.List, cst.Tuple, cst.Dict)) and bool(value.elements) and all(
        not isinstance(e, (cst.StarredElement, cst.StarredDictElement)) and creates_variable(flow, e.value)
        for e in value.elements
    )


def _item_rebindings(scope: cst.CSTNode, path: str) -> list[Rebinding]:
    """``params[k] = ...`` / ``params[k] -= ...`` for a container of variables ``path``."""
    out: list[Rebinding] = []
    for node in walk(scope):
        if isinstance(node, cst.Assign) and len(node.targets) == 1:
            target = node.targets[0].target
        elif isinstance(node, cst.AugAssign):
            target = node.target
        else:
            continue
        if isinstance(target, cst.Subscript) and access_path(target.value) == path:
            out.append(node)
    return out


class _ToAssign(cst.CSTTransformer):
    def __init__(self, targets: dict[int, Rebinding], variables: set[str]) -> None:
        super().__init__()
        self.targets, self.variables = targets, variables
        self.notes: list[str] = []

    def leave_SimpleStatementLine(self, original, updated):
        if len(original.body) != 1 or id(original.body[0]) not in self.targets:
            return updated
        small = original.body[0]
        pairs = _pairs(small)
        if pairs is None or not all(_key(t) in self.variables for t, _ in pairs):
            self.notes.append("a rebinding of a variable that is not understood; left alone")
            return updated
        for i, (_, value) in enumerate(pairs):  # sequential updates must read what the tuple read
            if related(expr_reads(value), [access_path(t) or "" for t, _ in pairs[:i]]):
                self.notes.append("a tuple update reads a variable it also updates; left alone")
                return updated
        lines = [cst.SimpleStatementLine(body=[cst.Expr(_update(t, v))], trailing_whitespace=
                                         original.trailing_whitespace) for t, v in pairs]
        lines[0] = lines[0].with_changes(leading_lines=original.leading_lines)
        return cst.FlattenSentinel(lines)


def _pairs(node) -> Optional[list[tuple[cst.BaseExpression, cst.BaseExpression]]]:
    """(target, new value) for each variable the statement rebinds, or None."""
    if isinstance(node, cst.AugAssign):
        op = _AUG.get(type(node.operator))
        if op is None:
            return None
        if isinstance(node.operator, (cst.AddAssign, cst.SubtractAssign)):
            return [(node.target, cst.BinaryOperation(node.target, op(), node.value))]
        right = node.value if not isinstance(node.value, cst.BinaryOperation) else \
            node.value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return [(node.target, cst.BinaryOperation(node.target, op(), right))]
    if not isinstance(node, cst.Assign) or len(node.targets) != 1:
        return None
    target = node.targets[0].target
    if isinstance(target, (cst.Tuple, cst.List)):
        value = node.value
        if not isinstance(value, (cst.Tuple, cst.List)) or len(value.elements) != len(target.elements):
            return None
        if any(isinstance(e, cst.StarredElement) for e in (*target.elements, *value.elements)):
            return None
        return [(t.value, v.value) for t, v in zip(target.elements, value.elements)]
    return [(target, node.value)]


def _key(target: cst.BaseExpression) -> Optional[str]:
    """``w`` for ``w`` / ``self.w``; ``params`` for ``params[k]``."""
    if isinstance(target, cst.Subscript):
        return access_path(target.value)
    return access_path(target)


def _same(a: cst.BaseExpression, b: cst.BaseExpression) -> bool:
    return a.with_changes(lpar=[], rpar=[]).deep_equals(b.with_changes(lpar=[], rpar=[]))


def _update(target: cst.BaseExpression, value: cst.BaseExpression) -> cst.Call:
    """``w.assign_sub(d)`` for ``w - d``, ``w.assign_add(d)`` for ``w + d`` / ``d + w``,
    else ``w.assign(value)``."""
    method, arg = "assign", value
    if isinstance(value, cst.BinaryOperation) and not value.lpar:
        if isinstance(value.operator, cst.Subtract) and _same(value.left, target):
            method, arg = "assign_sub", value.right
        elif isinstance(value.operator, cst.Add) and _same(value.left, target):
            method, arg = "assign_add", value.right
        elif isinstance(value.operator, cst.Add) and _same(value.right, target):
            method, arg = "assign_add", value.left
    arg = arg.with_changes(lpar=[], rpar=[]) if arg.lpar and len(arg.lpar) == 1 else arg
    func = cst.Attribute(value=target.with_changes(lpar=[], rpar=[]), attr=cst.Name(method))
    return cst.Call(func=func, args=[cst.Arg(arg)])
