"""Rendering outcomes as text and JSON. Pure functions: strings in, strings out; the CLI prints."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from gradfix.diff import display_path, patch_diff
from gradfix.pairs import pairs
from gradfix.types import (
    Failed,
    Finding,
    Healthy,
    Outcome,
    ProbeResult,
    Proposal,
    Repaired,
    Skipped,
    Unrepaired,
    Verdict,
)

STATUS = {Healthy: "healthy", Repaired: "repaired", Unrepaired: "unrepaired", Failed: "error",
          Skipped: "skipped"}


def proposal_diff(proposal: Proposal) -> str:
    """The unified diff of a proposal; a notebook's part shows the code of each changed cell
    (``--- a/train.ipynb (cell 4)``), to read, not to ``git apply``."""
    from gradfix.notebook import cell_diff, is_notebook

    return "".join(cell_diff(p.before, p.after, display_path(Path(p.path))) if is_notebook(p.path)
                   else patch_diff([(p.path, p.before, p.after)]) for p in proposal.patches)


def _name(path: str | Path, root: Path | None = None) -> str:
    return display_path(Path(path), root)


def _at(path: str | Path, line: int, cell: int | None, root: Path | None = None) -> str:
    """``train.py:12``, or in a notebook ``train.ipynb:cell 4:line 2``."""
    return f"{_name(path, root)}:cell {cell}:line {line}" if cell is not None else f"{_name(path, root)}:{line}"


def finding_line(f: Finding, tail: str, root: Path | None = None) -> str:
    """``train.py:12: w has no gradient — <why> (line 9); <tail>``, paths relative to ``root``
    (default: the current folder). In a notebook: ``train.ipynb:cell 4:line 2: ... (cell 3, line 5)``."""
    where = ""
    cause_cell = getattr(f, "cause_cell", None)
    if f.cause_line is not None:
        cause_file = f.cause_path and f.cause_path != f.path
        if cause_cell is not None:
            where = f" ({_name(f.cause_path, root) + ':' if cause_file else ''}cell {cause_cell}, line {f.cause_line})"
        else:
            where = f" ({_name(f.cause_path, root) + ':' if cause_file else 'line '}{f.cause_line})"
    return (f"{_at(f.path, f.line, getattr(f, 'cell', None), root)}: {f.variable} has no gradient — "
            f"{f.message}{where}; {tail}")


def text_lines(outcome: Outcome, dry_run: bool = False, unsafe_fixes: bool = False) -> list[str]:
    """Human lines for one file (diagnostics; diffs are separate)."""
    quiet = [f"{finding_line(f, 'suppressed by # gradfix: ignore')}" for f in getattr(outcome, "suppressed", ())]
    if isinstance(outcome, Healthy):
        return quiet + [f"warning: {_at(outcome.path, c.line, getattr(c, 'cell', None))}: the gradient of "
                        f"{s.name} is identically zero (no error, but it will not train)"
                        for c in outcome.probe.gradient_calls if c.step == 1 for s in c.sources
                        if s.has_gradient and s.norm == 0.0]
    if isinstance(outcome, Failed):
        return [f"error: {outcome.error}"]
    if isinstance(outcome, Skipped):
        return []
    if isinstance(outcome, Repaired):
        verb = "fixed by" if outcome.written else "fixable by"
        tail = f"{verb} {outcome.verdict.proposal.label}"
        if outcome.verdict.proposal.safety.value == "unsafe":
            tail += " (unsafe)"
        lines = [finding_line(f, tail) for f in outcome.findings]
        lines += [f"  note: {n}" for n in dict.fromkeys(outcome.verdict.proposal.notes)]
        lines += _zero_warnings(outcome.path, outcome.verdict)
        return lines + quiet
    assert isinstance(outcome, Unrepaired)
    if outcome.suggestion is not None:
        tail = (f"unsafe fix available: {outcome.suggestion.proposal.label} "
                f"(changes values; review it and rerun with --unsafe-fixes)")
    else:
        tail = "no verified fix"
    lines = [finding_line(f, tail) for f in outcome.findings]
    if outcome.suggestion is not None:
        lines += [f"  note: {n}" for n in dict.fromkeys(outcome.suggestion.proposal.notes)]
    if outcome.note:
        lines.append(f"  note: {outcome.note}")
    if outcome.suggestion is None:
        lines += [f"  tried {v.proposal.label}: {v.reason}" for v in outcome.tried]
        if not outcome.tried:
            lines.append("  no codemod applies to this code")
    return lines + quiet


def _zero_warnings(path: Path, verdict: Verdict) -> list[str]:
    return [f"warning: {_name(path)}: the gradient of {name} is identically zero after the fix "
            f"(the error may be silenced rather than fixed)" for name in verdict.zero_gradients]


def summary(outcomes: Sequence[Outcome], applied: bool) -> str:
    missing = sum(len(o.findings) for o in outcomes if isinstance(o, (Repaired, Unrepaired)))
    fixed = sum(len(o.findings) for o in outcomes if isinstance(o, Repaired) and o.written)
    fixable = sum(len(o.findings) for o in outcomes if isinstance(o, Repaired) and not o.written)
    errors = sum(isinstance(o, Failed) for o in outcomes)
    skipped = sum(isinstance(o, Skipped) for o in outcomes)
    files = len(outcomes) - skipped
    tail = f" ({skipped} skipped: no gradient computed when run)" if skipped else ""
    if missing == 0 and errors == 0:
        return f"All gradients present ({files} file{'s' * (files != 1)} checked){tail}."
    parts = [f"{missing} missing gradient{'s' * (missing != 1)} in {files} file{'s' * (files != 1)}"]
    if applied:
        parts.append(f"{fixed} fixed")
    if fixable:
        parts.append(f"{fixable} fixable with `gradfix apply`" if not applied else f"{fixable} fixable")
    if errors:
        parts.append(f"{errors} file{'s' * (errors != 1)} could not be checked")
    return "Found " + ", ".join(parts) + tail + "."


# --------------------------------------------------------------------------- JSON


def _cell(obj, prefix: str = "") -> dict:
    """``{"cell": 4, "cell_id": "..."}`` for a place in a notebook cell; nothing for a script."""
    cell = getattr(obj, prefix + "cell", None)
    return {} if cell is None else {prefix + "cell": cell, prefix + "cell_id": getattr(obj, prefix + "cell_id", None)}


def _calls(probe: ProbeResult | None) -> list[dict]:
    if probe is None:
        return []
    return [
        {"path": _name(c.path), "line": c.line, **_cell(c), "loss": c.loss, "target_type": c.target_type,
         "sources": [{"name": s.name, "dtype": s.dtype, "shape": list(s.shape) if s.shape is not None else None,
                      "has_gradient": s.has_gradient, "finite": s.finite, "norm": s.norm}
                     for s in c.sources]}
        for c in probe.gradient_calls
    ]


def _evidence(before: ProbeResult, after: ProbeResult | None) -> dict:
    variables = []
    for p in pairs(before, after):
        new = p.after
        variables.append({"name": p.before.name, "line": p.call.line, **_cell(p.call), "before": p.before.has_gradient,
                          "after": bool(new and new.has_gradient), "norm_after": new.norm if new else None,
                          "dropped": p.dropped, "added": p.added})
    return {"loss_before": before.first_loss, "loss_after": after.first_loss if after else None,
            "variables": variables}


def _fix(verdict: Verdict | None, probe: ProbeResult, written: bool) -> dict | None:
    if verdict is None:
        return None
    p = verdict.proposal
    return {"codemods": list(p.codemods), "safety": p.safety.value, "verified": verdict.accepted,
            "written": written, "diff": proposal_diff(p), "notes": list(p.notes),
            "zero_gradients": list(verdict.zero_gradients), "evidence": _evidence(probe, verdict.result)}


def _finding(f: Finding) -> dict:
    return {"variable": f.variable, "path": _name(f.path), "line": f.line, **_cell(f), "cause": f.cause.value,
            "cause_line": f.cause_line, **_cell(f, "cause_"), "message": f.message}


def file_json(outcome: Outcome) -> dict:
    probe = getattr(outcome, "probe", None)
    findings = list(getattr(outcome, "findings", ()))
    fix = None
    if isinstance(outcome, Repaired):
        fix = _fix(outcome.verdict, outcome.probe, outcome.written)
    elif isinstance(outcome, Unrepaired):
        fix = _fix(outcome.suggestion, outcome.probe, False)
    return {
        "path": _name(outcome.path),
        "status": STATUS[type(outcome)],
        "gradient_calls": _calls(probe),
        "findings": [_finding(f) for f in findings],
        "suppressed": [_finding(f) for f in getattr(outcome, "suppressed", ())],
        "fix": fix,
        "tried": [{"codemods": list(v.proposal.codemods), "safety": v.proposal.safety.value,
                   "verified": v.accepted, "reason": v.reason} for v in getattr(outcome, "tried", ())],
        "error": outcome.error if isinstance(outcome, Failed) else None,
        "note": getattr(outcome, "note", "") or None,
        "skipped": outcome.reason if isinstance(outcome, Skipped) else None,
    }


def to_json(outcomes: Sequence[Outcome]) -> str:
    return json.dumps({"version": 1, "files": [file_json(o) for o in outcomes]}, indent=2)
