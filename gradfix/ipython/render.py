"""An outcome as the lines a notebook shows under a cell: plain text, and HTML with the diff coloured.
Pure functions, strings in, strings out; the extension displays them."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gradfix.diff import patch_diff, unified_diff
from gradfix.notebook import is_notebook
from gradfix.notebook.jsonedit import cell_sources
from gradfix.types import Failed, Finding, Healthy, Outcome, Proposal, Repaired, Skipped, Unrepaired, Verdict

Label = Callable[[int], str]  # cell number (1-based) -> "In [4]" or "cell 4"


@dataclass(frozen=True)
class Names:
    """How places read: the notebook's path (as the outcome names it), what to call it, its cells."""

    path: Path
    title: str  # "this session" or the file's name
    label: Label

    def text(self, message: str) -> str:
        """``PATH:cell 3:line 2`` and ``cell 3, line 2`` told with the cells' labels."""
        name = "|".join(re.escape(p) for p in sorted({str(self.path), str(Path(self.path).resolve())},
                                                       key=len, reverse=True))
        message = re.sub(rf"^(?:{name}): ", "", message)
        message = re.sub(rf"(?:{name}):cell (\d+):line (\d+)",
                         lambda m: f"{self.label(int(m.group(1)))}, line {m.group(2)}", message)
        message = re.sub(r"\bcell (\d+), line", lambda m: f"{self.label(int(m.group(1)))}, line", message)
        return re.sub(name, lambda _: self.title, message)


def finding_line(f: Finding, tail: str, names: Names) -> str:
    cell, cause_cell = getattr(f, "cell", None), getattr(f, "cause_cell", None)
    where = f"{names.label(cell)}, line {f.line}" if cell is not None else f"{f.path}:{f.line}"
    cause = ""
    if f.cause_line is not None:
        cause = (f" ({names.label(cause_cell)}, line {f.cause_line})" if cause_cell is not None
                 else f" ({f.cause_path or f.path}:{f.cause_line})")
    return f"{where}: {f.variable} has no gradient — {names.text(f.message)}{cause}; {tail}"


def cell_diffs(proposal: Proposal, names: Names) -> str:
    """The code of each changed cell as a unified diff named by its label; other files as files."""
    out = []
    for patch in proposal.patches:
        if not is_notebook(patch.path):
            out.append(patch_diff([(patch.path, patch.before, patch.after)]))
            continue
        old, new = cell_sources(patch.before), cell_sources(patch.after)
        for index, (a, b) in enumerate(zip(old, new)):
            if a != b:
                out.append(unified_diff(_ended(a), _ended(b), names.label(index + 1)))
    return "".join(out)


def fixed_cells(proposal: Proposal, names: Names) -> str:
    """The whole new code of each changed cell, to paste over the old one."""
    out = []
    for patch in proposal.patches:
        if not is_notebook(patch.path):
            out.append(f"# {patch.path}, fixed:\n{_ended(patch.after)}")
            continue
        for index, (a, b) in enumerate(zip(cell_sources(patch.before), cell_sources(patch.after))):
            if a != b:
                out.append(f"# {names.label(index + 1)}, fixed:\n{_ended(b)}" if b.strip()
                           else f"# {names.label(index + 1)}: now empty (delete the cell)\n")
    return "\n".join(out)


def _ended(source: str) -> str:
    return source if not source or source.endswith(("\n", "\r")) else source + "\n"


def _shown_fix(outcome: Outcome) -> Verdict | None:
    if isinstance(outcome, Repaired):
        return outcome.verdict
    if isinstance(outcome, Unrepaired):
        return outcome.suggestion
    return None


def lines(outcome: Outcome, names: Names, runs: int) -> list[str]:
    """The diagnosis: a head line, one line per missing gradient, notes (the diff is separate)."""
    checked = f"{runs} run{'s' * (runs != 1)} of {names.title}'s cells in a child process"
    if isinstance(outcome, Failed):
        return [f"gradfix: could not examine {names.title}: {names.text(outcome.error)}"]
    if isinstance(outcome, Skipped):
        return [f"gradfix: {names.title} computes no gradient"]
    if isinstance(outcome, Healthy):
        calls = len({(c.path, c.line) for c in outcome.probe.gradient_calls})
        return [f"gradfix: every variable gets a gradient ({calls} gradient call{'s' * (calls != 1)}; {checked})"]
    fix = _shown_fix(outcome)
    if isinstance(outcome, Repaired):
        verb = "fixed by" if outcome.written else "fixable by"
        tail = f"{verb} {fix.proposal.label}" + (" (unsafe)" if fix.proposal.safety.value == "unsafe" else "")
        head = f"gradfix: verified fix ({checked})" if not outcome.written else f"gradfix: fix written ({checked})"
    elif fix is not None:
        tail = f"unsafe fix available: {fix.proposal.label} (changes values; review it and rerun with " \
               f"%gradfix --unsafe-fixes)"
        head = f"gradfix: a verified fix that changes values ({checked})"
    else:
        tail, head = "no verified fix", f"gradfix: no verified fix ({checked})"
    out = [head] + [finding_line(f, tail, names) for f in outcome.findings]
    if fix is not None:
        out += [f"  note: {names.text(n)}" for n in dict.fromkeys(fix.proposal.notes)]
    else:
        out += [f"  tried {v.proposal.label}: {names.text(v.reason)}" for v in outcome.tried]
        if not outcome.tried:
            out.append("  no codemod applies to this code")
    return out


def diff_of(outcome: Outcome, names: Names) -> str:
    fix = _shown_fix(outcome)
    return cell_diffs(fix.proposal, names) if fix is not None else ""


def pasteable(outcome: Outcome, names: Names) -> str:
    fix = _shown_fix(outcome)
    return fixed_cells(fix.proposal, names) if fix is not None else ""


def text(head: list[str], diff: str) -> str:
    return "\n".join(head) + ("\n" + diff.rstrip("\n") if diff else "")


_STYLES = (("+++", "font-weight:bold"), ("---", "font-weight:bold"), ("@@", "color:#0a7ea4"),
           ("+", "color:#116329;background:#dafbe1"), ("-", "color:#82071e;background:#ffebe9"))


def html_of(head: list[str], diff: str = "", code: str = "") -> str:
    """The same, as HTML: the head bold, each line escaped, the diff coloured (``code``: shown as is)."""
    rows = [html.escape(line) for line in code.splitlines()]
    for line in diff.splitlines():
        style = next((s for prefix, s in _STYLES if line.startswith(prefix)), "")
        rows.append(f'<span style="{style}">{html.escape(line)}</span>' if style else html.escape(line))
    body = "".join(f"<div>{html.escape(line)}</div>" for line in head[1:])
    pre = ('<pre style="margin:4px 0;padding:4px;background:rgba(127,127,127,0.08)">' + "\n".join(rows) + "</pre>"
           if rows else "")
    return (f'<div class="gradfix" style="border-left:3px solid #d9822b;padding:2px 8px;font-family:monospace">'
            f"<div><b>{html.escape(head[0])}</b></div>{body}{pre}</div>")
