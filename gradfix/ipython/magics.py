"""``%gradfix``: check the session on demand, or write the verified fix into the notebook file.

    %gradfix [check] [--unsafe-fixes] [--timeout S]
    %gradfix apply [PATH.ipynb] [--unsafe-fixes] [--timeout S]

``apply`` writes into the notebook the front end names (VS Code's ``__vsc_ipynb_file__``, Jupyter's
``JPY_SESSION_NAME``) or PATH, as ``gradfix apply`` does (outputs, ids and layout kept, atomically),
and only when the file holds exactly the cells this session ran; otherwise it prints the fixed cells
to paste. A bad option is one ``UsageError`` line.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from gradfix.types import Repaired, RunOptions

USAGE = "%gradfix [check] [--unsafe-fixes] [--timeout S]  |  %gradfix apply [PATH.ipynb] [--unsafe-fixes] [--timeout S]"


def _usage_error(message: str):
    from IPython.core.error import UsageError

    return UsageError(f"{message} (usage: {USAGE})")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise _usage_error(message)


def parse(line: str) -> tuple[str, Path | None, RunOptions]:
    """``(command, path, options)`` from the magic's line; UsageError for anything else."""
    parser = _Parser(prog="%gradfix", add_help=False)
    parser.add_argument("words", nargs="*")
    parser.add_argument("--unsafe-fixes", action="store_true")
    parser.add_argument("--timeout", type=float, metavar="S")
    try:
        args = parser.parse_args(shlex.split(line))
    except ValueError as exc:  # shlex: an unclosed quote
        raise _usage_error(str(exc)) from None
    words = list(args.words)
    command = words.pop(0) if words and words[0] in ("check", "apply") else "check"
    if words and command == "check":
        raise _usage_error(f"unexpected argument {words[0]!r}")
    if len(words) > 1:
        raise _usage_error(f"unexpected argument {words[1]!r}")
    if args.timeout is not None and not args.timeout > 0:
        raise _usage_error(f"--timeout must be a positive number of seconds, not {args.timeout:g}")
    path = Path(words[0]).expanduser() if words else None
    if path is not None and (path.suffix.lower() != ".ipynb" or not path.is_file()):
        raise _usage_error(f"{path}: not a notebook file (.ipynb) that exists")
    options = RunOptions(timeout=args.timeout or 120.0, unsafe_fixes=args.unsafe_fixes, python=sys.executable)
    return command, path, options


def front_end_file(user_ns: dict) -> Path | None:
    """The notebook file the front end says this kernel runs, if it says and the file exists."""
    for value in (user_ns.get("__vsc_ipynb_file__"), user_ns.get("__session__"), os.environ.get("JPY_SESSION_NAME")):
        if not isinstance(value, str) or not value.lower().endswith(".ipynb"):
            continue
        path = Path(value).expanduser()
        for candidate in (path, Path.cwd() / path.name):
            if candidate.is_file():
                return candidate
    return None


def gradfix_magic(ext, line: str) -> None:
    from gradfix.ipython.progress import Progress

    command, path, options = parse(line)
    progress = Progress(ext.shell)
    if command == "check":
        ext.show(ext.examine(options, progress=progress), progress)
        return
    path = path or front_end_file(ext.shell.user_ns)
    if path is None:
        ext.show(ext.examine(options, progress=progress), progress,
                 paste="gradfix: the front end does not say which notebook file this is: paste the fixed "
                       "cells below, or name it: %gradfix apply path/to/notebook.ipynb")
        return
    problem = _unsaved(ext, path)
    if problem:
        ext.show(ext.examine(options, progress=progress), progress,
                 paste=f"gradfix: nothing written: {problem}; paste the fixed cells below")
        return
    examined = ext.examine(options, file=path, progress=progress)
    extra: tuple[str, ...] = ()
    if isinstance(examined.outcome, Repaired):
        from gradfix.errors import GradfixError
        from gradfix.pipeline import write_fix

        try:
            examined = type(examined)(write_fix(examined.outcome), examined.names, examined.runs)
            extra = (f"gradfix: wrote {path} (outputs and cell ids kept); reload it in the editor to see "
                     f"the fix",)
        except GradfixError as exc:
            extra = (f"gradfix: nothing written: {exc}",)
    ext.show(examined, progress, extra=extra)


def _unsaved(ext, path: Path) -> str | None:
    """Why ``path`` cannot take the fix of what this session ran (None: it can)."""
    from gradfix.errors import InputError
    from gradfix.ipython.session import file_code_cells, same_cells
    from gradfix.notebook.read import load_notebook

    try:
        text = load_notebook(path).text
    except InputError as exc:
        return str(exc)
    if not same_cells(file_code_cells(text), ext.runs()):
        return (f"{path.name} does not hold the cells this session ran, in that order (unsaved edits, or "
                f"cells run out of order or more than once)")
    return None
