"""Turning the probe's JSON result into gradfix's value types."""

from __future__ import annotations

from collections.abc import Callable

from gradfix.types import Frame, GradientCall, ProbeError, ProbeResult, SiteRecord, SourceRecord


def _frames(raw: list[dict], unplace: Callable[[str], str]) -> tuple[Frame, ...]:
    return tuple(Frame(unplace(f["path"]), int(f["line"]), f.get("function", "")) for f in raw)


def _source(raw: dict) -> SourceRecord:
    shape = raw.get("shape")
    return SourceRecord(
        name=raw.get("name", "<tensor>"),
        dtype=raw.get("dtype", "?"),
        shape=tuple(shape) if shape is not None else None,
        is_variable=bool(raw.get("is_variable")),
        trainable=bool(raw.get("trainable")),
        has_gradient=bool(raw.get("has_gradient")),
        finite=bool(raw.get("finite", True)),
        norm=raw.get("norm"),
        var_name=raw.get("var_name") or "",
        watched=bool(raw.get("watched", True)),
        layer=raw.get("layer") or "",
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
            error=c.get("error"),
            step=int(c.get("step", 1)),
            watch_accessed=bool(c.get("watch_accessed", True)),
        )
        for c in raw.get("gradient_calls", [])
    )
    err = raw.get("error")
    error = None
    if err:
        error = ProbeError(err.get("type", "Error"), err.get("message", ""), _frames(err.get("stack", []), unplace))
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
