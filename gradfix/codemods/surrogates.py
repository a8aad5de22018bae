"""What ``straight-through`` and ``soft-surrogate`` share: a transformer that rewrites calls inside
the gradient regions (``analysis.regions``), never inside ``tf.stop_gradient``, and builds
``soft + tf.stop_gradient(hard - soft)`` with operands evaluated once (an impure operand such as a
layer call is first bound to a fresh name in a statement of its own)."""

from __future__ import annotations

from typing import Optional, Union

import libcst as cst

from gradfix.analysis.access import related
from gradfix.analysis.flow import Flow
from gradfix.analysis.names import tf_attr
from gradfix.analysis.nodes import walk
from gradfix.analysis.ops import bindings, integer_uses, op_of, pure
from gradfix.analysis.regions import tensor_reads

_SCOPES = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.Lambda)
_LOOSE = (cst.Add, cst.Subtract, cst.BitOr, cst.BitAnd, cst.BitXor, cst.LeftShift, cst.RightShift)


class RegionTransformer(cst.CSTTransformer):
    """Calls ``self.replace(original, updated)`` for every call that reads a tensor-derived value
    inside a region; subclasses return the new expression or None."""

    def __init__(self, flow: Flow, regions: dict[int, frozenset[str]], spelling: str) -> None:
        super().__init__()
        self.flow, self.names, self.regions, self.tf = flow, flow.names, regions, spelling
        self.integers = integer_uses(flow.names, flow.module)
        self.scopes: list[cst.CSTNode] = [flow.module]  # enclosing functions, innermost last
        self.classes: list[cst.ClassDef] = []
        self._bindings: dict[int, dict] = {}
        self.taken = {n.value for n in walk(flow.module) if isinstance(n, cst.Name)}
        self.stack: list[frozenset[str]] = []
        self.stopped = self.scoped = 0
        self.hoists: list[list[cst.SimpleStatementLine]] = []
        self.made: set[int] = set()
        self.changed = False
        self.notes: list[str] = []

    def replace(self, original: cst.Call, updated: cst.Call) -> Optional[cst.BaseExpression]:
        raise NotImplementedError

    # ----------------------------------------------------------------------- walking

    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self.regions:
            self.stack.append(self.regions[id(node)])
        self.stopped += self._stops(node)
        self.scoped += isinstance(node, _SCOPES)
        if isinstance(node, cst.FunctionDef):
            self.scopes.append(node)
        if isinstance(node, cst.ClassDef):
            self.classes.append(node)
        if isinstance(node, cst.SimpleStatementLine):
            self.hoists.append([])
        return super().on_visit(node)

    def on_leave(self, original, updated):
        result = super().on_leave(original, updated)
        if id(original) in self.regions:
            self.stack.pop()
        self.stopped -= self._stops(original)
        self.scoped -= isinstance(original, _SCOPES)
        if isinstance(original, cst.FunctionDef):
            self.scopes.pop()
        if isinstance(original, cst.ClassDef):
            self.classes.pop()
        if isinstance(original, cst.SimpleStatementLine):
            hoisted = self.hoists.pop()
            if hoisted and isinstance(result, cst.SimpleStatementLine):
                first = hoisted[0].with_changes(leading_lines=result.leading_lines)
                return cst.FlattenSentinel([first, *hoisted[1:], result.with_changes(leading_lines=())])
        return result

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not self.stack or self.stopped or id(original) in self.integers:
            return updated
        if not related(tensor_reads(self.names, original), self.stack[-1]) and not related(
                self.flow.reads_through_calls(original, self.classes[-1] if self.classes else None), self.stack[-1]):
            return updated  # neither it nor a function of this module it calls reads the region's tensors
        new = self.replace(original, updated)
        if new is None or _comments(updated) - _comments(new):
            return updated  # a replacement that would drop a comment inside the call is not made
        self.changed = True
        return new

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        return updated.with_changes(value=self._bare(updated.value))

    def leave_Return(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        return updated.with_changes(value=self._bare(updated.value)) if updated.value else updated

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(value=self._bare(updated.value))

    def _stops(self, node: cst.CSTNode) -> bool:
        if not isinstance(node, cst.Call):
            return False
        found = op_of(self.names, node)
        return bool(found and found.name == "stop_gradient")

    def _bare(self, value: cst.BaseExpression) -> cst.BaseExpression:
        if id(value) in self.made:  # a straight-through sum needs no parentheses here
            return value.with_changes(lpar=(), rpar=())
        return value

    # ----------------------------------------------------------------------- building

    def stable(self, expr: cst.BaseExpression, walrus: bool = False) -> Optional[cst.BaseExpression]:
        """``expr`` when evaluating it twice is harmless, else a fresh name bound to it just before
        the statement; inside a lambda or a comprehension, where no statement can take it, a
        ``(name := expr)`` when the caller (``walrus``) places it first and reads ``name`` after
        (``straight``), else None."""
        if pure(self.names, expr):
            return expr
        if self.scoped or not self.hoists:
            if walrus:
                return cst.NamedExpr(target=cst.Name(self.fresh("st_input")), value=expr.with_changes(lpar=(), rpar=()),
                                     lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            self.notes.append("an operand with side effects (a layer call?) could not be evaluated once")
            return None
        return self.named(expr, "st_input")

    def named(self, expr: cst.BaseExpression, base: str) -> cst.BaseExpression:
        """A fresh name bound to ``expr`` just before the statement, where a statement can take it
        (else ``expr`` itself)."""
        if self.scoped or not self.hoists:
            return expr
        name = self.fresh(base)
        assign = cst.Assign([cst.AssignTarget(cst.Name(name))], expr.with_changes(lpar=(), rpar=()))
        self.hoists[-1].append(cst.SimpleStatementLine([assign]))
        return cst.Name(name)

    def bound(self) -> dict[str, list[Optional[cst.BaseExpression]]]:
        """Bindings of each name in the innermost enclosing function (or the module)."""
        scope = self.scopes[-1]
        if id(scope) not in self._bindings:
            self._bindings[id(scope)] = bindings(scope)
        return self._bindings[id(scope)]

    def value_of(self, name: cst.BaseExpression) -> Optional[cst.BaseExpression]:
        """What a name bound once in this scope, by a plain assignment, holds."""
        values = self.bound().get(name.value, []) if isinstance(name, cst.Name) else []
        return values[0] if len(values) == 1 else None

    def settled(self, expr: cst.BaseExpression) -> bool:
        """``expr`` may be repeated in another statement: pure, and no name it reads is rebound."""
        names = [n.value for n in walk(expr) if isinstance(n, cst.Name)]
        return pure(self.names, expr) and all(len(self.bound().get(n, ())) <= 1 for n in names)

    def fresh(self, base: str) -> str:
        name, i = base, 1
        while name in self.taken:
            name, i = f"{base}{i}", i + 1
        self.taken.add(name)
        return name

    def op(self, dotted: str, *args: cst.BaseExpression, **keywords: cst.BaseExpression) -> cst.Call:
        eq = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
        every = [cst.Arg(a) for a in args]
        every += [cst.Arg(v, keyword=cst.Name(k), equal=eq) for k, v in keywords.items()]
        return cst.Call(tf_attr(self.tf, dotted), every)

    def straight(self, soft: cst.BaseExpression, hard: cst.BaseExpression) -> cst.BaseExpression:
        """``(soft + tf.stop_gradient(hard - soft))``: the value of ``hard``, the gradient of ``soft``.
        A ``(name := x)`` soft is evaluated there, first; ``hard`` and the difference read ``name``."""
        if isinstance(soft, cst.NamedExpr):
            name = soft.target
            hard = hard.visit(_Unname(name.value))
            difference = cst.BinaryOperation(hard, cst.Subtract(), name)
            total = cst.BinaryOperation(soft, cst.Add(), self.op("stop_gradient", difference))
            total = total.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            self.made.add(id(total))
            return total
        difference = cst.BinaryOperation(hard, cst.Subtract(), operand(soft, right=True))
        total = cst.BinaryOperation(operand(soft), cst.Add(), self.op("stop_gradient", difference))
        total = total.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        self.made.add(id(total))
        return total


def _comments(node: cst.CSTNode) -> set[str]:
    return {n.value for n in walk(node) if isinstance(n, cst.Comment)}


def operand(expr: cst.BaseExpression, right: bool = False) -> cst.BaseExpression:
    """``expr`` parenthesised where ``+``/``-`` would bind it wrongly."""
    loose: Union[bool, tuple] = isinstance(expr, (cst.Comparison, cst.BooleanOperation, cst.IfExp,
                                                  cst.Lambda, cst.NamedExpr))
    if isinstance(expr, cst.BinaryOperation):
        loose = isinstance(expr.operator, _LOOSE[2:]) or (right and isinstance(expr.operator, _LOOSE[:2]))
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
        loose = True
    if loose and not expr.lpar:
        return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return expr


class _Unname(cst.CSTTransformer):
    """``(name := x)`` -> ``name`` (its value is bound where the straight-through sum starts)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def leave_NamedExpr(self, original: cst.NamedExpr, updated: cst.NamedExpr) -> cst.BaseExpression:
        if isinstance(updated.target, cst.Name) and updated.target.value == self.name:
            return cst.Name(self.name)
        return updated
