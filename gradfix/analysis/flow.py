"""Gradient tapes, their ``tape.gradient`` calls, and the gradient path of each call.

    flow = analyse(source)                   # None when the source does not parse
    for call in flow.calls:                  # every tape.gradient / jacobian call, in file order
        call.tape.line, call.sources         # ("w",) ; ("model",) for model.trainable_variables
        call.path                            # the statements the target depends on, in order
        call.first_reading("w")              # the first path statement that reads w
        call.outside_tape()                  # path statements before/after the tape on trainables

A call's *sequence* is what runs before it in its scope: statements of the enclosing blocks before
the tape's block (``outer``), those before the ``with`` in its block (``before``), the tape body
(``tape``) and those between the ``with`` and the call (``after``). The *path* is the part of the
sequence that the target depends on by def-use data flow over access paths (``access.py``).
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from typing import Iterator, Optional, Sequence, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from gradfix.analysis import budget
from gradfix.analysis.access import access, access_path, expr_reads, related
from gradfix.analysis.callees import Callees
from gradfix.analysis.names import TRAINABLE_ATTRS, Names, parse
from gradfix.analysis.nodes import calls_in, children, walk
from gradfix.errors import strict

Block = Union[cst.Module, cst.IndentedBlock, cst.SimpleStatementSuite]
REGIONS = ("outer", "before", "tape", "after")
GRADIENT_METHODS = frozenset({"gradient", "jacobian", "batch_jacobian"})


@dataclass(frozen=True)
class Stmt:
    """One statement of a call's sequence (``node`` is the original node in ``flow.module``)."""

    node: cst.CSTNode
    block: Block
    index: int  # position in block.body
    region: str  # one of REGIONS
    line: int
    reads: frozenset[str]
    writes: frozenset[str]
    kills: frozenset[str]
    trainable: bool  # reads a source or something computed from one


@dataclass(frozen=True)
class Tape:
    """One ``with tf.GradientTape(...) as name:`` item."""

    node: cst.With
    name: str
    persistent: bool
    block: Block  # the block holding the with
    index: int
    line: int
    end_line: int
    function: Optional[cst.FunctionDef]  # enclosing function, None at module level
    klass: Optional[cst.ClassDef]  # enclosing class of that function
    ctor: Optional[cst.Call] = None  # the GradientTape(...) call (in the with, or ``tape = ...`` before it)


@dataclass(frozen=True)
class GradientCall:
    node: cst.Call
    line: int
    tape: Tape
    target: cst.BaseExpression
    sources: tuple[str, ...]  # access paths; "model" for model.trainable_variables
    sequence: tuple[Stmt, ...]
    path: tuple[Stmt, ...]
    trainable: frozenset[str]  # sources and every path written from them

    def on_path(self, node: cst.CSTNode) -> bool:
        return any(s.node is node for s in self.path)

    def first_reading(self, source: str) -> Optional[Stmt]:
        """The first path statement that reads ``source`` (or the object it belongs to)."""
        return next((s for s in self.path if related(s.reads, [source])), None)

    def outside_tape(self) -> tuple[Stmt, ...]:
        """Path statements that compute from trainables but run outside the tape (definitions of
        functions and classes compute nothing)."""
        return tuple(s for s in self.path if s.region != "tape" and s.trainable
                     and not isinstance(s.node, (cst.FunctionDef, cst.ClassDef)))

    def computes_target_after_tape(self) -> bool:
        """``tape.gradient(a + b, ...)`` after the tape: the target is an operation (not a name)
        that runs when the tape no longer records, so nothing connects it to the variables."""
        if any(n is self.node for n in walk(self.tape.node.body)):
            return False
        return access_path(self.target) is None and not isinstance(
            self.target, (cst.Integer, cst.Float, cst.SimpleString, cst.Name))

    def first_matching(self, predicate) -> Optional[Stmt]:
        """The first path statement for which ``predicate(stmt)`` holds (e.g. calls NumPy)."""
        return next((s for s in self.path if predicate(s)), None)


class Flow:
    """Tapes and gradient calls of one module; keeps the wrapper so codemods transform its nodes."""

    def __init__(self, wrapper: MetadataWrapper) -> None:
        self.wrapper = wrapper
        self.module = wrapper.module
        self.names = Names(wrapper)
        self._pos = wrapper.resolve(PositionProvider)
        self.imported = _imported_names(self.module)
        self._callees = Callees(self.module)
        self._globals = _module_bindings(self.module)
        self._through: dict[tuple[int, int], frozenset[str]] = {}
        self.tapes: list[Tape] = []
        self.calls: list[GradientCall] = []
        self._walk(self.module, [], None, None)
        self.calls.sort(key=lambda c: c.line)

    def line(self, node: cst.CSTNode) -> int:
        return self._pos[node].start.line

    def focused(self, focus) -> list[GradientCall]:
        """Calls selected by a ``Focus`` (None or no lines: all)."""
        if focus is None or not focus.lines:
            return list(self.calls)
        return [c for c in self.calls if c.line in focus.lines]

    def contains_numpy(self, node: cst.CSTNode) -> bool:
        """Whether ``node`` calls NumPy or ``.numpy()`` anywhere."""
        for call in calls_in(node):
            if any(q.startswith("numpy.") for q in self.names.of(call.func)):
                return True
            if isinstance(call.func, cst.Attribute) and call.func.attr.value == "numpy":
                return True
        return False

    # ----------------------------------------------------------------------- discovery

    def _walk(self, block: Block, chain: list, function, klass) -> None:
        for i, stmt in enumerate(block.body):
            if isinstance(stmt, cst.FunctionDef):
                for child in _child_blocks(stmt):
                    self._walk(child, [], stmt, klass if function is None else None)
                continue
            if isinstance(stmt, cst.ClassDef):
                for child in _child_blocks(stmt):
                    self._walk(child, [], None, stmt)
                continue
            if isinstance(stmt, cst.With):
                for item in stmt.items:
                    tape = self._tape(stmt, item, block, i, function, klass)
                    if tape is not None:
                        self.tapes.append(tape)
                        self._bind_calls(tape, chain)
            for child in _child_blocks(stmt):
                self._walk(child, chain + [(block, i)], function, klass)

    def _tape(self, stmt, item, block, i, function, klass) -> Optional[Tape]:
        call, name = item.item, item.asname.name if item.asname is not None else None
        if isinstance(call, cst.Name) and name is None:  # tape = tf.GradientTape(); ...; with tape:
            call, name = self._made_before(block, i, call.value), call
        if not isinstance(call, cst.Call) or not self.names.is_tf(call.func, "GradientTape"):
            return None
        if not isinstance(name, cst.Name):
            return None
        persistent = any(
            a.keyword is not None and a.keyword.value == "persistent"
            and isinstance(a.value, cst.Name) and a.value.value == "True"
            for a in call.args
        )  # fmt: skip
        pos = self._pos[stmt]
        return Tape(stmt, name.value, persistent, block, i, pos.start.line,
                    pos.end.line, function, klass, call)  # fmt: skip

    @staticmethod
    def _made_before(block: Block, i: int, name: str) -> Optional[cst.BaseExpression]:
        """The value of the last ``name = value`` before statement ``i`` of ``block``."""
        for stmt in reversed(block.body[:i]):
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if (isinstance(small, cst.Assign) and len(small.targets) == 1
                        and access_path(small.targets[0].target) == name):
                    return small.value
        return None

    def _bind_calls(self, tape: Tape, chain: list) -> None:
        body = tape.node.body
        for a, stmt in enumerate(body.body):
            for call in _gradient_calls(stmt, tape.name):
                self._add_call(tape, chain, call, inside=a)
        for g in range(tape.index + 1, len(tape.block.body)):
            stmt = tape.block.body[g]
            if isinstance(stmt, cst.With) and any(
                access_path(it.asname.name if it.asname else it.item) == tape.name for it in stmt.items
            ):
                break
            for call in _gradient_calls(stmt, tape.name):
                self._add_call(tape, chain, call, after=g)

    def _add_call(self, tape, chain, call: cst.Call, inside=None, after=None) -> None:
        target, sources = _arg(call, 0, "target"), _arg(call, 1, "sources")
        if target is None or sources is None:
            return
        seq: list[tuple] = []
        for blk, j in chain:
            seq += [(blk, k, "outer") for k in range(j)]
        seq += [(tape.block, k, "before") for k in range(tape.index)]
        body = tape.node.body
        seq += [(body, k, "tape") for k in range(len(body.body) if inside is None else inside)]
        if after is not None:
            seq += [(tape.block, k, "after") for k in range(tape.index + 1, after)]
        raw = [(blk, k, region, access(blk.body[k])) for blk, k, region in seq]
        roots = self._sources(sources, raw)
        stmts, trainable = [], set(roots)
        closures = _local_functions(tape.function)
        for blk, k, region, acc in raw:
            if closures:  # ``loss = loss_fn()`` reads what the local ``def loss_fn`` reads (``output``)
                acc = acc.with_reads(_closure_reads(blk.body[k], closures))
            writes = frozenset(w for w in acc.writes if w.split(".")[0] not in self.imported)
            hot = related(acc.reads, trainable) or related(self.reads_through_calls(blk.body[k], tape.klass),
                                                            trainable)
            if hot:
                trainable |= writes
            node = blk.body[k]
            stmts.append(Stmt(node, blk, k, region, self.line(node), acc.reads, writes,
                              acc.kills, hot))  # fmt: skip
        path = _backward(stmts, expr_reads(target))
        self.calls.append(GradientCall(call, self.line(call), tape, target, tuple(roots),
                                       tuple(stmts), path, frozenset(trainable)))  # fmt: skip

    def reads_through_calls(self, node: cst.CSTNode, klass: Optional[cst.ClassDef]) -> frozenset[str]:
        """What the functions of this module that ``node`` calls read of the module's globals (a
        model built at module level) or of ``self`` (the caller's object): ``losses = task_losses(x)``
        runs ``encoder`` although the statement never names it."""
        key = (id(node), id(klass))
        if key in self._through:
            return self._through[key]
        out: set[str] = set()
        for function, owner in self._callees.of([node], klass):
            for path in expr_reads(function.body):
                root = path.split(".")[0]
                if (root in self._globals and root not in self.imported) or (
                        root == "self" and owner is not None and owner is klass):
                    out.add(path)
        self._through[key] = frozenset(out)
        return self._through[key]

    def _sources(self, expr: cst.BaseExpression, raw: list) -> list[str]:
        """Access paths of the sources, expanding names bound to what they are computed from."""
        out: list[str] = []
        todo = list(_strip_trainable(p) for p in sorted(expr_reads(expr)))
        while todo:
            path = todo.pop(0)
            if path in out or path.split(".")[0] in self.imported:
                continue
            out.append(path)
            for blk, k, _region, acc in reversed(raw):
                if path in acc.kills:
                    value = _assigned_value(blk.body[k])  # vars = [w, b]; vars = m.trainable_...
                    if value is not None and not isinstance(value, cst.Call):
                        todo += [_strip_trainable(p) for p in sorted(expr_reads(value))]
                    break
        return out


def analyse(source: Union[str, MetadataWrapper]) -> Optional[Flow]:
    """The flow of a module, or None when it does not parse or the analysis fails.

    Flows of source text are cached: every codemod and the diagnosis analyse the same text, and
    the analysis (qualified names above all) costs far more than the rewrites. A Flow and its
    libcst tree are immutable, so sharing one is safe.

    The analysis runs under ``budget.bounded`` (deep nesting is analysed like shallow code; a text
    that takes too long raises ``AnalysisTooCostly``, one clear line, in the main thread; a
    warm-up in another thread gets None and leaves the saying to the main thread's call)."""
    try:
        if isinstance(source, str):
            budget.known_failure(source)
            return _analyse_text(source)
        return budget.bounded(_analyse, source)
    except budget.AnalysisTooCostly:
        if threading.current_thread() is not threading.main_thread():
            return None
        raise


@functools.lru_cache(maxsize=64)
def _analyse_text(source: str) -> Optional[Flow]:
    try:
        return budget.bounded(_parse_and_analyse, source)
    except budget.AnalysisTooCostly as exc:
        budget.remember(source, exc)
        raise


def _parse_and_analyse(source: str) -> Optional[Flow]:
    wrapper = parse(source)
    return None if wrapper is None else _analyse(wrapper)


def _analyse(wrapper: MetadataWrapper) -> Optional[Flow]:
    try:
        return Flow(wrapper)
    except RecursionError:
        raise  # budget.bounded says it: nested too deeply even for its stack
    except Exception:  # noqa: BLE001 - unknown shapes of code: decline, never crash a codemod
        if strict():
            raise
        return None


# --------------------------------------------------------------------------- helpers


def _backward(stmts: Sequence[Stmt], needed: frozenset[str]) -> tuple[Stmt, ...]:
    need, path = set(needed), []
    for stmt in reversed(stmts):
        if related(stmt.writes, need):
            path.append(stmt)
            need = (need - stmt.kills) | stmt.reads
    return tuple(reversed(path))


def _strip_trainable(path: str) -> str:
    head, _, last = path.rpartition(".")
    return head if head and last in TRAINABLE_ATTRS else path


def _assigned_value(stmt: cst.CSTNode) -> Optional[cst.BaseExpression]:
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        stmt = stmt.body[0]
    if isinstance(stmt, (cst.Assign, cst.AnnAssign)):
        return stmt.value
    return None


def _arg(call: cst.Call, position: int, keyword: str) -> Optional[cst.BaseExpression]:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for a in call.args:
        if a.keyword is not None and a.keyword.value == keyword:
            return a.value
    return positional[position].value if len(positional) > position else None


def _child_blocks(node: cst.CSTNode) -> Iterator[Block]:
    for child in children(node):
        if isinstance(child, (cst.IndentedBlock, cst.SimpleStatementSuite)):
            yield child
        elif not isinstance(child, cst.BaseExpression):
            yield from _child_blocks(child)



def _gradient_calls(stmt: cst.CSTNode, tape_name: str) -> Iterator[cst.Call]:
    for call in calls_in(stmt):
        func = call.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in GRADIENT_METHODS
            and access_path(func.value) == tape_name
        ):
            yield call


def _module_bindings(module: cst.Module) -> frozenset[str]:
    """Names assigned at module level (``encoder = make_encoder()``)."""
    out: set[str] = set()
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else (
                    [small.target] if isinstance(small, (cst.AnnAssign, cst.AugAssign)) else [])
                for target in targets:
                    out.update(n.value for n in walk(target) if isinstance(n, cst.Name))
    return frozenset(out)


def _imported_names(module: cst.Module) -> frozenset[str]:
    names = set()
    for node in _calls_and_imports(module):
        for alias in node.names if not isinstance(node.names, cst.ImportStar) else ():
            name = alias.evaluated_alias or alias.evaluated_name
            if isinstance(node, cst.Import) or name[:1].islower():
                names.add(name.split(".")[0])
    return frozenset(names)


def _calls_and_imports(module: cst.Module) -> Iterator[Union[cst.Import, cst.ImportFrom]]:
    stack: list[cst.CSTNode] = [module]
    while stack:
        n = stack.pop()
        if isinstance(n, (cst.Import, cst.ImportFrom)):
            yield n
        elif not isinstance(n, cst.BaseExpression):
            stack.extend(children(n))


def _local_functions(function: Optional[cst.FunctionDef]) -> dict[str, cst.FunctionDef]:
    """The functions defined directly in ``function``'s body (closures), by name."""
    if function is None or not isinstance(function.body, cst.IndentedBlock):
        return {}
    return {s.name.value: s for s in function.body.body if isinstance(s, cst.FunctionDef)}


def _closure_reads(stmt: cst.CSTNode, closures: dict[str, cst.FunctionDef]) -> frozenset[str]:
    """What the closures ``stmt`` calls read (their free names, as the caller sees them)."""
    out: set[str] = set()
    for call in (n for n in walk(stmt) if isinstance(n, cst.Call)):
        function = closures.get(access_path(call.func) or "")
        if function is not None:
            params = {p.name.value for p in function.params.params}
            out |= {r for r in expr_reads(function.body) if r.split(".")[0] not in params}
    return frozenset(out)
