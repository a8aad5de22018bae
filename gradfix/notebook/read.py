"""Reading a ``.ipynb`` file: its bytes (to write back exactly), its cells, and its program.

nbformat is the authority on whether a file is a notebook; without it installed, notebooks are one
clear error. Every problem is an InputError with one line.
"""

from __future__ import annotations

import codecs
import copy
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

from gradfix.errors import InputError
from gradfix.load import SourceFile, read_bytes
from gradfix.notebook import NEED_NBFORMAT
from gradfix.notebook.convert import Cell, Program, lines_of, to_program

MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024  # outputs (images) make notebooks much larger than scripts


def _nbformat():
    try:
        import nbformat
    except ImportError as exc:
        raise InputError(NEED_NBFORMAT) from exc
    return nbformat


def load_notebook(path: Path) -> SourceFile:
    """The notebook file as text (UTF-8 JSON, newlines untouched); InputError unless nbformat reads it
    as a version 4 notebook."""
    nbformat = _nbformat()
    data = read_bytes(path, MAX_NOTEBOOK_BYTES)
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        text = data[len(codecs.BOM_UTF8):].decode("utf-8") if bom else data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not valid UTF-8 (a notebook is UTF-8 JSON)") from exc
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: invalid notebook JSON (line {exc.lineno} column {exc.colno}: {exc.msg})") from exc
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise InputError(f"{path}: not a Jupyter notebook (no nbformat version in the JSON)")
    if raw.get("nbformat") != 4:
        raise InputError(f"{path}: nbformat {raw.get('nbformat')!r} notebooks are not supported (version 4 is; "
                         f"open and save it in Jupyter to convert it)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. MissingIDFieldWarning: not the user's problem here
            nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds; each means "cannot read"
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputError(f"{path}: nbformat cannot read this notebook ({first})") from exc
    return SourceFile(path=path, data=data, text=text, encoding="utf-8", bom=bom)


def is_valid(text: str) -> bool:
    """Whether nbformat validates the notebook ``text`` (a copy: validation may repair in place),
    and its cell ids are unique, as the format requires (nbformat's validate lets duplicates pass)."""
    nbformat = _nbformat()
    try:
        data = json.loads(text)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nbformat.validate(copy.deepcopy(data))
        ids = [cell["id"] for cell in data.get("cells", ()) if isinstance(cell, dict) and "id" in cell]
    except Exception:  # noqa: BLE001
        return False
    return len(ids) == len(set(ids))


def cells_of(text: str) -> list[Cell]:
    """The cells of a notebook's JSON text (sources joined as nbformat joins them)."""
    out = []
    for index, cell in enumerate(json.loads(text).get("cells", [])):
        source = cell.get("source", "")
        out.append(Cell(index, cell.get("cell_type", ""), "".join(source) if isinstance(source, list) else source,
                        cell.get("id")))
    return out


@dataclass(frozen=True)
class Notebook:
    """A notebook read from disk, and the program its code cells make."""

    path: Path  # as the user named it
    file: SourceFile  # the notebook file itself (what a fix replaces)
    program: Program
    virtual: Path  # where the program lives in the sandbox copy (never on the user's disk)

    def source(self) -> SourceFile:
        """The program as a file that exists only in the sandbox copy of the notebook's folder."""
        text = self.program.text
        return SourceFile(path=self.virtual, data=text.encode("utf-8"), text=text, encoding="utf-8", bom=False)


def program_path(path: Path) -> Path:
    """``analysis.ipynb`` -> ``analysis.gradfix-notebook.py`` in the same folder."""
    return Path(path).with_name(f"{Path(path).stem}.gradfix-notebook.py")


def read_notebook(path: Path) -> Notebook:
    """Read ``path`` and build its program; InputError for a notebook with no code, or code that is not
    Python (the line named by cell and line)."""
    file = load_notebook(path)
    program = to_program(cells_of(file.text))
    if not program.code_cells:
        raise InputError(f"{path}: no code cells, nothing to run")
    if not program.text.strip():
        raise InputError(f"{path}: the code cells are empty, nothing to run")
    _check_syntax(path, program)
    return Notebook(path, file, program, program_path(path))


def _check_syntax(path: Path, program: Program) -> None:
    import libcst as cst

    try:
        compile(program.text, str(path), "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise InputError(f"{_at(path, program, exc.lineno)}{':' + str(exc.offset) if exc.offset else ''}: "
                         f"syntax error: {exc.msg}") from exc
    except ValueError as exc:
        raise InputError(f"{path}: cannot be compiled ({exc})") from exc
    try:
        cst.parse_module(program.text)
    except cst.ParserSyntaxError as exc:
        raise InputError(f"{_at(path, program, exc.raw_line)}:{exc.raw_column + 1}: syntax error: "
                         f"{exc.message.splitlines()[0]}") from exc


def _at(path: Path, program: Program, line: int | None) -> str:
    where = program.where(line) if line else None
    if where is None:  # e.g. "unexpected EOF": the end of the last code cell
        last = program.code_cells[-1]
        where = (last, max(1, len(lines_of(last.source))))
    cell, in_cell = where
    return f"{path}:cell {cell.number}:line {in_cell}"
