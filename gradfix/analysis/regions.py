"""Function mode: the tensor-derived region of a function that ran with tensors (no tape needed).

When a model trains with ``model.fit``, or the loss lives in a custom loss, a layer's ``call``, a
``train_step`` or a helper, the file has no tape. The probe names the functions that ran with tensor
arguments (``Focus.functions``: first lines); in each, parameters (not ``self``) and the class's
weights (``self.w = self.add_weight(...)`` / ``tf.Variable``) are tensors, and taint flows forward
through statements by def-use over access paths (``access.py``). Reading only ``x.shape``,
``x.dtype``, ``len(x)`` or ``tf.shape(x)`` does not carry taint.

    region = function_region(flow, function, klass)
    region.hot                              # {id(statement or header expr): tainted paths before it}
    regions = gradient_regions(flow, focus)  # tape paths + their callees + focused functions
    tensor_reads(flow.names, expr)          # the paths an expression reads as values
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping, Optional

import libcst as cst

from gradfix.analysis.access import access, access_path, expr_reads, related
from gradfix.analysis.callees import Callees
from gradfix.analysis.flow import Flow
from gradfix.analysis.names import Names
from gradfix.analysis.nodes import children, walk

SHAPE_ATTRS = frozenset({"shape", "dtype", "ndim", "name", "device", "rank"})
_SHAPE_CALLS = frozenset({"builtins.len", "builtins.isinstance", "builtins.type", "builtins.print",
                          "tensorflow.shape", "tensorflow.rank", "tensorflow.size", "keras.ops.shape"})
DATA_PARAMS = frozenset({"y_true", "labels", "targets", "sample_weight", "mask", "training"})
_WEIGHT_MAKERS = ("self.add_weight", "self.add_variable")

Unit = tuple[cst.CSTNode, frozenset, frozenset, frozenset, bool]  # key, reads, writes, kills, cond


@dataclass(frozen=True)
class Region:
    function: cst.FunctionDef
    klass: Optional[cst.ClassDef]
    weights: Mapping[str, cst.Call]  # "self.w" -> the call that creates it
    hot: Mapping[int, frozenset[str]]  # id(tainted statement / header expression) -> tainted paths
    taint: frozenset[str]  # every tensor-derived path of the function

    def tainted(self, node: cst.CSTNode) -> bool:
        return id(node) in self.hot


def tensor_reads(names: Names, node: cst.CSTNode) -> frozenset[str]:
    """Paths ``node`` reads as values (not through ``.shape``/``len``/``tf.shape``, not keywords)."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, cst.Name):
            out.add(n.value)
        elif isinstance(n, cst.Attribute):
            if n.attr.value in SHAPE_ATTRS:
                continue
            path = access_path(n)
            if path:
                out.add(path)
            else:
                stack.append(n.value)
        elif isinstance(n, cst.Call) and names.of(n.func) & _SHAPE_CALLS:
            continue
        elif isinstance(n, cst.Arg):
            stack.append(n.value)
        else:
            stack.extend(children(n))
    return frozenset(out)


def class_weights(names: Names, klass: Optional[cst.ClassDef]) -> dict[str, cst.Call]:
    """``self.<attr>`` created by ``self.add_weight(...)`` or a ``Variable`` anywhere in ``klass``."""
    found: dict[str, cst.Call] = {}
    for node in walk(klass) if klass is not None else ():
        if not (isinstance(node, cst.Assign) and isinstance(node.value, cst.Call)):
            continue
        call = node.value
        maker = access_path(call.func) in _WEIGHT_MAKERS or any(
            q.endswith(".Variable") and q.startswith(("tensorflow.", "keras.")) for q in names.of(call.func)
        )
        for target in node.targets if maker else ():
            path = access_path(target.target)
            if path and path.startswith("self."):
                found[path] = call
    return found


def function_region(flow: Flow, function: cst.FunctionDef, klass: Optional[cst.ClassDef],
                    with_data: bool = True) -> Region:
    """The tensor-derived region of ``function``. ``with_data=False`` leaves out parameters that hold
    data rather than trainable values (``y_true``, ``labels``, ``mask``, ``training``...)."""
    weights = class_weights(flow.names, klass)
    taint = set(_tensor_params(function, with_data)) | set(weights)
    units = list(_units(flow, function.body, False))
    hot: dict[int, frozenset[str]] = {}
    for _ in range(2):  # twice: loops carry values backwards
        for key, reads, writes, kills, conditional in units:
            if related(reads, taint):
                hot[id(key)] = hot.get(id(key), frozenset()) | frozenset(taint)
                taint |= writes
            elif not conditional:
                taint = {t for t in taint if not any(t == k or t.startswith(k + ".") for k in kills)}
    every = frozenset(taint).union(*hot.values()) if hot else frozenset(taint)
    return Region(function, klass, weights, hot, every)


def functions_at(flow: Flow, lines: frozenset[int]) -> list[tuple[cst.FunctionDef, Optional[cst.ClassDef]]]:
    """Functions whose ``def`` line or first decorator line is in ``lines``, with their class."""
    out = []
    for owner, node in _functions(flow.module, None):
        first = {flow.line(node)} | ({flow.line(node.decorators[0])} if node.decorators else set())
        if first & lines:
            out.append((node, owner))
    return out


def focused_regions(flow: Flow, focus, with_data: bool = True) -> list[Region]:
    """Regions of the functions ``focus.functions`` names (none when focus is None)."""
    if focus is None or not getattr(focus, "functions", None):
        return []
    return [function_region(flow, f, k, with_data) for f, k in functions_at(flow, focus.functions)]


def gradient_regions(flow: Flow, focus, with_data: bool = True) -> dict[int, frozenset[str]]:
    """Every place a codemod may rewrite, mapped to the paths that are tensor-derived there: the
    gradient path of each focused ``tape.gradient`` call (its trainables), the functions those
    statements call, and the functions ``focus.functions`` names."""
    regions: dict[int, frozenset[str]] = {}

    def merge(key: int, taint: frozenset[str]) -> None:
        regions[key] = regions.get(key, frozenset()) | taint

    callees = Callees(flow.module)
    for call in flow.focused(focus):
        # A statement that runs before the tape opens is not recorded, whatever it computes: rewriting
        # it (or the functions it calls, e.g. a rollout or data preparation) cannot give a gradient.
        # Moving it into the tape is hoist-into-tape's job; composed after it, the statement is here.
        recorded = [s for s in call.path if s.region not in ("outer", "before")]
        for stmt in recorded:
            merge(id(stmt.node), call.trainable)
        for function, klass in callees.of([s.node for s in recorded], call.tape.klass):
            for key, taint in function_region(flow, function, klass, with_data).hot.items():
                merge(key, taint)
    for region in focused_regions(flow, focus, with_data):
        for key, taint in region.hot.items():
            merge(key, taint)
    for key, taint in focused_lambdas(flow, focus).items():
        merge(key, taint)
    return regions


def focused_lambdas(flow: Flow, focus) -> dict[int, frozenset[str]]:
    """The bodies of the lambdas ``focus.functions`` names (a ``Lambda`` layer's function, a loss
    given as a lambda), with their parameters as the tensor-derived paths."""
    if focus is None or not getattr(focus, "functions", None):
        return {}
    out: dict[int, frozenset[str]] = {}
    for node in walk(flow.module):
        # autograph maps a converted lambda to its line or to the line of the call that holds it
        if isinstance(node, cst.Lambda) and {flow.line(node), flow.line(node) - 1} & focus.functions:
            params = node.params
            names = [p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)]
            if names:
                out[id(node.body)] = frozenset(names)
    return out


# --------------------------------------------------------------------------- helpers


def _tensor_params(function: cst.FunctionDef, with_data: bool) -> Iterator[str]:
    params = function.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    every += [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    for i, param in enumerate(every):
        name = param.name.value
        if (i == 0 and name in ("self", "cls")) or (not with_data and name in DATA_PARAMS):
            continue
        default = param.default
        if isinstance(default, (cst.Integer, cst.Float, cst.SimpleString, cst.UnaryOperation)):
            continue
        if isinstance(default, cst.Name) and default.value in ("None", "True", "False"):
            continue
        yield name


def _functions(node: cst.CSTNode, owner) -> Iterator[tuple[Optional[cst.ClassDef], cst.FunctionDef]]:
    for child in children(node):
        if isinstance(child, cst.FunctionDef):
            yield owner, child
            yield from _functions(child.body, None)
        elif isinstance(child, cst.ClassDef):
            yield from _functions(child.body, child)
        elif not isinstance(child, cst.BaseExpression):
            yield from _functions(child, owner)


def _units(flow: Flow, block: cst.BaseSuite, conditional: bool) -> Iterator[Unit]:
    """Statements of a function body in source order, compound headers as their expressions."""
    none: frozenset[str] = frozenset()
    if isinstance(block, cst.SimpleStatementSuite):  # if x: y = f(x)
        acc = access(block)
        yield block, acc.reads & tensor_reads(flow.names, block), acc.writes, none, True
        return
    for stmt in block.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            acc = access(stmt)
            reads = acc.reads & tensor_reads(flow.names, stmt)
            writes = frozenset(w for w in acc.writes if w.split(".")[0] not in flow.imported)
            yield stmt, reads, writes, acc.kills, conditional
        elif isinstance(stmt, (cst.If, cst.While)):
            yield stmt.test, tensor_reads(flow.names, stmt.test), none, none, conditional
            yield from _units(flow, stmt.body, True)
            tail = stmt.orelse
            while isinstance(tail, cst.If):
                yield tail.test, tensor_reads(flow.names, tail.test), none, none, True
                yield from _units(flow, tail.body, True)
                tail = tail.orelse
            if tail is not None:
                yield from _units(flow, tail.body, True)
        elif isinstance(stmt, cst.For):
            yield stmt.iter, tensor_reads(flow.names, stmt.iter), expr_reads(stmt.target), none, conditional
            yield from _units(flow, stmt.body, True)
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                writes = expr_reads(item.asname.name) if item.asname else none
                yield item.item, tensor_reads(flow.names, item.item), writes, none, conditional
            yield from _units(flow, stmt.body, conditional)
        elif isinstance(stmt, cst.Try):
            for part in [stmt.body, *(h.body for h in stmt.handlers), stmt.orelse, stmt.finalbody]:
                if part is not None:
                    yield from _units(flow, part if isinstance(part, cst.BaseSuite) else part.body, True)
