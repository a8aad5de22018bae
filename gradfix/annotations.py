"""GitHub Actions workflow commands: annotations on the pull request's changed lines, no upload.

``gradfix check --format github`` in a workflow step turns each missing gradient into an error at
its ``tape.gradient`` call, a verified fix into a notice carrying its diff, an identically-zero
gradient into a warning, and a file that could not be run into an error on that file. Pure: the
CLI prints the lines. GitHub shows at most 10 annotations of each kind per step (50 per job); the
rest stay readable in the step's log.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gradfix.diff import display_path
from gradfix.emit import proposal_diff
from gradfix.sarif import failure_location, finding_messages, pending_fix, zero_gradients
from gradfix.types import Failed, Outcome, Safety


def escape_data(text: str) -> str:
    """A command's message: ``%``, CR and LF would end or corrupt the command (runner's escapeData)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: also ``:`` and ``,``, which delimit properties (runner's escapeProperty)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, file: str, line: int | None = None, title: str = "") -> str:
    """``::kind file=…,line=…,endLine=…,title=…::message``, every part escaped."""
    props = [f"file={escape_property(file)}"]
    if line is not None:
        props += [f"line={line}", f"endLine={line}"]
    if title:
        props.append(f"title={escape_property(title)}")
    return f"::{kind} {','.join(props)}::{escape_data(message)}"


def _file_line(line: int, cell: int | None) -> int | None:
    """The line to annotate: none inside a notebook cell (the message names the cell and its line)."""
    return line if cell is None else None


def _fix_notice(outcome: Outcome, root: Path | None) -> list[str]:
    """A notice at the first finding's gradient call with the verified diff, as ``apply --dry-run``
    shows it (one per file)."""
    verdict = pending_fix(outcome)
    if verdict is None:
        return []
    first = outcome.findings[0]
    proposal = verdict.proposal
    how = "gradfix apply --unsafe-fixes" if proposal.safety is Safety.UNSAFE else "gradfix apply"
    message = (f"verified fix ({proposal.safety.value}): {proposal.label}; `{how} "
               f"{display_path(outcome.path, root)}` writes it:\n"
               + proposal_diff(proposal).rstrip("\n"))
    return [command("notice", message, display_path(Path(first.path), root),
                    _file_line(first.line, getattr(first, "cell", None)),
                    f"gradfix fix: {proposal.label}")]


def to_github(outcomes: Sequence[Outcome], root: Path | None = None) -> str:
    """The workflow commands for ``outcomes``, one per line; paths relative to ``root`` (default:
    the current folder), which should be the repository root, as GitHub resolves them there."""
    lines = []
    for outcome in outcomes:
        if isinstance(outcome, Failed):
            path, line = failure_location(outcome)
            lines.append(command("error", outcome.error, display_path(Path(path), root), line,
                                 "gradfix could not run"))
            continue
        for finding, message, suppressed in finding_messages(outcome, root):
            if not suppressed:
                lines.append(command("error", message, display_path(Path(finding.path), root),
                                     _file_line(finding.line, getattr(finding, "cell", None)),
                                     f"gradfix {finding.cause.value}"))
        lines += _fix_notice(outcome, root)
        lines += [command("warning", zero.message, display_path(Path(zero.path), root),
                          _file_line(zero.line, zero.cell), "gradfix zero gradient") for zero in zero_gradients(outcome)]
    return "".join(line + "\n" for line in lines)
