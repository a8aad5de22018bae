"""Compute a tensor derived from a layer's variables when it is read, not once at build time.

``self.kernel = tf.concat([self.w_left, self.w_right], axis=1)`` in ``build``/``__init__`` runs
once, before any tape records: ``self.kernel`` is a constant from then on, so the variables behind
it get no gradient (and never change what the layer computes). Turning the attribute into a
property evaluates the same expression at every read, inside whatever tape is recording."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access_path
from gradfix.analysis.flow import analyse
from gradfix.analysis.nodes import walk
from gradfix.codemods.base import Codemod, Example, Focus, Rewrite, Unchanged, declined, finished
from gradfix.codemods.build_once import made_variable
from gradfix.errors import strict
from gradfix.types import Cause, Safety

_SETUP_METHODS = frozenset({"__init__", "build", "setup"})


class DerivedProperty(Codemod):
    NAME = "derived-property"
    DESCRIPTION = ("Turn an attribute computed once from a layer's variables (in build/__init__) into a "
                   "property, so it is computed again inside the tape")
    CAUSES = (Cause.LOSS_DISCONNECTED, Cause.OUTSIDE_TAPE, Cause.NO_VARIABLES)
    SAFETY = Safety.SAFE  # the same expression of the same variables, evaluated at each read
    EXAMPLES = (
        Example(
            title="a kernel concatenated from two weights in build",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                class BlockDense(tf.keras.layers.Layer):
                    def build(self, input_shape):
                        d = input_shape[-1]
                        self.left = self.add_weight(shape=(d, 2))
                        self.right = self.add_weight(shape=(d, 2))
                        self.kernel = tf.concat([self.left, self.right], axis=1)

                    def call(self, x):
                        return tf.matmul(x, self.kernel)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                class BlockDense(tf.keras.layers.Layer):
                    def build(self, input_shape):
                        d = input_shape[-1]
                        self.left = self.add_weight(shape=(d, 2))
                        self.right = self.add_weight(shape=(d, 2))

                    @property
                    def kernel(self):
                        return tf.concat([self.left, self.right], axis=1)

                    def call(self, x):
                        return tf.matmul(x, self.kernel)
                """
            ),
        ),
        Example(
            title="a Module from a from-import whose normalised weight is made in __init__",
            before=textwrap.dedent(
                """\
                from tensorflow import Module, Variable, norm, ones
                class Scaled(Module):
                    def __init__(self, n):
                        super().__init__()
                        self.v = Variable(ones([n, 1]))
                        self.g = Variable(1.0)
                        self.w = self.g * self.v / norm(self.v)  # weight normalisation

                    def __call__(self, x):
                        return x @ self.w
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import Module, Variable, norm, ones
                class Scaled(Module):
                    def __init__(self, n):
                        super().__init__()
                        self.v = Variable(ones([n, 1]))
                        self.g = Variable(1.0)

                    @property
                    def w(self):
                        return self.g * self.v / norm(self.v)  # weight normalisation

                    def __call__(self, x):
                        return x @ self.w
                """
            ),
        ),
        Unchanged(
            title="a value of a local, a variable itself, an attribute written again elsewhere",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                class Layer(tf.keras.layers.Layer):
                    def build(self, input_shape):
                        d = input_shape[-1]
                        self.w = self.add_weight(shape=(d, 1))
                        self.scale = d * self.w
                        self.alias = self.w
                        self.count = tf.reduce_sum(self.w)

                    def call(self, x):
                        self.count = self.count + 1
                        return x @ self.scale + self.alias
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        moves: dict[int, tuple[int, str, cst.BaseExpression]] = {}  # id(stmt) -> (id(method), attr, expr)
        for klass in (n for n in walk(flow.module) if isinstance(n, cst.ClassDef)):
            moves.update(_derived(flow, klass))
        if not moves:
            return declined(source)
        try:
            module = flow.module.visit(_Move(moves))
        except Exception as error:  # noqa: BLE001 - decline on shapes we did not foresee
            if strict():
                raise
            return declined(source, f"could not rewrite: {error}")
        names = ", ".join(f"self.{attr}" for _, attr, _ in moves.values())
        return finished(source, module.code, (f"{names} now computed from the variables at every read",))


def _methods(klass: cst.ClassDef) -> list[cst.FunctionDef]:
    return [m for m in klass.body.body if isinstance(m, cst.FunctionDef) and isinstance(m.body, cst.IndentedBlock)]


def _derived(flow, klass: cst.ClassDef) -> dict[int, tuple[int, str, cst.BaseExpression]]:
    methods = _methods(klass)
    variables = {made_variable(flow, s) for m in methods for s in m.body.body} - {None}
    if not variables:
        return {}
    written: dict[str, int] = {}
    for node in walk(klass):
        if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign)):
            path = access_path(node.target)
            if path and path.startswith("self.") and path.count(".") == 1:
                written[path[5:]] = written.get(path[5:], 0) + 1
    defined = {m.name.value for m in methods}
    out = {}
    for method in methods:
        if method.name.value not in _SETUP_METHODS:
            continue
        local = _locals(method)
        for stmt in method.body.body:
            found = _self_assign(stmt)
            if found is None:
                continue
            attr, value = found
            if attr in variables or attr in defined or written.get(attr) != 1 or made_variable(flow, stmt):
                continue
            reads = _reads(value)
            if not any(r.startswith("self.") and r[5:] in variables for r in reads):
                continue
            if any(r.split(".")[0] in local for r in reads) or not _read_elsewhere(klass, method, attr):
                continue
            if any(isinstance(n, (cst.Lambda, cst.Await, cst.Yield, cst.NamedExpr)) for n in walk(value)):
                continue
            if access_path(value) is not None:  # an alias of a variable, not a computation
                continue
            out[id(stmt)] = (id(method), attr, value)
    return out


def _self_assign(stmt: cst.CSTNode) -> Optional[tuple[str, cst.BaseExpression]]:
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
            and isinstance(stmt.body[0], cst.Assign) and len(stmt.body[0].targets) == 1):
        return None
    path = access_path(stmt.body[0].targets[0].target)
    if path is None or not path.startswith("self.") or path.count(".") != 1:
        return None
    return path[5:], stmt.body[0].value


def _locals(method: cst.FunctionDef) -> set[str]:
    """Parameters other than ``self`` and names bound in the method's body."""
    params = method.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    every += [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    names = {p.name.value for p in every} - {"self"}
    for node in walk(method.body):
        if isinstance(node, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor)):
            names |= _bound(node.target)
        elif isinstance(node, cst.AsName):
            names |= _bound(node.name)
    return names


def _bound(target: cst.BaseExpression) -> set[str]:
    """Plain names a target binds (``a``, ``a, (b, c)``), not attributes or subscripts."""
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return {n for e in target.elements for n in _bound(e.value)}
    if isinstance(target, cst.StarredElement):
        return _bound(target.value)
    return set()


def _reads(value: cst.BaseExpression) -> set[str]:
    """Dotted names read by ``value`` (``self.w``, ``tf.concat``, ``d``); keyword names excluded."""
    out: set[str] = set()
    skip: set[int] = set()
    for node in walk(value):
        if id(node) in skip:
            continue
        if isinstance(node, cst.Arg) and node.keyword is not None:
            skip.add(id(node.keyword))
        if isinstance(node, cst.Attribute):
            path = access_path(node)
            if path is not None:
                out.add(".".join(path.split(".")[:2]))
                skip |= {id(n) for n in walk(node)}
                continue
            skip.add(id(node.attr))
        if isinstance(node, cst.Name):
            out.add(node.value)
    return out


def _read_elsewhere(klass: cst.ClassDef, method: cst.FunctionDef, attr: str) -> bool:
    return any(isinstance(n, cst.Attribute) and access_path(n) == f"self.{attr}"
               for other in _methods(klass) if other is not method for n in walk(other))


class _Move(cst.CSTTransformer):
    """Removes each moved assignment and adds its property after the method that held it."""

    def __init__(self, moves: dict[int, tuple[int, str, cst.BaseExpression]]) -> None:
        super().__init__()
        self.moves = moves
        self.by_method: dict[int, list[tuple[str, cst.BaseExpression, cst.SimpleStatementLine]]] = {}

    def leave_SimpleStatementLine(self, original, updated):
        move = self.moves.get(id(original))
        if move is None:
            return updated
        method, attr, _ = move
        self.by_method.setdefault(method, []).append((attr, updated.body[0].value, updated))
        return cst.RemoveFromParent()

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        if isinstance(updated.body, cst.IndentedBlock) and not updated.body.body:
            return updated.with_changes(body=updated.body.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])]))
        return updated

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        body = []
        for old, new in zip(original.body.body, updated.body.body):
            body.append(new)
            for attr, value, line in self.by_method.pop(id(old), []):
                ret = cst.SimpleStatementLine([cst.Return(value)], trailing_whitespace=line.trailing_whitespace)
                body.append(cst.FunctionDef(
                    name=cst.Name(attr),
                    params=cst.Parameters([cst.Param(cst.Name("self"))]),
                    body=cst.IndentedBlock([ret]),
                    decorators=[cst.Decorator(cst.Name("property"))],
                    leading_lines=[cst.EmptyLine(indent=False)],
                ))
        return updated.with_changes(body=updated.body.with_changes(body=body))
