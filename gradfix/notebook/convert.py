"""A notebook's code cells as one Python program, line for line, and a changed program back into cells.

Pure text: no nbformat, no JSON. The code cells run in order as one program; markdown and raw cells
are not part of it. IPython syntax is skipped: a cell whose first non-blank line starts with ``%%`` (a
cell magic) is left out entirely; a line magic (``%time x = f()``), a shell escape (``!pip install
x``, ``x = !ls``) or a help request (``obj?``, ``?obj``) becomes ``pass  # gradfix-skipped: N`` at the
same indentation, so line numbers and blocks stay as they were (``pass`` keeps a block that held only
the magic valid, and no codemod moves a ``pass``). Writing back restores each skipped line exactly.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

PLACEHOLDER = "pass  # gradfix-skipped: {n}"
_PLACEHOLDER = re.compile(r"^([ \t]*)pass  # gradfix-skipped: (\d+)[ \t]*(\r\n|\r|\n)?$")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_TARGET = r"[A-Za-z_][\w.]*(?:\[[^\]=]*\])?"
_ASSIGN_MAGIC = re.compile(rf"^{_TARGET}(?:\s*,\s*{_TARGET})*\s*=\s*[%!]")


class SplitError(Exception):
    """A changed program cannot be put back into the notebook's cells."""


def lines_of(text: str) -> list[str]:
    """``text`` split after each newline Python's tokenizer knows (\\n, \\r\\n, \\r), ends kept."""
    return _LINE.findall(text)


@dataclass(frozen=True)
class Cell:
    """One cell of the notebook, as the conversion needs it."""

    index: int  # 0-based among all cells (markdown and raw included)
    kind: str  # "code", "markdown", "raw"
    source: str
    id: str | None = None

    @property
    def number(self) -> int:
        """The cell's number as gradfix shows it: 1-based among all cells."""
        return self.index + 1


def is_cell_magic(source: str) -> bool:
    """IPython drops leading blank lines, then runs a cell starting with ``%%`` as a cell magic."""
    for line in lines_of(source):
        if line.strip():
            return line.lstrip(" \t").startswith("%%")  # IPython strips a cell's leading indentation
    return False


@dataclass
class _State:
    """Where a physical line starts: inside a string, inside brackets, after a backslash."""

    quote: str | None = None
    depth: int = 0
    continued: bool = False

    @property
    def clean(self) -> bool:
        return self.quote is None and self.depth == 0 and not self.continued


def _scan(line: str, state: _State) -> tuple[_State, int]:
    """The state after ``line`` and where its comment starts (``len(line)`` if none)."""
    quote, depth = state.quote, state.depth
    body = line.rstrip("\r\n")
    i, n, comment = 0, len(body), len(line)
    while i < n:
        c = body[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if body.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
            i += 1
            continue
        if c == "#":
            comment = i
            break
        if c in "\"'":
            quote = c * 3 if body.startswith(c * 3, i) else c
            i += len(quote)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        i += 1
    continued = comment == len(line) and _ends_with_backslash(body)
    if quote in ("'", '"') and not continued:
        quote = None  # a one-quote string ends with its line (else it is the user's syntax error)
    return _State(quote, depth, continued), comment


def _ends_with_backslash(body: str) -> bool:
    return (len(body) - len(body.rstrip("\\"))) % 2 == 1


def _magic(line: str, code_end: int, after: _State) -> bool:
    """Whether ``line``, which starts a statement, is IPython syntax rather than Python."""
    stripped = line.lstrip(" \t").rstrip("\r\n")
    if stripped.startswith(("%", "!", "?")):
        return True
    if _ASSIGN_MAGIC.match(stripped):
        return True
    code = line[:code_end].strip()
    return after.clean and code.endswith("?") and not code.startswith("#")


@dataclass
class Program:
    """The program of a notebook's code cells, and how each of its lines maps to a cell line."""

    cells: tuple[Cell, ...]  # every cell of the notebook
    text: str = ""
    owners: list[tuple[int, int]] = field(default_factory=list)  # per program line: (cell index, line in cell)
    # N -> (cell index, original line, the placeholder's indentation)
    skipped: dict[int, tuple[int, str, str]] = field(default_factory=dict)

    # ------------------------------------------------------------------ line mapping
    def where(self, line: int) -> tuple[Cell, int] | None:
        """Program line (1-based) -> (cell, line in the cell, 1-based); None outside the program."""
        if not 1 <= line <= len(self.owners):
            return None
        index, in_cell = self.owners[line - 1]
        return self.cells[index], in_cell

    def line_of(self, cell_number: int, line: int) -> int | None:
        """(cell number, line in the cell) -> program line (1-based); None for a cell or line not in it."""
        try:
            return self.owners.index((cell_number - 1, line)) + 1
        except ValueError:
            return None

    @property
    def code_cells(self) -> list[Cell]:
        """The cells that are part of the program (code cells, cell magics left out)."""
        return [c for c in self.cells if c.kind == "code" and not is_cell_magic(c.source)]

    # ------------------------------------------------------------------ back into cells
    def split(self, new_text: str) -> dict[int, str]:
        """The new source of every cell that ``new_text`` (a changed program) changes, by cell index.

        Unchanged lines stay in their cells; new lines go to the cell of the unchanged line before
        them (inside a block that is the block's cell), or, at the boundary of two cells, to the
        earlier one unless only the later one keeps both cells valid Python on their own. Skipped
        lines are restored exactly (re-indented if the code around them moved). Raises SplitError
        when that is impossible (a skipped line lost or moved to another cell, a cell that no longer
        parses on its own)."""
        old, new = lines_of(self.text), lines_of(new_text)
        owner: list[int | None] = [None] * len(new)
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
                for k in range(j2 - j1):
                    owner[j1 + k] = self.owners[i1 + k][0]
            elif tag == "replace":  # a rewritten line stays in the cell of the line it rewrites
                for i, j in _pairs(old[i1:i2], new[j1:j2]):
                    owner[j1 + j] = self.owners[i1 + i][0]
        runs = _gaps(owner)
        if runs and all(o is None for o in owner):
            raise SplitError("no line of the program is left unchanged")
        for start, end in runs:  # first guess: the cell before (or the only neighbour)
            before = owner[start - 1] if start > 0 else None
            after = owner[end] if end < len(owner) else None
            for k in range(start, end):
                owner[k] = before if before is not None else after
        for start, end in runs:  # a boundary run that breaks a cell: try the later cell for its tail
            before = owner[start - 1] if start > 0 else None
            after = owner[end] if end < len(owner) else None
            if before is None or after is None or before == after:
                continue
            for cut in range(end, start - 1, -1):
                for k in range(start, end):
                    owner[k] = before if k < cut else after
                if all(self._valid(c, self._cell_lines(new, owner, c)) for c in (before, after)):
                    break
            else:
                raise SplitError(f"new lines between cells {before + 1} and {after + 1} fit neither")
        changed: dict[int, str] = {}
        seen: set[int] = set()
        for cell in self.code_cells:
            raw = self._cell_lines(new, owner, cell.index)
            text = "".join(self._restore(line, cell.index, seen) for line in raw)
            if not cell.source.endswith(("\n", "\r")) and text.endswith(("\n", "\r")):
                text = text[:-2] if text.endswith("\r\n") else text[:-1]
            if text != cell.source:
                if not self._valid(cell.index, raw):
                    raise SplitError(f"cell {cell.number} would no longer be valid Python on its own")
                changed[cell.index] = text
        lost = set(self.skipped) - seen
        if lost:
            raise SplitError(f"the fix removed the skipped IPython line {self.skipped[min(lost)][1].strip()!r}")
        return changed

    @staticmethod
    def _cell_lines(new: Sequence[str], owner: Sequence[int | None], index: int) -> list[str]:
        return [line for line, o in zip(new, owner) if o == index]

    def _restore(self, line: str, index: int, seen: set[int]) -> str:
        match = _PLACEHOLDER.match(line)
        if not match or int(match.group(2)) not in self.skipped:
            return line
        n = int(match.group(2))
        cell, original, indent = self.skipped[n]
        if cell != index:
            raise SplitError(f"the fix moves the skipped IPython line {original.strip()!r} to another cell")
        if n in seen:
            raise SplitError(f"the fix repeats the skipped IPython line {original.strip()!r}")
        seen.add(n)
        if match.group(1) != indent and original.startswith(indent):  # the code around it moved: shift it
            original = match.group(1) + original[len(indent):]
        return original + (match.group(3) or "")

    def _valid(self, index: int, lines: Sequence[str]) -> bool:
        """A changed cell (skipped lines still as placeholders) must compile on its own when it did
        before; cells that did not (top-level await, say) are not judged."""
        return _compiles("".join(lines)) or not _compiles(self._program_lines(index))

    def _program_lines(self, index: int) -> str:
        return "".join(line for line, (o, _) in zip(lines_of(self.text), self.owners) if o == index)


def _pairs(old: Sequence[str], new: Sequence[str], least: float = 0.6) -> list[tuple[int, int]]:
    """Each old line with the most similar new line (at least ``least`` alike), in order on both
    sides: which new line rewrites which old one."""
    if len(old) * len(new) > 2500:
        return []
    scored = sorted(((difflib.SequenceMatcher(None, a.strip(), b.strip()).ratio(), i, j)
                     for i, a in enumerate(old) for j, b in enumerate(new)), reverse=True)
    chosen: list[tuple[int, int]] = []
    for score, i, j in scored:
        if score < least:
            break
        if all((i - ci) * (j - cj) > 0 for ci, cj in chosen):
            chosen.append((i, j))
    return chosen


def _compiles(text: str) -> bool:
    try:
        compile(text, "<cell>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def _gaps(owner: Sequence[int | None]) -> list[tuple[int, int]]:
    """Runs [start, end) of lines without an owner."""
    runs, start = [], None
    for k, o in enumerate(owner):
        if o is None and start is None:
            start = k
        elif o is not None and start is not None:
            runs.append((start, k))
            start = None
    if start is not None:
        runs.append((start, len(owner)))
    return runs


def to_program(cells: Sequence[Cell]) -> Program:
    """The program of ``cells``' code (see the module doc)."""
    program = Program(tuple(cells))
    out: list[str] = []
    for cell in program.code_cells:
        state = _State()
        magic_continues, indent = False, ""
        lines = lines_of(cell.source)
        for number, line in enumerate(lines, 1):
            body = line.rstrip("\r\n")
            ending = line[len(body):] or "\n"
            if magic_continues or state.clean:
                after, comment = _scan(line, _State())
                if magic_continues or _magic(line, comment, after):
                    n = len(program.skipped) + 1
                    if not magic_continues:  # a continued line keeps the indentation of its first line
                        indent = body[: len(body) - len(body.lstrip(" \t"))]
                    program.skipped[n] = (cell.index, body, indent)
                    out.append(indent + PLACEHOLDER.format(n=n) + ending)
                    program.owners.append((cell.index, number))
                    magic_continues = _ends_with_backslash(body)
                    state = _State()
                    continue
                state = after
            else:
                state, _ = _scan(line, state)
            out.append(body + ending)
            program.owners.append((cell.index, number))
    program.text = "".join(out)
    return program
