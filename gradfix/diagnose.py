"""Explaining each missing gradient: a cause and a line, from what the probe saw and the code.

The probe says *which* source got ``None`` at *which* gradient call; the gradient path of that call
(``analysis.flow``) says *where* the connection to the loss breaks. Checks run from the most to the
least specific evidence; the first that holds names the cause.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Optional

import libcst as cst
from libcst.metadata import PositionProvider

from gradfix.analysis.access import base_path, related
from gradfix.analysis.callees import Callees
from gradfix.analysis.flow import Flow, Stmt, analyse
from gradfix.analysis.flow import GradientCall as FlowCall
from gradfix.analysis.nodes import calls_in
from gradfix.types import Cause, Finding, GradientCall, ProbeResult, SourceRecord

INT_DTYPES = frozenset({"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool"})
NON_DIFFERENTIABLE = frozenset({
    "round", "floor", "ceil", "sign", "argmax", "argmin", "math.round", "math.floor", "math.ceil",
    "math.sign", "math.argmax", "math.argmin", "equal", "greater", "less", "greater_equal",
    "less_equal", "math.equal", "math.greater", "math.less", "one_hot", "where", "unique",
})
WRITES = frozenset({"assign", "assign_add", "assign_sub", "scatter_update", "scatter_nd_update",
                    "scatter_nd_add", "scatter_add", "scatter_sub"})

Explanation = tuple[Cause, str, Optional[int]]



def _hot_calls(flow: Flow, call: FlowCall) -> list[tuple[cst.Call, int, Stmt]]:
    """Calls made while computing the loss from trainable values, in order: those in the path
    statements, each followed by those in the same-file functions the statement calls."""
    callees = Callees(flow.module)
    out = []
    for stmt in call.path:
        if not stmt.trainable:
            continue
        out += [(c, flow.line(c), stmt) for c in calls_in(stmt.node)]
        klass = call.tape.klass
        for func, _owner in callees.of([stmt.node], klass):
            out += [(c, flow.line(c), stmt) for c in calls_in(func.body)]
    return out


def _host(flow: Flow, call: cst.Call) -> bool:
    """NumPy, ``.numpy()``, ``float()``/``int()``: a value leaves TensorFlow here."""
    return flow.contains_numpy(call) or bool(flow.names.of(call.func) & {"builtins.float", "builtins.int"})


def _rewraps_host_values(flow: Flow, call: cst.Call) -> bool:
    """``tf.constant(np...)``, ``tf.convert_to_tensor(x.numpy())``, ``np.array(t)``: a tensor
    rebuilt from host values has no history on the tape."""
    if flow.names.of(call.func) & {"numpy.array", "numpy.asarray"}:
        return True
    if not flow.names.is_tf(call.func, "constant", "convert_to_tensor", "Variable", "cast"):
        return False
    return any(_host(flow, c) for a in call.args for c in calls_in(a.value))


def _int_cast(flow: Flow, c: cst.Call) -> bool:
    if not flow.names.is_tf(c.func, "cast", "dtypes.cast"):
        return False
    dtype = [a.value for a in c.args if a.keyword is None][1:2] or \
        [a.value for a in c.args if a.keyword and a.keyword.value == "dtype"]
    return bool(dtype) and (flow.names.is_int_dtype(dtype[0]) or flow.names.is_tf(dtype[0], "bool"))


def _buffer_write(call: FlowCall, c: cst.Call) -> bool:
    """``buf.assign(...)``/``buf[i].assign(...)``/``buf.scatter_*`` on something not a source."""
    if not (isinstance(c.func, cst.Attribute) and c.func.attr.value in WRITES):
        return False
    owner = base_path(c.func.value)
    return owner is not None and not related([owner], call.sources)


def _non_differentiable(flow: Flow, c: cst.Call) -> bool:
    return any(q.startswith("tensorflow.") and q[len("tensorflow."):] in NON_DIFFERENTIABLE
               for q in flow.names.of(c.func))


def _static(flow: Flow, call: FlowCall) -> Optional[Explanation]:
    """Causes that the code shows, in order of how sure the evidence is."""
    hot = _hot_calls(flow, call)

    def first(test: Callable[[cst.Call], bool], in_tape: bool = False) -> Optional[int]:
        return next((line for c, line, stmt in hot
                     if test(c) and (not in_tape or stmt.region == "tape")), None)

    line = first(lambda c: _rewraps_host_values(flow, c))
    if line:
        return (Cause.LOSS_DISCONNECTED, "the loss is rebuilt from host values (NumPy, .numpy() or "
                "float()), so the tape sees a new constant instead of the computation", line)
    line = first(lambda c: _host(flow, c) or any(q.startswith("math.") for q in flow.names.of(c.func)))
    if line:
        return (Cause.NUMPY_IN_GRAPH, "the loss is computed through NumPy or .numpy(), which the tape "
                "cannot record", line)
    outside = call.outside_tape()
    if outside:
        where = "after the tape ends" if outside[0].region == "after" else "before the tape starts"
        return Cause.OUTSIDE_TAPE, f"computed {where}", outside[0].line
    line = first(lambda c: _buffer_write(call, c), in_tape=True)
    if line:
        return (Cause.ASSIGN_OR_SCATTER, "the loss reads a variable written with assign/scatter inside "
                "the tape, which cuts the tape", line)
    line = first(lambda c: flow.names.is_tf(c.func, "Variable"), in_tape=True)
    if line:
        return (Cause.ASSIGN_OR_SCATTER, "the loss goes through a new tf.Variable created inside the "
                "tape, which starts a fresh, unconnected value", line)
    line = first(lambda c: _int_cast(flow, c))
    if line:
        return Cause.NON_DIFFERENTIABLE_OP, "the loss goes through a cast to an integer type", line
    line = first(lambda c: _non_differentiable(flow, c))
    if line:
        return Cause.NON_DIFFERENTIABLE_OP, "the loss goes through an operation with no gradient", line
    return None


def _explain(call: GradientCall, src: SourceRecord, flow: Optional[Flow]) -> Explanation:
    fcall = None
    if flow is not None:
        pos = flow.wrapper.resolve(PositionProvider)
        fcall = next((c for c in flow.calls
                      if pos[c.node].start.line <= call.line <= pos[c.node].end.line), None)
    if src.dtype in INT_DTYPES:
        line = _definition_line(flow, src.name)
        return Cause.INT_DTYPE, f"it has integer dtype {src.dtype}; only floating-point values get gradients", line
    if call.target_type in ("numpy", "python") or (call.error and "_id" in call.error):
        line = next((ln for c, ln, _ in _hot_calls(flow, fcall) if _host(flow, c)), None) if fcall else None
        return (Cause.NUMPY_IN_GRAPH, f"the target of tape.gradient is a {call.target_type} value, not a "
                "tensor: NumPy or .numpy() cut the tape", line)
    if fcall is not None:
        found = _static(flow, fcall)
        if found:
            return found
    if not src.is_variable:
        return Cause.UNWATCHED_TENSOR, "it is a plain tensor the tape does not watch", None
    if fcall is not None and fcall.first_reading(src.name) is None and src.name in fcall.sources:
        return Cause.LOSS_DISCONNECTED, "the loss does not depend on it", None
    return Cause.OTHER, "the loss does not reach it through operations the tape recorded", None


def _definition_line(flow: Optional[Flow], name: str) -> Optional[int]:
    if flow is None:
        return None
    for node in flow.module.body:
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                if isinstance(small, cst.Assign) and any(
                        isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets):
                    return flow.line(node)
    return None


def diagnose(probe: ProbeResult, texts: Mapping[Path, str]) -> tuple[Finding, ...]:
    """One Finding per source that got no gradient, in the order the probe saw them."""
    flows: dict[Path, Optional[Flow]] = {}
    findings = []
    for call in probe.gradient_calls:
        if not call.missing:
            continue
        path = Path(call.path).resolve()
        if path not in flows:
            flows[path] = analyse(texts[path]) if path in texts else None
        for src in call.missing:
            cause, message, line = _explain(call, src, flows[path])
            findings.append(Finding(call.path, call.line, src.name, cause, message, line))
    return tuple(findings)
