"""A throw-away copy of the user's project folder for one run.

The user's working tree is never touched: the program runs in the copy, candidates are written into
the copy, and whatever the program writes is deleted with it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache",
             ".pytest_cache", ".ruff_cache", ".tox"}
LINK_ABOVE_BYTES = 16 * 1024 * 1024  # big data files are linked read-only, not copied


def _copy(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    with os.scandir(src) as entries:
        for entry in entries:
            target = dst / entry.name
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in SKIP_DIRS:
                    _copy(Path(entry.path), target)
            elif entry.is_file(follow_symlinks=False):
                if entry.stat().st_size > LINK_ABOVE_BYTES:
                    os.symlink(os.path.realpath(entry.path), target)
                else:
                    shutil.copy2(entry.path, target)
            elif entry.is_symlink():
                try:
                    os.symlink(os.readlink(entry.path), target)
                except OSError:
                    pass


class Sandbox:
    """``root`` is a copy of ``project``; ``place(path)`` maps a user path into the copy."""

    def __init__(self, project: Path, patches: dict[Path, bytes] | None = None) -> None:
        self.project = project.resolve()
        self.base = Path(tempfile.mkdtemp(prefix="gradfix-"))
        self.root = self.base / "project"
        _copy(self.project, self.root)
        for path, data in (patches or {}).items():
            placed = self.place(path)
            placed.parent.mkdir(parents=True, exist_ok=True)
            placed.write_bytes(data)

    def place(self, path: Path) -> Path:
        return self.root / Path(path).resolve().relative_to(self.project)

    def unplace(self, path: str) -> str:
        """Map a path inside the copy back to the user's path (other paths are returned as-is)."""
        real_root = os.path.realpath(self.root)
        for prefix in (str(self.root), real_root):
            if path == prefix or path.startswith(prefix + os.sep):
                return str(self.project / os.path.relpath(path, prefix))
        return path

    def close(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
