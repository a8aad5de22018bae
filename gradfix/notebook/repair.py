"""Repairing a notebook: its program is repaired exactly like a script, then the outcome is told in
the notebook's terms.

The program (see convert.py) is handed to ``repair`` as the text of a file that exists only in the
sandbox copy of the notebook's folder (``<stem>.gradfix-notebook.py`` beside the notebook), so it runs
where the notebook runs (relative data paths work) and the user's folder is never touched. The outcome
that comes back names that file; here every path and line in it becomes the notebook and a cell
(findings, gradient calls, frames, messages), and each candidate's change to the program becomes a
change to the notebook's JSON text: the new sources of the cells that changed, nothing else. A fix
is then written by ``write_fix`` like any other file (``load`` reads a notebook as its JSON text).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from gradfix.codemods import REGISTRY
from gradfix.codemods.base import Codemod
from gradfix.errors import InputError
from gradfix.notebook.convert import SplitError, to_program
from gradfix.notebook.jsonedit import LayoutError, replace_sources
from gradfix.notebook.read import Notebook, cells_of, is_valid, read_notebook
from gradfix.types import (
    Failed,
    FilePatch,
    Finding,
    Frame,
    GradientCall,
    Healthy,
    Outcome,
    ProbeResult,
    Proposal,
    Repaired,
    RunOptions,
    Skipped,
    Unrepaired,
    Verdict,
)


@dataclass(frozen=True)
class CellFinding(Finding):
    """A finding whose gradient call (``cell``) or cause (``cause_cell``) lies in a notebook cell;
    ``line`` and ``cause_line`` are then lines of that cell. Cells are numbered from 1 among all the
    notebook's cells, markdown included, as nbqa and most editors' "go to cell" count them."""

    cell: int | None = None
    cell_id: str | None = None
    cause_cell: int | None = None
    cause_cell_id: str | None = None


@dataclass(frozen=True)
class CellFrame(Frame):
    cell: int | None = None
    cell_id: str | None = None


@dataclass(frozen=True)
class CellGradientCall(GradientCall):
    cell: int | None = None
    cell_id: str | None = None


def repair_notebook(path: Path, runner, options: RunOptions, codemods: Sequence[Codemod] = REGISTRY) -> Outcome:
    """``repair`` for a notebook: never writes, never raises for a problem of this notebook."""
    from gradfix.pipeline import repair

    try:
        notebook = read_notebook(path)
    except InputError as exc:
        return Failed(path, str(exc))
    outcome = repair(notebook.virtual, runner, options, codemods, source=notebook.source())
    return Teller(notebook).outcome(outcome)


def _fields(obj) -> dict:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


class Teller:
    """Tells an outcome about a notebook's program in the notebook's terms."""

    def __init__(self, notebook: Notebook) -> None:
        self.nb = notebook
        self.virtual = notebook.virtual.resolve()
        self.path = str(notebook.path.resolve())
        names = sorted({str(self.virtual), str(notebook.virtual)}, key=len, reverse=True)
        self._paths = re.compile("(" + "|".join(map(re.escape, names)) + r")(?::(\d+))?")
        self._lines = re.compile(self._paths.pattern + r"|\bline (\d+)\b")
        self._texts: dict[str, str | SplitError] = {}
        self._verdicts: dict[int, tuple[Verdict, str | None]] = {}

    # ------------------------------------------------------------------ places
    def mine(self, path: str | Path | None) -> bool:
        return bool(path) and Path(path).resolve() == self.virtual

    def at(self, line: int) -> tuple[int | None, str | None, int]:
        """Program line -> (cell number, cell id, line in the cell)."""
        where = self.nb.program.where(line)
        if where is None:
            return None, None, line
        cell, in_cell = where
        return cell.number, cell.id, in_cell

    def _swap(self, match: re.Match) -> str:
        if match.group(1) is None:  # "line N"
            cell, _, line = self.at(int(match.group(3)))
            return f"cell {cell}, line {line}" if cell else match.group(0)
        path = self.path if match.group(1) == str(self.virtual) else str(self.nb.path)
        if match.group(2) is None:
            return path
        cell, _, line = self.at(int(match.group(2)))
        return f"{path}:cell {cell}:line {line}" if cell else f"{path}:{line}"

    def text(self, message: str) -> str:
        """A message with the program's path (and ``path:line``) told as the notebook's cell and line."""
        return self._paths.sub(self._swap, message)

    def lines(self, message: str) -> str:
        """``text``, and ``line N`` (codemods' notes, verdicts' reasons) told as ``cell C, line M``."""
        return self._lines.sub(self._swap, message)

    # ------------------------------------------------------------------ values
    def finding(self, f: Finding) -> Finding:
        cause_file = f.cause_path or f.path
        here, there = self.mine(f.path), f.cause_line is not None and self.mine(cause_file)
        if not here and not there:
            return f
        cell = cell_id = cause_cell = cause_id = None
        path, line, cause_line, cause_path = f.path, f.line, f.cause_line, f.cause_path
        if here:
            cell, cell_id, line = self.at(f.line)
            path = self.path
        if there:
            cause_cell, cause_id, cause_line = self.at(f.cause_line)
            cause_path = None if here else self.path
        return CellFinding(path, line, f.variable, f.cause, f.message, cause_line, cause_path,
                           cell=cell, cell_id=cell_id, cause_cell=cause_cell, cause_cell_id=cause_id)

    def frame(self, frame: Frame) -> Frame:
        if not self.mine(frame.path):
            return frame
        cell, cell_id, line = self.at(frame.line)
        return CellFrame(self.path, line, frame.function, cell=cell, cell_id=cell_id)

    def call(self, call: GradientCall) -> GradientCall:
        stack = tuple(self.frame(f) for f in call.stack)
        if not self.mine(call.path):
            return replace(call, stack=stack)
        cell, cell_id, line = self.at(call.line)
        return CellGradientCall(**{**_fields(call), "path": self.path, "line": line, "stack": stack},
                                cell=cell, cell_id=cell_id)

    def probe(self, probe: ProbeResult | None) -> ProbeResult | None:
        if probe is None:
            return None
        error = probe.error
        if error is not None:
            error = replace(error, message=self.text(error.message), stack=tuple(self.frame(f) for f in error.stack))
        return replace(probe, gradient_calls=tuple(self.call(c) for c in probe.gradient_calls), error=error,
                       functions=tuple(self.frame(f) for f in probe.functions))

    def notebook_text(self, program: str) -> str:
        """The notebook's JSON text once the program reads ``program`` (SplitError when it cannot)."""
        if program not in self._texts:
            try:
                self._texts[program] = self._notebook_text(program)
            except SplitError as exc:
                self._texts[program] = exc
        found = self._texts[program]
        if isinstance(found, SplitError):
            raise found
        return found

    def _notebook_text(self, program: str) -> str:
        changed = self.nb.program.split(program)
        if not changed:
            raise SplitError("the fix changes no cell")
        before = self.nb.file.text
        try:
            after = replace_sources(before, changed)
        except LayoutError as exc:
            raise SplitError(f"the notebook's JSON is laid out in a way gradfix cannot edit ({exc})") from exc
        if not is_valid(after):  # also where the original fails it: gradfix writes only valid notebooks
            raise SplitError("the changed notebook would not pass nbformat's validation"
                             + ("" if is_valid(before) else " (the original does not either)"))
        if to_program(cells_of(after)).text != program:
            # what is written must be what was verified: the cells as written make the program again
            raise SplitError("the cells as written would not make the program that was verified")
        return after

    def proposal(self, proposal: Proposal) -> Proposal:
        """The proposal with its change to the program as a change to the notebook file."""
        patches = []
        for patch in proposal.patches:
            if self.mine(patch.path):
                patch = FilePatch(self.nb.path.resolve(), self.nb.file.text, self.notebook_text(patch.after))
            patches.append(patch)
        return replace(proposal, patches=tuple(patches), notes=tuple(self.lines(n) for n in proposal.notes))

    def verdict(self, verdict: Verdict) -> tuple[Verdict, str | None]:
        """The verdict told about the notebook, and why its fix cannot be written into the cells
        (None when it can)."""
        key = id(verdict)
        if key not in self._verdicts:
            problem = None
            try:
                proposal = self.proposal(verdict.proposal)
            except SplitError as exc:
                problem = f"verified, but cannot be written into the cells: {exc}"
                proposal = replace(verdict.proposal, patches=(),
                                   notes=tuple(self.lines(n) for n in verdict.proposal.notes))
            told = replace(verdict, proposal=proposal, reason=self.lines(verdict.reason),
                           result=self.probe(verdict.result))
            if problem and told.accepted:
                told = replace(told, accepted=False, reason=problem)
            self._verdicts[key] = (told, problem if verdict.accepted else None)
        return self._verdicts[key]

    def outcome(self, outcome: Outcome) -> Outcome:
        path = self.nb.path
        if isinstance(outcome, Skipped):
            return Skipped(path, outcome.reason)
        if isinstance(outcome, Failed):
            return Failed(path, self.text(outcome.error), self.probe(outcome.probe), outcome.no_gradient)
        probe = self.probe(outcome.probe)
        quiet = tuple(self.finding(f) for f in outcome.suppressed)
        if isinstance(outcome, Healthy):
            return Healthy(path, probe, quiet)
        findings = tuple(self.finding(f) for f in outcome.findings)
        tried = tuple(self.verdict(v)[0] for v in outcome.tried)
        if isinstance(outcome, Repaired):
            verdict, problem = self.verdict(outcome.verdict)
            if problem is None:
                return Repaired(path, probe, findings, verdict, tried, outcome.written, quiet)
            return Unrepaired(path, probe, findings, tried, None, quiet)
        suggestion = None
        if outcome.suggestion is not None:
            told, problem = self.verdict(outcome.suggestion)
            suggestion = None if problem else told
        return Unrepaired(path, probe, findings, tried, suggestion, quiet)
