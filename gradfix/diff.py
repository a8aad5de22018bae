"""The one diff function: unified, ``a/`` ``b/`` paths, empty when nothing changes."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path

NO_NEWLINE = "\\ No newline at end of file\n"


def display_path(path: Path, root: Path | None = None) -> str:
    """The path as the diff names it: relative to ``root`` (default: the current folder) when the
    file lies below it, else absolute; always with forward slashes."""
    path = Path(path).resolve()
    root = (root or Path.cwd()).resolve()
    try:
        rel = path.relative_to(root)
    except ValueError:
        rel = path
    return rel.as_posix() if not rel.is_absolute() else path.as_posix()


def _lines(text: str) -> list[str]:
    """Lines as git sees them: split at ``\n`` only. ``str.splitlines`` would also split at form
    feeds, U+2028 and other Unicode breaks inside comments and strings, giving hunks that no longer
    match the file (found by the property tests)."""
    lines = re.findall(r"[^\n]*\n|[^\n]+\Z", text)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
        lines.append(NO_NEWLINE)
    return lines


def unified_diff(before: str, after: str, name: str, context: int = 3) -> str:
    """A ``git apply``-compatible diff of one file (CRLF kept as it is in the file)."""
    if before == after:
        return ""
    old, new = _lines(before), _lines(after)
    out: list[str] = []
    for line in difflib.unified_diff(_strip_marker(old), _strip_marker(new),
                                     f"a/{name}", f"b/{name}", n=context):
        out.append(line if line.endswith("\n") else line + "\n")
    return "".join(_restore_markers(out, before, after))


def _strip_marker(lines: list[str]) -> list[str]:
    if lines and lines[-1] == NO_NEWLINE:
        return lines[:-2] + [lines[-2][:-1] + "\x00NOEOL\n"]
    return lines


def _restore_markers(out: list[str], before: str, after: str) -> Iterable[str]:
    for line in out:
        if line.endswith("\x00NOEOL\n"):
            yield line[: -len("\x00NOEOL\n")] + "\n"
            yield NO_NEWLINE
        else:
            yield line


def patch_diff(patches: Iterable[tuple[Path, str, str]], root: Path | None = None) -> str:
    """Concatenated diffs of several files, in the order given."""
    return "".join(unified_diff(b, a, display_path(p, root)) for p, b, a in patches)
