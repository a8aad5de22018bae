"""What a statement reads and writes, as access paths: ``"w"``, ``"self.w"``, ``"model"``.

Paths are compared by prefix (``related``): a write to ``self.w`` matters to a read of ``self`` and
the other way round. The analysis over-approximates: method calls that look like mutations
(``buf[3].assign(x)``, ``losses.append(l)``) write their receiver; callers drop writes to
imported modules (``np.append`` is a function, not a mutation of ``np``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

import libcst as cst

MUTATORS = frozenset(
    {
        "assign", "assign_add", "assign_sub", "scatter_update", "scatter_nd_update",
        "scatter_nd_add", "scatter_nd_sub", "scatter_add", "scatter_sub", "append", "extend",
        "insert", "update", "add", "pop", "clear", "remove", "setdefault", "write",
        "update_state", "reset_state", "reset_states",
    }
)  # fmt: skip


def access_path(node: cst.CSTNode) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = access_path(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def base_path(node: cst.CSTNode) -> Optional[str]:
    """The path under subscripts: ``buf`` for ``buf[3]``, ``self.h`` for ``self.h[i][j]``."""
    while isinstance(node, cst.Subscript):
        node = node.value
    return access_path(node)


def related(a: Iterable[str], b: Iterable[str]) -> bool:
    """True when a path of ``a`` equals, contains or lies inside a path of ``b``."""
    b = tuple(b)
    for x in a:
        for y in b:
            if x == y or x.startswith(y + ".") or y.startswith(x + "."):
                return True
    return False


@dataclass(frozen=True)
class Access:
    reads: frozenset[str]
    writes: frozenset[str]
    kills: frozenset[str]  # paths this statement surely rebinds (plain assignment targets)

    def with_reads(self, more: frozenset[str]) -> "Access":
        return self if not more else Access(self.reads | more, self.writes, self.kills)


class _Collector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.reads: set[str] = set()
        self.writes: set[str] = set()
        self.kills: set[str] = set()

    # -- reads
    def visit_Name(self, node: cst.Name) -> bool:
        self.reads.add(node.value)
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        path = access_path(node)
        if path:
            self.reads.add(path)
        else:
            node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False

    def visit_Param(self, node: cst.Param) -> bool:
        if node.default is not None:
            node.default.visit(self)
        return False

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute):
            receiver = base_path(func.value)
            if receiver and func.attr.value in MUTATORS:
                self.writes.add(receiver)

    # -- writes
    def _target(self, target: cst.BaseExpression, kill: bool) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._target(element.value, kill)
        elif isinstance(target, cst.StarredElement):
            self._target(target.value, kill)
        elif isinstance(target, cst.Subscript):
            path = base_path(target.value)
            if path:
                self.writes.add(path)
                self.reads.add(path)
            target.value.visit(self)
            for element in target.slice:
                element.visit(self)
        else:
            path = access_path(target)
            if path:
                self.writes.add(path)
                if kill:
                    self.kills.add(path)
            elif isinstance(target, cst.Attribute):
                target.value.visit(self)

    def visit_Assign(self, node: cst.Assign) -> bool:
        for t in node.targets:
            self._target(t.target, kill=True)
        node.value.visit(self)
        return False

    def visit_AnnAssign(self, node: cst.AnnAssign) -> bool:
        if node.value is not None:
            self._target(node.target, kill=True)
            node.value.visit(self)
        return False

    def visit_AugAssign(self, node: cst.AugAssign) -> bool:
        self._target(node.target, kill=False)
        node.target.visit(self)
        node.value.visit(self)
        return False

    def visit_NamedExpr(self, node: cst.NamedExpr) -> bool:
        self._target(node.target, kill=False)
        node.value.visit(self)
        return False

    def visit_For(self, node: cst.For) -> bool:
        self._target(node.target, kill=False)
        return True

    def visit_CompFor(self, node: cst.CompFor) -> bool:
        node.iter.visit(self)
        for inner in (node.ifs, [node.inner_for_in] if node.inner_for_in else []):
            for n in inner:
                n.visit(self)
        return False

    def visit_WithItem(self, node: cst.WithItem) -> bool:
        node.item.visit(self)
        if node.asname is not None:
            self._target(node.asname.name, kill=False)
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.writes.add(node.name.value)
        return True

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.writes.add(node.name.value)
        return True

    def visit_ImportAlias(self, node: cst.ImportAlias) -> bool:
        name = node.evaluated_alias or node.evaluated_name
        self.writes.add(name.split(".")[0])
        return False

    def visit_Del(self, node: cst.Del) -> bool:
        self._target(node.target, kill=False)
        return False


def access(node: cst.CSTNode) -> Access:
    """Reads, writes and kills of a statement (kills only for simple, unconditional ones)."""
    collector = _Collector()
    node.visit(collector)
    simple = isinstance(node, (cst.SimpleStatementLine, cst.BaseSmallStatement))
    kills = frozenset(collector.kills) if simple else frozenset()
    return Access(frozenset(collector.reads), frozenset(collector.writes), kills)


def expr_reads(node: cst.CSTNode) -> frozenset[str]:
    """The paths an expression reads."""
    collector = _Collector()
    node.visit(collector)
    return frozenset(collector.reads)
