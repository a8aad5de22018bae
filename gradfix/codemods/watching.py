"""What the two watch codemods share: the sources of a gradient call, whether a tape already
watches one, and inserting ``tape.watch(...)`` statements into a block."""

from __future__ import annotations

import libcst as cst

from gradfix.analysis.access import access_path, expr_reads
from gradfix.analysis.bindings import WEIGHT_ATTRS, binding, sources_expr
from gradfix.analysis.flow import Flow, GradientCall
from gradfix.analysis.nodes import calls_in

Spot = tuple[int, int]  # (id of the block, index to insert before)


def source_paths(flow: Flow, call: GradientCall) -> list[str]:
    """The paths given as sources, through list/tuple bindings (``xs = [a, b]``) and list sums
    (``m.trainable_variables + [t]``); whole collections of weights (``model.trainable_variables``)
    are left out."""
    first = sources_expr(call)
    exprs = [first] if first is not None else []
    out: list[str] = []
    expanded: set[str] = set()  # names already followed to their binding (``xs = xs + [a]``)
    while exprs:
        expr = exprs.pop(0)
        if isinstance(expr, (cst.List, cst.Tuple)):
            exprs[:0] = [e.value for e in expr.elements]
            continue
        if _list_sum(expr):
            exprs[:0] = [expr.left, expr.right]
            continue
        path = access_path(expr)
        if path is None or path in out or path in expanded or _collection(path):
            continue
        found = binding(flow, call, path)
        if found is not None and (isinstance(found.value, (cst.List, cst.Tuple)) or _list_sum(found.value)):
            expanded.add(path)
            exprs.insert(0, found.value)
        else:
            out.append(path)
    return out


def _list_sum(expr: cst.CSTNode) -> bool:
    """``a + b`` where a side is a list display or a collection of weights (``m.trainable_variables
    + [t]``), not arithmetic on tensors (``alpha * real + (1 - alpha) * fake``)."""
    if not (isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add)):
        return False
    sides = (expr.left, expr.right)
    return any(isinstance(s, (cst.List, cst.Tuple)) or _list_sum(s)
               or (access_path(s) is not None and _collection(access_path(s) or "")) for s in sides)


def _collection(path: str) -> bool:
    """``model.trainable_variables``, ``layer.kernel``: weights reached through an attribute (a name
    such as ``variables`` is the user's own list)."""
    owner, _, attr = path.rpartition(".")
    return bool(owner) and attr in WEIGHT_ATTRS


def watch_calls(call: GradientCall) -> list[cst.Call]:
    """The ``tape.watch(...)`` calls in the body of the call's tape."""
    return [c for c in calls_in(call.tape.node.body)
            if isinstance(c.func, cst.Attribute) and c.func.attr.value == "watch"
            and access_path(c.func.value) == call.tape.name]  # fmt: skip


def already_watched(call: GradientCall, path: str) -> bool:
    """Whether ``tape.watch(...)`` of ``path`` already runs on this tape."""
    return any(path in expr_reads(a.value) for c in watch_calls(call) for a in c.args)


def watch_statement(tape: str, what: str) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=[cst.Expr(cst.parse_expression(f"{tape}.watch({what})"))])


class Inserter(cst.CSTTransformer):
    """Insert statements at spots (block id, index); a one-line body becomes an indented block."""

    def __init__(self, inserts: dict[Spot, list[cst.SimpleStatementLine]]) -> None:
        super().__init__()
        self.inserts = inserts

    def leave_IndentedBlock(self, original, updated):
        return self._apply(original, updated)

    def leave_Module(self, original, updated):
        return self._apply(original, updated)

    def leave_SimpleStatementSuite(self, original, updated):
        spots = [k for k in self.inserts if k[0] == id(original)]
        if not spots:
            return updated
        line = cst.SimpleStatementLine(body=updated.body, trailing_whitespace=updated.trailing_whitespace)
        block = cst.IndentedBlock(body=[line])  # the one-line body's trailing comment stays on it
        return self._apply(original, block)

    def _apply(self, original, updated):
        body = list(updated.body)
        for index in sorted((i for b, i in self.inserts if b == id(original)), reverse=True):
            body[index:index] = self.inserts[(id(original), index)]
        return updated.with_changes(body=body)
