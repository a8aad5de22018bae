"""Explaining each missing gradient: a cause, a line and a plain sentence.

The probe says *which* source got ``None`` at *which* gradient call (and whether it was a variable,
its dtype, whether the tape saw it read, what changed at the next step); ``evidence`` says *where*
the path from the variable to the loss breaks. Checks run from the surest evidence to the least.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Optional

import libcst as cst

from gradfix import evidence as ev
from gradfix.analysis.access import access_path, related
from gradfix.analysis.bindings import assignments, binds, definition_line
from gradfix.analysis.callees import Callees
from gradfix.analysis.flow import Flow, analyse
from gradfix.analysis.nodes import calls_in, walk
from gradfix.group import full_name
from gradfix.types import Cause, Finding, GradientCall, ProbeResult, SourceRecord
from gradfix.unwatched import no_variables, unwatched_variable

INT_DTYPES = frozenset({"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool"})
OPTIONS = ("use it in the loss, differentiate only the variables the loss uses, or freeze it "
           "(trainable=False) or mark the gradient call `# gradfix: ignore[loss_disconnected]` if "
           "leaving it untrained is intended")

Explanation = tuple[Cause, str, Optional[int], Optional[Path]]
_PLAIN_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")  # w, self.w: a name the code itself uses


class _Context:
    """Parsed files and the evidence gathered for one probe result."""

    def __init__(self, probe: ProbeResult, texts: Mapping[Path, str]) -> None:
        self.flows: dict[Path, Optional[Flow]] = {p: analyse(t) for p, t in texts.items()}
        self.dynamic = ev.dynamic_calls(probe.functions, self.flows)
        self.first_step = {(c.path, c.line): c for c in probe.gradient_calls if c.step == 1}

    def flow(self, path: str) -> Optional[Flow]:
        return self.flows.get(Path(path).resolve())

    def seen(self, call: GradientCall) -> tuple[list[ev.Seen], Optional[ev.FlowCall]]:
        flow = self.flow(call.path)
        fcall = ev.gradient_call_at(flow, call.line) if flow else None
        static = ev.static_calls(flow, Path(call.path).resolve(), fcall) if fcall else []
        return static + self.dynamic, fcall


def _at(seen: ev.Seen) -> tuple[int, Path]:
    return seen.line, seen.path


def _outside(fcall, source: str | None = None) -> Optional[Explanation]:
    """Computed outside the tape: the first such statement on the loss's path, or — for one
    ``source`` that the tape never saw — the statement on the path that reads it. A source that no
    path statement reads is not cut off by the tape's placement: the loss does not use it."""
    if fcall is None:
        return None
    if source is not None and _PLAIN_NAME.fullmatch(source):
        reading = fcall.first_reading(source)
        outside = (reading,) if reading is not None and reading.region != "tape" else ()
    else:
        outside = fcall.outside_tape()
    if not outside:
        return None
    where = "after the tape ends" if outside[0].region == "after" else "before the tape starts"
    return Cause.OUTSIDE_TAPE, f"computed {where}", outside[0].line, None


CHECKS: tuple[tuple[Callable[[ev.Seen], bool], bool, Cause, str], ...] = (
    (ev.python_function, False, Cause.NUMPY_IN_GRAPH,
     "the loss goes through tf.numpy_function/tf.py_function, which has no gradient: write that "
     "computation with TensorFlow ops"),
    (ev.metric_state, True, Cause.ASSIGN_OR_SCATTER,
     "the loss comes from a Keras metric (update_state/result keep totals in variables with "
     "assign_add, which cuts the tape): compute the loss directly and keep the metric for logging"),
    (ev.predict, False, Cause.LOSS_DISCONNECTED,
     "model.predict returns NumPy values, so the loss does not depend on the model's variables"),
    (ev.rewraps_host_values, False, Cause.LOSS_DISCONNECTED,
     "the loss is rebuilt from host values (NumPy, .numpy() or float()), so the tape sees a new "
     "constant instead of the computation"),
    (ev.to_int, False, Cause.NON_DIFFERENTIABLE_OP, "int() truncates the value to a Python integer, "
     "which has no gradient"),
    (ev.numpy_maths, False, Cause.NUMPY_IN_GRAPH,
     "the loss is computed through NumPy, which the tape cannot record"),
    (ev.conversion, False, Cause.LOSS_DISCONNECTED,
     "the value leaves TensorFlow (.numpy(), .tolist(), float() or np.array) and the loss is rebuilt "
     "from it, so the tape sees a new constant"),
    (ev.buffer_write, True, Cause.ASSIGN_OR_SCATTER,
     "the loss reads a variable written with assign/scatter inside the tape, which cuts the tape"),
    (ev.new_variable, True, Cause.ASSIGN_OR_SCATTER,
     "the loss goes through a new tf.Variable created inside the tape, which starts a fresh, "
     "unconnected value"),
    (ev.sampling, False, Cause.NON_DIFFERENTIABLE_OP,
     "the loss goes through indices sampled with tf.random.categorical, which have no gradient: for a "
     "policy gradient, weight the log-probability of the sampled actions instead, e.g. "
     "-tf.nn.sparse_softmax_cross_entropy_with_logits(labels=actions, logits=logits) * returns"),
    (ev.int_cast, False, Cause.NON_DIFFERENTIABLE_OP, "the loss goes through a cast to an integer type"),
    (ev.threshold, False, Cause.NON_DIFFERENTIABLE_OP,
     "the loss goes through a comparison (a threshold) cast to numbers, which has no gradient"),
    (ev.accuracy_metric, False, Cause.NON_DIFFERENTIABLE_OP,
     "the loss is built from an accuracy metric, which compares rounded or argmax predictions and has "
     "no gradient: train on a loss (e.g. cross-entropy) and keep the accuracy as a metric"),
    (ev.non_differentiable, False, Cause.NON_DIFFERENTIABLE_OP,
     "the loss goes through an operation with no gradient (rounding, sign, argmax/argsort, a "
     "comparison or a count)"),
    (ev.stop_gradient, False, Cause.NON_DIFFERENTIABLE_OP,
     "the loss goes through tf.stop_gradient, which blocks the gradient by design: the variables "
     "before it get none; remove it, or, to keep them frozen on purpose, set their layer's "
     "trainable = False instead"),
)


def _from_evidence(seen: list[ev.Seen], fcall) -> Optional[Explanation]:
    """The first check that finds its evidence on the path names the cause; a computation outside
    the tape comes last, as variables read on the tape were not cut off by it."""
    for test, in_tape, cause, message in CHECKS:
        hit = ev.first(seen, test, in_tape=in_tape)
        if hit:
            return cause, message, *_at(hit)
    return _outside(fcall)


def _unreached(call: GradientCall, src: SourceRecord, fcall, flow: Optional[Flow]) -> Explanation:
    """A variable the loss does not depend on: say what the loss is made of, name the layer,
    give the honest options. No rewrite is proposed for this."""
    replica = _strategy_run(fcall, flow) if fcall is not None and flow is not None else None
    if replica is not None:
        return (Cause.OUTSIDE_TAPE, f"the forward pass runs in `{replica[0]}.run`'s replica function, which "
                "a tape opened outside strategy.run does not record: open the tape, take the gradient and "
                "apply it inside the replica function, and reduce the loss after strategy.run", replica[1], None)
    if all(not s.has_gradient for s in call.sources) and not (fcall and fcall.outside_tape()):
        what, line = _loss_without_variables(fcall, flow)
        return Cause.LOSS_DISCONNECTED, f"{what}; options: {OPTIONS}", line, None
    layer = src.layer or (src.var_name.rpartition("/")[0] if "/" in src.var_name else "")
    siblings = [s for s in call.sources if s is not src and s.has_gradient
                and (s.layer or s.var_name.rpartition("/")[0]) == layer]
    if layer and siblings and not src.watched:
        what = (f"layer '{layer}' runs, but never reads this variable while the tape records (created and "
                f"left unused by its call, or read once outside the tape, e.g. in build)")
    elif layer:
        what = (f"layer '{layer}' runs, but its output never reaches the loss (an unused head or output?)"
                if src.watched else f"layer '{layer}' is never called while the tape records")
    else:
        what = ("it is read on the tape, but the loss does not depend on it" if src.watched
                else "it is never used while the tape records: the loss does not depend on it")
    return Cause.LOSS_DISCONNECTED, f"{what}; options: {OPTIONS}", None, None


def _loss_without_variables(fcall, flow: Optional[Flow]) -> tuple[str, Optional[int]]:
    """'the loss (`loss = f(labels)`) does not depend on ...', naming an ignored parameter when a
    function on the path never reads the prediction it is given."""
    if fcall is None or flow is None or not fcall.path:
        return "the loss does not depend on any of the variables it is differentiated against", None
    last = fcall.path[-1]
    code = " ".join(flow.module.code_for_node(last.node).split())
    for func, _owner in Callees(flow.module).of([s.node for s in fcall.path], fcall.tape.klass):
        if any(q.startswith("tensorflow.") and q.endswith("custom_gradient")
               for d in func.decorators for q in flow.names.of(d.decorator)):
            return (f"the loss goes through {func.name.value}(), a @tf.custom_gradient function whose gradient "
                    f"function returns no gradient for the variables it reads (they must come second, e.g. "
                    f"from an inner tape's gradient with output_gradients=dy)", flow.line(func))
        params = [p.name.value for p in func.params.params if p.name.value not in ("self", "cls")]
        body_reads = {n.value for n in walk(func.body) if isinstance(n, cst.Name)}
        unused = [p for p in params if p not in body_reads]
        if unused:
            returned = next((r for r in walk(func.body) if isinstance(r, cst.Return) and r.value), None)
            gives = f"; it returns `{flow.module.code_for_node(returned.value)}`" if returned else ""
            return (f"{func.name.value}() never reads its parameter {', '.join(unused)}{gives}, so the loss "
                    f"does not depend on any variable", flow.line(func))
    other = _other_model(fcall, flow)
    if other is not None:
        name, line = other
        owners = ", ".join(f"`{o}`" for o in fcall.sources)
        return (f"the loss (`{code[:80]}`) does not depend on any of the variables: it is computed with "
                f"`{name}`, while the variables differentiated are {owners}'s", line)
    return f"the loss (`{code[:80]}`) does not depend on any of the variables", last.line


def _strategy_run(fcall, flow: Flow) -> Optional[tuple[str, int]]:
    """``strategy.run(...)`` on the loss's path, with a ``tf.distribute`` strategy: (strategy, line)."""
    for stmt in fcall.path:
        for call in calls_in(stmt.node):
            if not (isinstance(call.func, cst.Attribute) and call.func.attr.value in ("run", "experimental_run_v2")):
                continue
            owner = access_path(call.func.value)
            made = [a.value for a in assignments(flow.module, owner)] if owner else []
            if any(isinstance(v, cst.Call) and any(q.startswith("tensorflow.distribute.") for q in flow.names.of(v.func))
                   for v in made):
                return owner, stmt.line
    return None


def _other_model(fcall, flow: Flow) -> Optional[tuple[str, int]]:
    """A model called on the loss's path that is not the one whose variables are differentiated
    (``target_net(s)`` in the loss, ``q_net.trainable_variables`` as sources), with its line."""
    owners = list(fcall.sources)
    functions = {n.name.value for n in walk(flow.module) if isinstance(n, cst.FunctionDef)}
    for stmt in fcall.path:
        for call in calls_in(stmt.node):
            path = access_path(call.func)
            if path is None or related([path], owners) or path.split(".")[0] in flow.imported:
                continue
            made = [a.value for a in assignments(flow.module, path) if isinstance(a, cst.Assign)]
            if any(isinstance(v, cst.Call) and _makes_model(flow, v, functions) for v in made):
                return path, stmt.line
    return None


def _makes_model(flow: Flow, value: cst.Call, functions: set[str]) -> bool:
    """``keras.Sequential(...)``, a model class, ``clone_model``/``load_model``, or a call to a
    function of this file (``build_model()``)."""
    if access_path(value.func) in functions:
        return True
    names = flow.names.of(value.func)
    if any(q.rpartition(".")[2] in ("clone_model", "load_model") for q in names):
        return True
    return flow.names.is_constructor(value) and not any(".losses." in q or ".metrics." in q or
                                                         ".optimizers." in q for q in names)


def _rebinding_line(flow: Optional[Flow], name: str) -> Optional[int]:
    """A statement that rebinds ``name`` from itself (``w = w - lr * g``, ``w -= ...``)."""
    if flow is None:
        return None
    for node in walk(flow.module):
        if isinstance(node, cst.AugAssign) and access_path(node.target) == name:
            return flow.line(node)
        if isinstance(node, cst.Assign) and any(binds(t.target, name) for t in node.targets):
            if any(access_path(n) == name for n in walk(node.value) if isinstance(n, (cst.Name, cst.Attribute))):
                return flow.line(node)
    return None


def _target_after_tape(call: GradientCall, fcall) -> bool:
    """Every source is None and the target is an operation written into the call after the tape."""
    return all(not s.has_gradient for s in call.sources) and fcall.computes_target_after_tape()


def _explain(ctx: _Context, call: GradientCall, index: int, src: SourceRecord) -> Explanation:
    flow = ctx.flow(call.path)
    earlier = ctx.first_step.get((call.path, call.line)) if call.step == 2 else None
    if earlier and index < len(earlier.sources) and earlier.sources[index].is_variable and not src.is_variable:
        return (Cause.VARIABLE_REPLACED, "it is a tf.Variable at the first step but a plain tensor at the "
                "next: an assignment rebinds the name instead of updating the variable",
                _rebinding_line(flow, src.name), None)
    if src.dtype in INT_DTYPES:
        short = src.name.rsplit("/", 1)[-1].split(":")[0]  # a Keras path: the attribute is its last part
        line = definition_line(flow, src.name) or definition_line(flow, short) or definition_line(flow, f"self.{short}")
        return (Cause.INT_DTYPE, f"it has integer dtype {src.dtype}; only floating-point values get "
                "gradients", line, None)
    if src.kind in ("numpy", "python"):
        what = "a NumPy array" if src.kind == "numpy" else "a Python value"
        return (Cause.UNWATCHED_TENSOR, f"it is {what}, not a tensor: a tape differentiates only with "
                "respect to tensors and variables (TensorFlow fails with AttributeError ... '_id'); convert "
                "it with tf.convert_to_tensor and tape.watch the tensor", definition_line(flow, src.name), None)
    seen, fcall = ctx.seen(call)
    if call.target_type in ("numpy", "python") or (call.error and "_id" in call.error):
        hit = ev.first(seen, ev.host)
        return (Cause.NUMPY_IN_GRAPH, f"the target of tape.gradient is a {call.target_type} value, not a "
                "tensor: NumPy or .numpy() cut the tape", *(_at(hit) if hit else (None, None)))
    if not src.is_variable:
        return Cause.UNWATCHED_TENSOR, "it is a plain tensor, and the tape only watches variables", None, None
    if fcall is not None and flow is not None and _target_after_tape(call, fcall):
        code = " ".join(flow.module.code_for_node(fcall.target).split())
        return (Cause.OUTSIDE_TAPE, f"the target `{code[:60]}` is computed inside the tape.gradient call, "
                "after the tape stopped recording, so it is not connected to any variable", fcall.line, None)
    if not src.watched and (not src.trainable or not call.watch_accessed):
        return unwatched_variable(call, src, fcall, flow)
    if not src.watched:  # never read while recording: computed outside the tape, or not used at all
        return _outside(fcall, src.name) or _unreached(call, src, fcall, flow)
    return _from_evidence(seen, fcall) or _unreached(call, src, fcall, flow)


def diagnose(probe: ProbeResult, texts: Mapping[Path, str]) -> tuple[Finding, ...]:
    """One Finding per source without a gradient, in the order the probe saw them. A source that
    is missing at the next step for the same reason as at the first is reported once."""
    ctx = _Context(probe, texts)
    findings, reported = [], set()
    for call in probe.gradient_calls:
        if call.empty and (call.path, call.line) not in reported:
            reported.add((call.path, call.line))
            what, message, line = no_variables(ctx.flow(call.path), call)
            findings.append(Finding(call.path, call.line, what, Cause.NO_VARIABLES, message, line, None))
        for index, src in enumerate(call.sources):
            key = (call.path, call.line, index)
            if src.has_gradient or key in reported:
                continue
            reported.add(key)
            cause, message, line, where = _explain(ctx, call, index, src)
            cause_path = str(where) if where and where != Path(call.path).resolve() else None
            findings.append(Finding(call.path, call.line, full_name(src), cause, message, line, cause_path))
    return tuple(findings)
