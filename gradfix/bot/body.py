"""The pull request's text: what was wrong, the diff, the evidence, how to reproduce, and a hidden
marker that lets later runs recognise their own pull requests (even after a maintainer closed one).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from gradfix.bot import markdown as md
from gradfix.bot.fixset import FixSet
from gradfix.bot.secrets import redact
from gradfix.emit import finding_line
from gradfix.pairs import pairs
from gradfix.types import ProbeResult

MAX_BODY = 60_000  # GitHub refuses bodies over 65,536 characters
_MARKER = re.compile(r"<!-- gradfix (\{.*?\}) -->")


@dataclass(frozen=True)
class Marker:
    """What a pull request body says about the fix it carries."""

    fingerprint: str
    script: str
    base: str
    closed_by_gradfix: bool = False


def marker_of(body: str | None) -> Marker | None:
    """The marker in ``body``, or None for a pull request gradfix did not open."""
    match = _MARKER.search(body or "")
    if not match:
        return None
    try:
        data = json.loads(match.group(1))
        return Marker(str(data["fingerprint"]), str(data["script"]), str(data["base"]),
                      bool(data.get("closed_by_gradfix", False)))
    except (ValueError, KeyError, TypeError):
        return None


def marker_line(marker: Marker) -> str:
    data = {"fingerprint": marker.fingerprint, "script": marker.script, "base": marker.base}
    if marker.closed_by_gradfix:
        data["closed_by_gradfix"] = True
    text = json.dumps(data, sort_keys=True).replace("<", "\\u003c").replace(">", "\\u003e")  # no "-->" inside
    return f"<!-- gradfix {text} -->"


def closed_body(body: str, reason: str) -> str:
    """The body of a pull request gradfix closes itself: the reason on top, the marker flagged, so
    that the fix may be proposed again if the fault comes back."""
    old = marker_of(body)
    rest = _MARKER.sub("", body, count=1).lstrip("\n")
    head = marker_line(Marker(old.fingerprint, old.script, old.base, True)) if old else ""
    return f"{head}\n> **Closed by gradfix:** {md.text(reason)}\n\n{rest}"


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks inside ``text``."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _norm(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _evidence(before: ProbeResult, after: ProbeResult | None) -> list[str]:
    rows = ["| gradient call | variable | gradient before | gradient after (norm) |", "|---|---|---|---|"]
    for p in pairs(before, after):
        src, new, call = p.before, p.after, p.call
        was = _norm(src.norm) if src.has_gradient else "**None**"
        now = ("not differentiated any more" if p.dropped else "**None**" if new is None or not new.has_gradient
               else _norm(new.norm))
        cell = getattr(call, "cell", None)  # a notebook's gradient call: its cell, and the line there
        where = f"{Path(call.path).name}:" + (f"cell {cell}:line {call.line}" if cell is not None else f"{call.line}")
        rows.append(f"| {md.text(where)} | `{md.code(src.name)}` | {was} | {now} |")
    loss_after = after.first_loss if after else None
    rows += ["", f"Loss of the first step: {_norm(before.first_loss)} before, {_norm(loss_after)} after."]
    return rows


def render(fix: FixSet, root: Path, base_sha: str, script_args: tuple[str, ...] = ()) -> str:
    """The whole pull request body (Markdown)."""
    outcome = fix.outcome
    proposal = outcome.verdict.proposal
    diff = fix.diff(root)
    fence = _fence(diff)
    safety = ("safe: the codemods keep every value, and the first loss is unchanged"
              if proposal.safety.value == "safe" else
              "**unsafe**: the fix changes values; review it before merging")
    command = md.line(shlex.join(["gradfix", "apply", "--dry-run", fix.script,
                                  *(["--", *script_args] if script_args else [])]))
    lines = [
        marker_line(Marker(fix.fingerprint, fix.script, fix.base)),
        f"gradfix ran the training step of `{md.code(fix.script)}` on `{md.code(fix.base)}` (`{base_sha[:12]}`) "
        f"and found variables that get no gradient. This pull request carries the fix it verified by running "
        f"the step again: every variable now gets a finite gradient.",
        "",
        "### What was wrong",
        *(f"- {md.text(finding_line(f, 'fixed by ' + proposal.label, root))}" for f in outcome.findings),
        "",
        "### The fix",
        f"Codemods: {', '.join(f'`{md.code(c)}`' for c in proposal.codemods)} ({safety}).",
        *(f"- Note: {md.text(n)}" for n in dict.fromkeys(proposal.notes)),
        "",
        f"{fence}diff",
        diff.rstrip("\n"),
        fence,
        "",
        "### Evidence",
        *_evidence(outcome.probe, outcome.verdict.result),
        "",
        "### Reproduce",
        f"{_fence(command)}sh",
        "pip install gradfix",
        command,
        _fence(command),
    ]
    body = "\n".join(lines) + "\n"
    if len(body) > MAX_BODY:  # keep the evidence; the diff is in the commit anyway
        start, end = lines.index(f"{fence}diff"), lines.index(fence, lines.index(f"{fence}diff") + 1)
        lines[start:end + 1] = ["The diff is too long to show here; see the commit of this pull request."]
        body = "\n".join(lines) + "\n"
    return redact(body)  # the bot's own credentials, wherever the program managed to put them
