"""Writes into buffer variables inside a tape, and their rewrite into a tensor (scatter-to-mask).

A *buffer* is a variable that is not a source of the gradient call; writing a value computed from
the sources into it (``buf.assign(f(w))``, ``buf[i].assign(x)``, ``buf.scatter_nd_update(...)``,
``tf.compat.v1.scatter_update(buf, ...)``) and then reading ``buf`` cuts the tape. The rewrite keeps
a tensor ``buf_t`` instead: every write becomes ``buf_t = <new value>`` (``tf.tensor_scatter_nd_*``
for indexed writes, differentiable on TF 2.21) and every later read of ``buf`` in the tape reads
``buf_t``, and so does a gradient call whose target is the buffer. The variable is updated once at
the end (``buf.assign(buf_t)``) only when the program reads it outside the tape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access, access_path, base_path, expr_reads, related
from gradfix.analysis.flow import Flow, GradientCall
from gradfix.analysis.names import tf_attr, tf_spelling
from gradfix.analysis.nodes import fresh_name, naming_names, parenthesize, walk

_METHODS = {
    "assign": None, "assign_add": "add", "assign_sub": "sub",
    "scatter_nd_update": "update", "scatter_nd_add": "add", "scatter_nd_sub": "sub",
}  # fmt: skip
_FUNCTIONS = {  # tf.compat.v1.<name>(ref, indices, updates) -> (kind, indices are along axis 0)
    "scatter_update": ("update", True), "scatter_add": ("add", True), "scatter_sub": ("sub", True),
    "scatter_nd_update": ("update", False), "scatter_nd_add": ("add", False),
    "scatter_nd_sub": ("sub", False),
}  # fmt: skip


@dataclass(frozen=True)
class BufferWrite:
    buffer: str  # access path of the variable written
    node: cst.Call  # the write call (original node)
    line: int


def _write_target(flow: Flow, call: cst.Call) -> Optional[str]:
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in _METHODS:
        if func.attr.value.startswith("scatter") and isinstance(func.value, cst.Subscript):
            return None
        return base_path(func.value)
    for q in flow.names.of(func):
        name = q.removeprefix("tensorflow.compat.v1.")
        if name in _FUNCTIONS and q != name and call.args:
            return access_path(call.args[0].value)
    return None


def find_writes(flow: Flow, call: GradientCall) -> list[BufferWrite]:
    """Writes of trainable values into non-source variables in the tape, before the call."""
    out = []
    for stmt in call.sequence:
        if stmt.region != "tape":
            continue
        for node in walk(stmt.node):
            if not (isinstance(node, cst.Expr) and isinstance(node.value, cst.Call)):
                continue
            buffer = _write_target(flow, node.value)
            if buffer is None or buffer in call.sources:
                continue
            if related(expr_reads(node.value) - {buffer}, call.trainable - {buffer}):
                out.append(BufferWrite(buffer, node.value, flow.line(node)))
    return out


class Buffers(cst.CSTTransformer):
    """Rewrite every write into ``buffer`` in ``call``'s tape and the reads that follow."""

    def __init__(self, flow: Flow, call: GradientCall, buffer: str) -> None:
        super().__init__()
        self.flow, self.call, self.buffer = flow, call, buffer
        self.tf = tf_spelling(flow.module)
        self.body = call.tape.node.body
        self.tensor = fresh_name(flow.module, buffer.rpartition(".")[2] + "_t")
        tops = [i for i, s in enumerate(self.body.body) if self._writes_in(s)]
        self.first, self.last = (tops[0], tops[-1]) if tops else (-1, -1)
        self.tops = {id(s) for s in self.body.body[self.first:]} if tops else set()
        self.active = 0
        self.skip: set[int] = set()
        self.writes = self.replaced = 0
        self.failed = False

    def rewrite(self) -> Optional[cst.Module]:
        if self.first < 0 or not isinstance(self.body, cst.IndentedBlock):
            return None
        module = self.flow.module.visit(self)
        if self.failed or self.replaced <= self.writes:
            return None  # nothing reads the buffer afterwards: not our business
        return module

    def _writes_in(self, node: cst.CSTNode) -> bool:
        return any(
            isinstance(n, cst.Call) and _write_target(self.flow, n) == self.buffer
            for n in walk(node)
        )

    # -- where we rewrite: the tape body from the first write on
    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self.tops:
            self.active += 1
        self.skip.update(id(n) for n in naming_names(node))
        return super().on_visit(node)

    def on_leave(self, original, updated):
        result = super().on_leave(original, updated)
        if id(original) in self.tops:
            self.active -= 1
        return result

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self._read(original, updated)

    def leave_Attribute(self, original, updated):
        return self._read(original, updated)

    def _read(self, original, updated):
        """A read of the buffer in the tape from its first write on, or the buffer as the target of
        the gradient call (an accumulated loss: ``total.assign_add(l)``, ``tape.gradient(total, ...)``)."""
        reading = self.active or original is self.call.target
        if reading and id(original) not in self.skip and access_path(original) == self.buffer:
            self.replaced += 1
            return cst.Name(self.tensor)
        return updated

    def leave_AssignTarget(self, original, updated):
        if self.active and related([access_path(original.target) or ""], [self.buffer]):
            self.failed = True  # the buffer itself is rebound in the tape
        return updated

    def leave_Expr(self, original: cst.Expr, updated: cst.Expr):
        if not (self.active and isinstance(original.value, cst.Call)):
            return updated
        if _write_target(self.flow, original.value) != self.buffer:
            return updated
        self.writes += 1
        value = self._new_value(original.value, updated.value)
        if value is None:
            self.failed = True
            return updated
        return cst.Assign(targets=[cst.AssignTarget(cst.Name(self.tensor))], value=value)

    def leave_IndentedBlock(self, original, updated):
        if original is not self.body:
            return updated
        body = list(updated.body)
        if self._reads_outside():
            body.insert(self.last + 1, self._statement(f"{self.buffer}.assign({self.tensor})"))
        if self._needs_init():
            body.insert(self.first, self._statement(f"{self.tensor} = {self.tf}.identity({self.buffer})"))
        return updated.with_changes(body=body)

    # -- helpers
    def _new_value(self, original: cst.Call, updated: cst.Call) -> Optional[cst.BaseExpression]:
        values = [a.value for a in updated.args]
        if any(a.keyword is not None or a.star for a in updated.args):
            return None
        t = cst.Name(self.tensor)
        func = original.func
        if isinstance(func, cst.Attribute) and func.attr.value in _METHODS:
            kind, receiver = _METHODS[func.attr.value], func.value
            if isinstance(receiver, cst.Subscript):
                indices = _indices(receiver)
                if indices is None or len(values) != 1:
                    return None
                index = cst.List([cst.Element(cst.List([cst.Element(i) for i in indices]))])
                return self._scatter(kind or "update", t, index, cst.List([cst.Element(values[0])]))
            if func.attr.value.startswith("scatter"):
                return self._scatter(kind, t, values[0], values[1]) if len(values) == 2 else None
            if len(values) != 1:
                return None
            if kind is None:
                return values[0]
            op = cst.Add() if kind == "add" else cst.Subtract()
            return cst.BinaryOperation(t, op, parenthesize(values[0]))
        for q in self.flow.names.of(func):
            spec = _FUNCTIONS.get(q.removeprefix("tensorflow.compat.v1."))
            if spec is not None and len(values) == 3:
                kind, along_axis0 = spec
                indices = values[1]
                if along_axis0:
                    indices = self._tf_call("expand_dims", [indices, cst.Integer("-1")])
                return self._scatter(kind, t, indices, values[2])
        return None

    def _scatter(self, kind, tensor, indices, updates) -> cst.Call:
        return self._tf_call(f"tensor_scatter_nd_{kind}", [tensor, indices, updates])

    def _tf_call(self, name: str, args: list) -> cst.Call:
        return cst.Call(tf_attr(self.tf, name), [cst.Arg(a) for a in args])

    def _statement(self, code: str) -> cst.SimpleStatementLine:
        return cst.parse_statement(code)  # type: ignore[return-value]

    def _needs_init(self) -> bool:
        stmt = self.body.body[self.first]
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            expr = stmt.body[0]
            if isinstance(expr, cst.Expr) and isinstance(expr.value, cst.Call):
                func = expr.value.func
                plain = isinstance(func, cst.Attribute) and func.attr.value == "assign"
                if plain and access_path(func.value) == self.buffer:
                    return related(expr_reads(expr.value.args[0].value), [self.buffer])
        return True

    def _reads_outside(self) -> bool:
        tape = self.call.tape.node
        for node in walk(self.flow.module, stop=tape):
            if isinstance(node, cst.SimpleStatementLine):
                acc = access(node)
                if related(acc.reads, [self.buffer]):
                    return True
        return False


def _indices(subscript: cst.Subscript) -> Optional[list[cst.BaseExpression]]:
    """``[i, j]`` for ``buf[i][j]`` or ``buf[i, j]``; None for slices."""
    out: list[cst.BaseExpression] = []
    node: cst.BaseExpression = subscript
    while isinstance(node, cst.Subscript):
        elements = []
        for element in node.slice:
            if not isinstance(element.slice, cst.Index):
                return None
            elements.append(element.slice.value)
        out = elements + out
        node = node.value
    return out
