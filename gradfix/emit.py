"""Rendering outcomes as text and JSON. Pure functions: strings in, strings out; the CLI prints."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from gradfix.diff import display_path, patch_diff
from gradfix.group import GROUP_MIN, Group, common_prefix, full_name, group
from gradfix.pairs import pairs
from gradfix.program_output import tail as output_tail
from gradfix.summary import summary  # noqa: F401  (the CLI's summary line, re-exported)
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
    return _line(f, f"{f.variable} has no gradient", tail, root)


def group_line(g: Group, tail: str, root: Path | None = None) -> str:
    """One line for a group of findings with one cause: ``train.py:10: 60 variables of 'encoder'
    have no gradient — computed before the tape starts (line 6); <tail>``."""
    if len(g.findings) == 1:
        return finding_line(g.first, tail, root)
    return _line(g.first, f"{g.label} have no gradient", tail, root)


def _line(f: Finding, who: str, tail: str, root: Path | None) -> str:
    where = ""
    cause_cell = getattr(f, "cause_cell", None)
    if f.cause_line is not None:
        cause_file = f.cause_path and f.cause_path != f.path
        if cause_cell is not None:
            where = f" ({_name(f.cause_path, root) + ':' if cause_file else ''}cell {cause_cell}, line {f.cause_line})"
        else:
            where = f" ({_name(f.cause_path, root) + ':' if cause_file else 'line '}{f.cause_line})"
    return f"{_at(f.path, f.line, getattr(f, 'cell', None), root)}: {who} — {f.message}{where}; {tail}"


SUPPRESSED = "suppressed by # gradfix: ignore"


def fix_tail(outcome: Outcome) -> str:
    """What was done about an outcome's findings, the end of each of its lines."""
    if isinstance(outcome, Repaired):
        tail = f"{'fixed by' if outcome.written else 'fixable by'} {outcome.verdict.proposal.label}"
        return tail + (" (unsafe)" if outcome.verdict.proposal.safety.value == "unsafe" else "")
    if isinstance(outcome, Unrepaired) and outcome.suggestion is not None:
        return (f"unsafe fix available: {outcome.suggestion.proposal.label} "
                f"(changes values; review it and rerun with --unsafe-fixes)")
    return "no verified fix"


def suppressed_lines(outcome: Outcome, verbose: bool = False) -> list[str]:
    """A missing gradient the user marked as intended: a note, not a fault (its reason with --verbose)."""
    out = []
    for g in group(getattr(outcome, "suppressed", ())):
        f = g.first
        who = f"{g.label} {'has' if len(g.findings) == 1 else 'have'} no gradient"
        why = f" — {f.message}" if verbose else f" ({f.cause.value})"
        out.append(f"note: {_at(f.path, f.line, getattr(f, 'cell', None))}: {who}{why}; {SUPPRESSED}, not a fault")
        out += _members(g, verbose)
    return out


def _members(g: Group, verbose: bool) -> list[str]:
    return [f"    {name}" for name in g.variables] if verbose and len(g.findings) > 1 else []


def failure_lines(outcome: Failed) -> list[str]:
    """``error: ...`` and, when the script stopped before any gradient, the last lines it printed."""
    said = program_said(outcome)
    return [f"error: {outcome.error}"] + (["  the script's last output:"] + [f"  | {line}" for line in said]
                                          if said else [])


def program_said(outcome: Failed) -> list[str]:
    """The last lines the script printed, when it failed before computing any gradient (a script
    that ended well without one is a module, not a failure to explain)."""
    probe = outcome.probe
    if probe is None or probe.gradient_calls:
        return []
    failed = probe.status != "ok" or probe.error is not None or probe.exit_code not in (None, 0)
    return output_tail(probe.output) if failed else []


def text_lines(outcome: Outcome, dry_run: bool = False, unsafe_fixes: bool = False, verbose: bool = False) -> list[str]:
    """Human lines for one file (diagnostics; diffs are separate): one line per cause, its
    variables listed under it with ``verbose``."""
    quiet = suppressed_lines(outcome, verbose)
    if isinstance(outcome, Healthy):
        return quiet + [f"warning: {_at(outcome.path, c.line, getattr(c, 'cell', None))}: the gradient of "
                        f"{full_name(s)} is identically zero (no error, but it will not train)"
                        for c in outcome.probe.gradient_calls if c.step == 1 for s in c.sources
                        if s.has_gradient and s.norm == 0.0]
    if isinstance(outcome, Failed):
        return failure_lines(outcome)
    if isinstance(outcome, Skipped):
        return []
    tail = fix_tail(outcome)
    lines = []
    for g in group(outcome.findings):
        lines.append(group_line(g, tail))
        lines += _members(g, verbose)
    if isinstance(outcome, Repaired):
        lines += [f"  note: {n}" for n in dict.fromkeys(outcome.verdict.proposal.notes)]
        lines += _zero_warnings(outcome.path, outcome.verdict, verbose)
        return lines + quiet
    assert isinstance(outcome, Unrepaired)
    if outcome.suggestion is not None:
        lines += [f"  note: {n}" for n in dict.fromkeys(outcome.suggestion.proposal.notes)]
    if outcome.note:
        lines.append(f"  note: {outcome.note}")
    if outcome.suggestion is None:
        lines += [f"  tried {v.proposal.label}: {v.reason}" for v in outcome.tried]
        if not outcome.tried:
            lines.append("  no codemod applies to this code")
    return lines + quiet


def _zero_warnings(path: Path, verdict: Verdict, verbose: bool = False) -> list[str]:
    names = verdict.zero_gradients
    if len(names) >= GROUP_MIN and not verbose:
        owner = common_prefix(names)
        which = f"{len(names)} variables of '{owner}'" if owner else f"{len(names)} variables"
        return [f"warning: {_name(path)}: the gradients of {which} are identically zero after the fix "
                f"(the error may be silenced rather than fixed; --verbose lists them)"]
    return [f"warning: {_name(path)}: the gradient of {name} is identically zero after the fix "
            f"(the error may be silenced rather than fixed)" for name in names]


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
         "sources": [{"name": full_name(s), "dtype": s.dtype, "shape": list(s.shape) if s.shape is not None else None,
                      "has_gradient": s.has_gradient, "finite": s.finite, "norm": s.norm}
                     for s in c.sources]}
        for c in probe.gradient_calls
    ]


def _evidence(before: ProbeResult, after: ProbeResult | None) -> dict:
    variables = []
    for p in pairs(before, after):
        new = p.after
        variables.append({"name": full_name(p.before), "line": p.call.line, **_cell(p.call), "before": p.before.has_gradient,
                          "after": bool(new and new.has_gradient), "norm_after": new.norm if new else None,
                          "dropped": p.dropped, "added": p.added})
    return {"loss_before": before.first_loss, "loss_after": after.first_loss if after else None,
            "variables": variables}


def _fix(verdict: Verdict | None, probe: ProbeResult, written: bool, action: str | None = None) -> dict | None:
    if verdict is None:
        return None
    p = verdict.proposal
    out = {"codemods": list(p.codemods), "safety": p.safety.value, "verified": verdict.accepted,
           "written": written, "diff": proposal_diff(p), "notes": list(p.notes),
           "zero_gradients": list(verdict.zero_gradients), "evidence": _evidence(probe, verdict.result)}
    if action is not None:
        out["action"] = action
    return out


# what became of a verified fix ("action" in JSON), by what the command was asked to do
ACTIONS = ("written", "dry_run", "check_only", "declined", "needs_unsafe_fixes", "held_back")
MODES = ("check", "apply", "dry-run", "interactive")


def fix_action(outcome: Outcome, mode: str | None) -> str | None:
    """``written``; else why not: ``dry_run`` (shown as a diff), ``check_only`` (check writes nothing),
    ``declined`` (answered no, or not asked after quit, in ``apply -i``), ``needs_unsafe_fixes`` (an
    unsafe fix, shown as a suggestion), ``held_back`` (not written, see the file's note)."""
    if isinstance(outcome, Repaired):
        if outcome.written:
            return "written"
        return {"check": "check_only", "dry-run": "dry_run", "interactive": "declined"}.get(mode or "check",
                                                                                            "held_back")
    if isinstance(outcome, Unrepaired) and outcome.suggestion is not None:
        return "held_back" if outcome.note else "needs_unsafe_fixes"
    return None


def _finding(f: Finding) -> dict:
    return {"variable": f.variable, "path": _name(f.path), "line": f.line, **_cell(f), "cause": f.cause.value,
            "cause_line": f.cause_line, **_cell(f, "cause_"), "message": f.message}


def _diagnostics(outcome: Outcome) -> list[dict]:
    """One entry per cause (the text output's lines), with every variable it covers."""
    out = []
    for quiet, findings in ((False, getattr(outcome, "findings", ())), (True, getattr(outcome, "suppressed", ()))):
        for g in group(findings):
            f = g.first
            out.append({"path": _name(f.path), "line": f.line, **_cell(f), "cause": f.cause.value,
                        "cause_line": f.cause_line, **_cell(f, "cause_"), "message": f.message,
                        "variables": list(g.variables), "owner": g.owner or None, "suppressed": quiet,
                        "text": group_line(g, SUPPRESSED if quiet else fix_tail(outcome))})
    return out


def file_json(outcome: Outcome, mode: str | None = None) -> dict:
    probe = getattr(outcome, "probe", None)
    findings = list(getattr(outcome, "findings", ()))
    fix = None
    action = fix_action(outcome, mode) if mode is not None else None
    if isinstance(outcome, Repaired):
        fix = _fix(outcome.verdict, outcome.probe, outcome.written, action)
    elif isinstance(outcome, Unrepaired):
        fix = _fix(outcome.suggestion, outcome.probe, False, action)
    failed = isinstance(outcome, Failed)
    return {
        "path": _name(outcome.path),
        "status": STATUS[type(outcome)],
        "gradient_calls": _calls(probe),
        "findings": [_finding(f) for f in findings],
        "suppressed": [_finding(f) for f in getattr(outcome, "suppressed", ())],
        "diagnostics": _diagnostics(outcome),
        "fix": fix,
        "tried": [{"codemods": list(v.proposal.codemods), "safety": v.proposal.safety.value,
                   "verified": v.accepted, "reason": v.reason} for v in getattr(outcome, "tried", ())],
        "error": outcome.error if failed else None,
        "output_tail": program_said(outcome) if failed else None,
        "note": getattr(outcome, "note", "") or None,
        "skipped": outcome.reason if isinstance(outcome, Skipped) else None,
    }


def to_json(outcomes: Sequence[Outcome], mode: str | None = None) -> str:
    """The JSON report; ``mode`` (one of MODES) says what the command did, and each verified fix's
    ``action`` what became of it."""
    head = {"version": 1} if mode is None else {"version": 1, "mode": mode}
    return json.dumps({**head, "files": [file_json(o, mode) for o in outcomes]}, indent=2)
