"""What an IPython session has run, as a notebook gradfix can examine.

The executed cells (``In [1]``, ``In [2]``, ...) in the order they ran become the code cells of a
notebook that exists only in memory; gradfix/notebook turns it into one program (IPython syntax
skipped, exactly as for a ``.ipynb`` file) and tells findings and fixes by cell. A first cell, the
prelude, gives the program IPython's ``display``. Left out: cells that failed before the extension
saw them fail for another reason than a missing gradient (a typo run again once fixed), cells that
do not compile, and cells that only talk to gradfix (``%gradfix``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gradfix.load import SourceFile
from gradfix.notebook.convert import Cell, lines_of, to_program
from gradfix.notebook.read import Notebook, cells_of, program_path

PRELUDE = ("try:\n    from IPython.display import display\nexcept ImportError:\n"
           "    def display(*objs, **kwargs):\n        pass\n")
SESSION_NAME = "gradfix-session.ipynb"  # never written: the name the session's notebook goes by
_GRADFIX_LINE = re.compile(r"^\s*(%gradfix\b.*|#.*)?$")


@dataclass
class Log:
    """Which executions failed, and how (filled by the extension's ``post_run_cell`` hook)."""

    failed: set[int] = field(default_factory=set)  # execution counts of cells that raised
    gradient: set[int] = field(default_factory=set)  # ... of those, the ones that raised a gradient error

    def skip(self, count: int) -> bool:
        return count in self.failed and count not in self.gradient


@dataclass(frozen=True)
class Execution:
    count: int  # the execution count, as ``In [count]`` shows it
    source: str


def only_gradfix(source: str) -> bool:
    """A cell that holds nothing but ``%gradfix`` lines (and comments): gradfix's, not the program's."""
    lines = [line for line in lines_of(source) if line.strip()]
    return bool(lines) and all(_GRADFIX_LINE.match(line.rstrip("\r\n")) for line in lines)


def _compiles(source: str) -> bool:
    program = to_program([Cell(0, "code", source)])
    try:
        compile(program.text, "<cell>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def executions(history: Sequence[str], log: Log, upto: int | None = None) -> list[Execution]:
    """The executed cells that make the program: ``history[n]`` is ``In [n]`` (``history[0]`` is
    IPython's empty entry); up to ``In [upto]`` when given."""
    last = len(history) - 1 if upto is None else min(upto, len(history) - 1)
    out = []
    for count in range(1, last + 1):
        source = history[count]
        if not source.strip() or log.skip(count) or only_gradfix(source) or not _compiles(source):
            continue
        out.append(Execution(count, source))
    return out


def _notebook_json(sources: Sequence[str]) -> str:
    cells = [{"cell_type": "code", "execution_count": None, "id": f"gradfix-{i}", "metadata": {},
              "outputs": [], "source": source} for i, source in enumerate(sources)]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


@dataclass(frozen=True)
class Session:
    """The session's notebook and the label of each of its cells (by cell number, 1-based)."""

    notebook: Notebook
    labels: dict[int, str]

    def label(self, cell: int | None) -> str:
        return self.labels.get(cell, f"cell {cell}") if cell is not None else "?"


def session(runs: Sequence[Execution], folder: Path) -> Session:
    """The notebook of ``runs`` (the prelude first), placed in ``folder`` (the kernel's working
    folder: its program runs in a throw-away copy of it)."""
    text = _notebook_json([PRELUDE, *(r.source for r in runs)])
    path = Path(folder) / SESSION_NAME
    data = text.encode("utf-8")
    file = SourceFile(path=path, data=data, text=text, encoding="utf-8", bom=False)
    program = to_program(cells_of(text))
    labels = {1: "prelude", **{i + 2: f"In [{r.count}]" for i, r in enumerate(runs)}}
    return Session(Notebook(path, file, program, program_path(path)), labels)


def file_code_cells(text: str) -> list[str]:
    """The code cells of a notebook file that make its program (as ``executions`` counts them)."""
    return [c.source for c in cells_of(text)
            if c.kind == "code" and c.source.strip() and not only_gradfix(c.source)]


def same_cells(file_cells: Sequence[str], runs: Sequence[Execution]) -> bool:
    """Whether the file holds exactly the cells the session ran, in that order (trailing blanks aside)."""
    return [s.rstrip() for s in file_cells] == [r.source.rstrip() for r in runs]
