"""Whether statements of an enclosing block (before the loop that holds a tape) may move to the
top of the tape body.

    line = outer_conflict(flow, call, moved, before)   # None: moving ``moved`` keeps the meaning

Moving ``pred = model(x)`` from before ``for epoch in ...:`` into the tape makes it run on every
step instead of once. The first step computes the same value provided nothing that runs between
the old and the new place reads what it writes or writes what it reads (statements before the tape
in the loop, the loop header), and nothing after the loop reads what it writes (the value there
would be the last step's instead of the first one's).
"""

from __future__ import annotations

from typing import Iterable, Optional

import libcst as cst

from gradfix.analysis.access import access, expr_reads, related
from gradfix.analysis.bindings import enclosing
from gradfix.analysis.flow import Flow, GradientCall, Stmt
from gradfix.analysis.nodes import children, walk
from gradfix.errors import strict


def outer_conflict(flow: Flow, call: GradientCall, moved: list[Stmt], before: Iterable[int]) -> Optional[int]:
    """The line of a statement that moving ``moved`` (``outer`` statements of ``call``) to the top
    of the tape body would reorder against, if any. ``before``: indices of the tape's block that
    move too. Code it cannot follow counts as a conflict at the tape."""
    if not moved:
        return None
    try:
        return _conflict(flow, call, moved, set(before))
    except Exception:  # noqa: BLE001 - unknown shapes of code: keep the statements where they are
        if strict():
            raise
        return call.tape.line


def _conflict(flow: Flow, call: GradientCall, moved: list[Stmt], before: set[int]) -> Optional[int]:
    tape_block = call.tape.block
    moving = {id(s.node) for s in moved} | {id(tape_block.body[i]) for i in before}
    scope = call.tape.function.body if call.tape.function is not None else flow.module
    chain = enclosing(scope, call.tape.node)
    for m in moved:
        position = next(k for k, s in enumerate(call.sequence) if s.node is m.node)
        for other in call.sequence[position + 1:]:
            if other.region in ("outer", "before") and id(other.node) not in moving and _clash(
                other.reads, other.writes, m
            ):
                return other.line
        inner = [c for c in chain if any(n is c for n in walk(m.block))]
        for compound in inner:
            reads, writes = _header(compound)
            if _clash(reads, writes, m):
                return flow.line(compound)
        skip = {id(s.node) for s in call.sequence} | {id(call.tape.node)}
        skip |= {id(n) for n in tape_block.body[call.tape.index + 1:]}
        found = _later_reader(flow, scope, skip, {id(c) for c in chain}, m)
        if found is not None:
            return found
    return None


def _later_reader(flow: Flow, scope: cst.CSTNode, skip: set[int], chain: set[int], m: Stmt) -> Optional[int]:
    """A statement outside the sequence, the tape and the rest of the tape's block that reads
    what ``m`` writes (compound statements: their headers)."""
    stack: list[cst.CSTNode] = [scope]
    while stack:
        n = stack.pop()
        if id(n) in skip:
            continue
        if isinstance(n, cst.SimpleStatementLine):
            if related(access(n).reads, m.writes):
                return flow.line(n)
            continue
        if isinstance(n, cst.BaseCompoundStatement) and id(n) not in chain:
            if related(_header(n)[0], m.writes):
                return flow.line(n)
        stack.extend(children(n))
    return None


def _header(compound: cst.CSTNode) -> tuple[frozenset[str], frozenset[str]]:
    """What the header of a compound statement reads and writes (loop target, with-as names)."""
    if isinstance(compound, cst.For):
        return expr_reads(compound.iter), expr_reads(compound.target)
    if isinstance(compound, (cst.While, cst.If)):
        return expr_reads(compound.test), frozenset()
    if isinstance(compound, cst.With):
        reads = frozenset().union(*(expr_reads(it.item) for it in compound.items))
        names = [it.asname.name for it in compound.items if it.asname is not None]
        return reads, frozenset().union(*(expr_reads(n) for n in names))
    return frozenset(), frozenset()


def _clash(reads: frozenset[str], writes: frozenset[str], moved: Stmt) -> bool:
    return related(reads, moved.writes) or related(writes, moved.reads | moved.writes)
