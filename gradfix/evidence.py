"""What the code shows about a broken gradient path: the calls made while the loss was computed.

Two sources of evidence are combined: the *static* gradient path of a ``tape.gradient`` call in the
file (``analysis.flow``; statements the target depends on and the same-file functions they call),
and the *dynamic* list of user functions that ran while a tape was recording (recorded by the
probe; this is how a custom loss passed to ``model.compile`` or a layer's ``call`` in another module
is found). Each check below asks for the first call that matches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import libcst as cst
from libcst.metadata import PositionProvider

from gradfix.analysis.access import base_path, related
from gradfix.analysis.callees import Callees
from gradfix.analysis.flow import Flow
from gradfix.analysis.flow import GradientCall as FlowCall
from gradfix.analysis.nodes import calls_in, walk
from gradfix.types import Frame

NON_DIFFERENTIABLE = frozenset({
    "round", "floor", "ceil", "sign", "argmax", "argmin", "math.round", "math.floor", "math.ceil",
    "math.sign", "math.argmax", "math.argmin", "equal", "greater", "less", "greater_equal",
    "less_equal", "not_equal", "math.equal", "math.not_equal", "math.greater", "math.less", "unique",
    "argsort", "searchsorted", "math.bincount", "math.count_nonzero", "histogram_fixed_width",
    "unique_with_counts", "math.in_top_k",
})
SAMPLING = frozenset({"random.categorical", "random.stateless_categorical", "random.multinomial", "multinomial"})
KERAS_NON_DIFFERENTIABLE = frozenset({"round", "floor", "ceil", "sign", "argmax", "argmin", "argsort"})
PYTHON_FUNCTION_OPS = frozenset({"numpy_function", "py_function", "compat.v1.py_func"})
WRITES = frozenset({"assign", "assign_add", "assign_sub", "scatter_update", "scatter_nd_update",
                    "scatter_nd_add", "scatter_add", "scatter_sub"})


@dataclass(frozen=True)
class Seen:
    """One call made while computing the loss."""

    call: cst.Call
    flow: Flow
    path: Path
    line: int
    in_tape: bool  # inside the tape body (or in a function that ran on the tape)
    gradient: Optional[FlowCall]  # the gradient call whose path it is on (None: dynamic evidence)


def gradient_call_at(flow: Flow, line: int) -> Optional[FlowCall]:
    """The static gradient call whose source span covers ``line`` (the probe's line)."""
    pos = flow.wrapper.resolve(PositionProvider)
    return next((c for c in flow.calls if pos[c.node].start.line <= line <= pos[c.node].end.line), None)


def static_calls(flow: Flow, path: Path, call: FlowCall) -> list[Seen]:
    """Calls in the path statements computed from trainable values, each followed by the calls in
    the same-file functions the statement calls."""
    callees = Callees(flow.module)
    out = []
    for stmt in call.path:
        if not stmt.trainable:
            continue
        in_tape = stmt.region == "tape"
        out += [Seen(c, flow, path, flow.line(c), in_tape, call) for c in calls_in(stmt.node)]
        for func, _owner in callees.of([stmt.node], call.tape.klass):
            out += [Seen(c, flow, path, flow.line(c), in_tape, call) for c in calls_in(func.body)]
    return out


def dynamic_calls(functions: Iterable[Frame], flows: Mapping[Path, Optional[Flow]]) -> list[Seen]:
    """Calls in the user functions that ran while a tape was recording."""
    out = []
    for frame in functions:
        path = Path(frame.path).resolve()
        flow = flows.get(path)
        if flow is None:
            continue
        functions = _functions_at(flow, frame.line)
        if getattr(frame, "function", "") == "<lambda>":  # a Lambda layer's function, a lambda loss
            functions = [n for n in walk(flow.module) if isinstance(n, cst.Lambda)
                         and frame.line in (flow.line(n), flow.line(n) - 1)]
        for func in functions:
            out += [Seen(c, flow, path, flow.line(c), True, None) for c in calls_in(func.body)]
    return out


def _functions_at(flow: Flow, first_line: int) -> list[cst.FunctionDef]:
    pos = flow.wrapper.resolve(PositionProvider)
    found = []
    for node in walk(flow.module):
        if isinstance(node, cst.FunctionDef):
            lines = {pos[node].start.line, pos[node.name].start.line}
            lines |= {pos[d].start.line for d in node.decorators}
            if first_line in lines:
                found.append(node)
    return found


# --------------------------------------------------------------------------- the checks


CONVERSIONS = frozenset({"numpy", "tolist", "item"})


def conversion(seen: Seen) -> bool:
    """``.numpy()``, ``.tolist()``, ``float(t)``, ``np.array(t)``: a value leaves TensorFlow as is."""
    c, names = seen.call, seen.flow.names.of(seen.call.func)
    if names & {"builtins.float", "numpy.array", "numpy.asarray", "keras.ops.convert_to_numpy"}:
        return True
    return isinstance(c.func, cst.Attribute) and c.func.attr.value in CONVERSIONS and not c.args


def numpy_maths(seen: Seen) -> bool:
    """NumPy or ``math`` functions computing on the value (``np.sqrt``, ``math.exp``)."""
    names = seen.flow.names.of(seen.call.func)
    return any((q.startswith("numpy.") and q not in ("numpy.array", "numpy.asarray")) or q.startswith("math.")
               for q in names)


def to_int(seen: Seen) -> bool:
    """``int(t)``: truncation to a Python integer, which has no gradient."""
    return "builtins.int" in seen.flow.names.of(seen.call.func)


def host(seen: Seen) -> bool:
    """Any of the above: a value leaves TensorFlow here."""
    return conversion(seen) or numpy_maths(seen) or to_int(seen) or seen.flow.contains_numpy(seen.call)


def rewraps_host_values(seen: Seen) -> bool:
    """``tf.constant(np...)``, ``tf.convert_to_tensor(x.numpy())``, ``np.array(t)``: a tensor
    rebuilt from host values has no history on the tape."""
    flow, c = seen.flow, seen.call
    if flow.names.of(c.func) & {"numpy.array", "numpy.asarray"}:
        return True
    if not flow.names.is_tf(c.func, "constant", "convert_to_tensor", "Variable", "cast"):
        return False
    return any(host(Seen(inner, flow, seen.path, 0, False, None)) for a in c.args for inner in calls_in(a.value))


def threshold(seen: Seen) -> bool:
    """``tf.cast(x > t, tf.float32)``: a comparison turned into numbers has no gradient."""
    flow, c = seen.flow, seen.call
    if not (flow.names.is_tf(c.func, "cast", "dtypes.cast") or _keras(flow, c, {"cast"})):
        return False
    return bool(c.args) and any(isinstance(n, cst.Comparison) for n in walk(c.args[0].value))


def predict(seen: Seen) -> bool:
    """``model.predict(x)``: Keras returns NumPy, so the tape stops there."""
    func = seen.call.func
    return isinstance(func, cst.Attribute) and func.attr.value in ("predict", "predict_on_batch")


def int_cast(seen: Seen) -> bool:
    flow, c = seen.flow, seen.call
    if not (flow.names.is_tf(c.func, "cast", "dtypes.cast") or _keras(flow, c, {"cast"})):
        return False
    dtype = [a.value for a in c.args if a.keyword is None][1:2] or \
        [a.value for a in c.args if a.keyword and a.keyword.value == "dtype"]
    return bool(dtype) and (flow.names.is_int_dtype(dtype[0]) or flow.names.is_tf(dtype[0], "bool"))


def buffer_write(seen: Seen) -> bool:
    """``buf.assign(...)``/``buf[i].assign(...)``/``buf.scatter_*`` on something not a source."""
    c = seen.call
    if not (isinstance(c.func, cst.Attribute) and c.func.attr.value in WRITES):
        return False
    owner = base_path(c.func.value)
    sources = seen.gradient.sources if seen.gradient else ()
    return owner is not None and not related([owner], sources)


def new_variable(seen: Seen) -> bool:
    return seen.flow.names.is_tf(seen.call.func, "Variable")


def stop_gradient(seen: Seen) -> bool:
    """``tf.stop_gradient(...)`` (or Keras'): blocks the gradient by design."""
    return any(q.endswith(".stop_gradient") and q.startswith(("tensorflow.", "keras."))
               for q in seen.flow.names.of(seen.call.func))


def sampling(seen: Seen) -> bool:
    """``tf.random.categorical`` (and its kin): sampled indices have no gradient."""
    names = seen.flow.names.of(seen.call.func)
    return (any(q.startswith("tensorflow.") and q[len("tensorflow."):] in SAMPLING for q in names)
            or any(q in ("keras.random.categorical", "tensorflow.keras.random.categorical") for q in names))


def non_differentiable(seen: Seen) -> bool:
    flow, c = seen.flow, seen.call
    if _keras(flow, c, KERAS_NON_DIFFERENTIABLE):
        return True
    return any(q.startswith("tensorflow.") and q[len("tensorflow."):] in NON_DIFFERENTIABLE
               for q in flow.names.of(c.func))


def _keras(flow: Flow, c: cst.Call, names: frozenset[str] | set[str]) -> bool:
    for q in flow.names.of(c.func):
        if q.startswith(("keras.ops.", "keras.backend.", "tensorflow.keras.backend.", "tensorflow.keras.ops.")):
            if q.rpartition(".")[2] in names:
                return True
    return False


def first(seen: list[Seen], test: Callable[[Seen], bool], in_tape: bool = False) -> Optional[Seen]:
    return next((s for s in seen if (s.in_tape or not in_tape) and test(s)), None)


def python_function(seen: Seen) -> bool:
    """``tf.numpy_function``/``tf.py_function``: TensorFlow cannot differentiate through Python."""
    return any(q.startswith("tensorflow.") and q[len("tensorflow."):] in PYTHON_FUNCTION_OPS
               for q in seen.flow.names.of(seen.call.func))


ACCURACY_FUNCTIONS = frozenset({"binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                                "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "accuracy"})


def accuracy_metric(seen: Seen) -> bool:
    """``keras.metrics.binary_accuracy(...)`` and its kin: they compare rounded or argmax predictions."""
    return any(q.startswith(("keras.metrics.", "tensorflow.keras.metrics.", "tf_keras.metrics.", "keras.src.metrics."))
               and q.rpartition(".")[2] in ACCURACY_FUNCTIONS for q in seen.flow.names.of(seen.call.func))


def metric_state(seen: Seen) -> bool:
    """``metric.update_state(...)`` / ``metric.result()``: a Keras metric keeps its totals in
    variables written with assign_add, which cuts the tape."""
    func = seen.call.func
    return isinstance(func, cst.Attribute) and func.attr.value in ("update_state", "result")
