"""Turning the probe's JSON result into gradfix's value types.

Every string the program controls (exception messages and types, variable and function names) is
made safe to print: control characters, escape sequences above all (OSC 52 writes the clipboard,
OSC 0 the window title), become visible ``\\xNN`` text; a message keeps its newlines and tabs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from gradfix.types import Frame, GradientCall, ProbeError, ProbeResult, SiteRecord, SourceRecord

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAME_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text, *, name: bool = False) -> str:
    """``text`` with control characters shown as escapes (``name``: newlines and tabs too)."""
    return (_NAME_CONTROL if name else _CONTROL).sub(_visible, str(text))


def _frames(raw: list[dict], unplace: Callable[[str], str]) -> tuple[Frame, ...]:
    return tuple(Frame(unplace(f["path"]), int(f["line"]), printable(f.get("function", ""), name=True)) for f in raw)


def _source(raw: dict) -> SourceRecord:
    shape = raw.get("shape")
    return SourceRecord(
        name=printable(raw.get("name", "<tensor>"), name=True),
        dtype=raw.get("dtype", "?"),
        shape=tuple(shape) if shape is not None else None,
        is_variable=bool(raw.get("is_variable")),
        trainable=bool(raw.get("trainable")),
        has_gradient=bool(raw.get("has_gradient")),
        finite=bool(raw.get("finite", True)),
        norm=raw.get("norm"),
        var_name=printable(raw.get("var_name") or "", name=True),
        watched=bool(raw.get("watched", True)),
        layer=printable(raw.get("layer") or "", name=True),
        kind=raw.get("kind") or "",
    )


def _site(raw: dict, unplace: Callable[[str], str]) -> SiteRecord:
    return SiteRecord(
        stack=_frames(raw.get("stack", []), unplace),
        arrivals=int(raw.get("arrivals", 0)),
        missing=tuple(raw.get("missing", ())),
        nonfinite=tuple(raw.get("nonfinite", ())),
        fresh_variables=bool(raw.get("fresh_variables")),
        monitored=bool(raw.get("monitored", True)),
    )


def parse_result(raw: dict, unplace: Callable[[str], str], output: str = "") -> ProbeResult:
    calls = tuple(
        GradientCall(
            path=unplace(c.get("path", "")),
            line=int(c.get("line", 0)),
            stack=_frames(c.get("stack", []), unplace),
            target_type=c.get("target_type", "?"),
            loss=c.get("loss"),
            sources=tuple(_source(s) for s in c.get("sources", [])),
            error=printable(c["error"]) if isinstance(c.get("error"), str) else c.get("error"),
            step=int(c.get("step", 1)),
            watch_accessed=bool(c.get("watch_accessed", True)),
        )
        for c in raw.get("gradient_calls", [])
    )
    err = raw.get("error")
    error = None
    if err:
        error = ProbeError(printable(err.get("type", "Error"), name=True), printable(err.get("message", "")),
                           _frames(err.get("stack", []), unplace))
    return ProbeResult(
        status=raw.get("status", "ok"),
        gradient_calls=calls,
        error=error,
        exit_code=raw.get("exit_code"),
        optimizer_applied=bool(raw.get("optimizer_applied")),
        stopped=raw.get("stopped", ""),
        output=output,
        seconds=float(raw.get("seconds", 0.0)),
        functions=tuple(Frame(unplace(f["path"]), int(f["line"]), f.get("name", ""))
                        for f in raw.get("functions", [])),
        sites=tuple(_site(s, unplace) for s in raw.get("sites", [])),
        eager=bool(raw.get("eager", True)),
        executed_loss=raw.get("first_loss"),
    )
