"""Explaining each missing gradient: a cause and a line, from what the probe saw and the code."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from gradfix.types import Cause, Finding, GradientCall, ProbeResult, SourceRecord

INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool")


def _explain(call: GradientCall, src: SourceRecord) -> tuple[Cause, str]:
    if call.target_type in ("numpy", "python") or (call.error and "_id" in call.error):
        return Cause.NUMPY_IN_GRAPH, (f"the target of tape.gradient is a {call.target_type} value, not a "
                                      f"tensor: NumPy or Python maths cut the tape")
    if src.dtype in INT_DTYPES:
        return Cause.INT_DTYPE, f"{src.name} has integer dtype {src.dtype}; only floating-point values get gradients"
    if not src.is_variable:
        return Cause.UNWATCHED_TENSOR, f"{src.name} is a plain tensor the tape does not watch"
    return Cause.OTHER, "the loss does not reach it through operations the tape recorded"


def diagnose(probe: ProbeResult, texts: Mapping[Path, str]) -> tuple[Finding, ...]:
    findings = []
    for call in probe.gradient_calls:
        for src in call.missing:
            cause, message = _explain(call, src)
            findings.append(Finding(call.path, call.line, src.name, cause, message))
    return tuple(findings)
