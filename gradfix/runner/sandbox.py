"""A throw-away copy of the user's project folder for one run.

The program runs in the copy, candidates are written into the copy, and whatever the program writes
is deleted with it. Big files (over 16 MiB) are cloned where the filesystem can; else, inside the
bubblewrap sandbox, they are symbolic links to the user's file *on a read-only mount* (a write
through one fails with EROFS, a Python-level write gets a private copy first: ``guard_links`` in the
probe), and outside it, or where the sandbox hides the original (under the host's /tmp), they are
copied. The program is never given a path that lets it write the user's inode. Links into the
project point into the copy.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache",
             ".pytest_cache", ".ruff_cache", ".tox"}
LINK_ABOVE_BYTES = 16 * 1024 * 1024  # big data files are cloned or linked read-only, not copied
FICLONE = 0x40049409  # Linux ioctl: a copy-on-write clone (btrfs, XFS, bcachefs)


def _clone(src: str, dst: Path) -> bool:
    """A private copy that costs nothing where the filesystem shares blocks copy-on-write."""
    try:
        import fcntl
    except ImportError:
        return False
    try:
        with open(src, "rb") as fin, open(dst, "wb") as fout:
            fcntl.ioctl(fout.fileno(), FICLONE, fin.fileno())
        shutil.copystat(src, dst)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(dst)
        return False


class Sandbox:
    """``root`` is a copy of ``project``; ``place(path)`` maps a user path into the copy.

    ``parent``: the folder the copy is made in (the runner's session folder). ``read_only(path)``
    tells whether a real path is reachable *read-only* by the program (inside the bubblewrap
    sandbox); only such big files may be linked instead of copied. ``linked`` lists those links."""

    def __init__(self, project: Path, patches: dict[Path, bytes] | None = None, parent: Path | None = None,
                 read_only: Callable[[str], bool] | None = None) -> None:
        self.project = project.resolve()
        self.base = Path(tempfile.mkdtemp(prefix="run-" if parent else "gradfix-", dir=parent))
        self.root = self.base / "project"
        self.linked: list[str] = []
        self._read_only = read_only or (lambda path: False)
        try:
            self._copy(self.project, self.root)
            for path, data in (patches or {}).items():
                placed = self.place(path)
                placed.parent.mkdir(parents=True, exist_ok=True)
                if placed.is_symlink():  # a patched big file: never write through a link
                    placed.unlink()
                placed.write_bytes(data)
        except BaseException:
            self.close()
            raise

    def _copy(self, src: Path, dst: Path) -> None:
        dst.mkdir(parents=True, exist_ok=True)
        with os.scandir(src) as entries:
            for entry in entries:
                target = dst / entry.name
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIP_DIRS:
                        self._copy(Path(entry.path), target)
                elif entry.is_file(follow_symlinks=False):
                    if entry.stat().st_size <= LINK_ABOVE_BYTES or _clone(entry.path, target):
                        if not target.exists():
                            shutil.copy2(entry.path, target)
                        continue
                    real = os.path.realpath(entry.path)
                    if self._read_only(real):
                        os.symlink(real, target)
                        self.linked.append(str(target))
                    else:
                        shutil.copy2(entry.path, target)
                elif entry.is_symlink():
                    with contextlib.suppress(OSError):
                        os.symlink(self._relink(os.readlink(entry.path)), target)

    def _relink(self, link: str) -> str:
        """An absolute link into the project points into the copy instead: writes through it must
        not reach the user's files."""
        prefix = str(self.project)
        if os.path.isabs(link) and (link == prefix or link.startswith(prefix + os.sep)):
            return str(self.root / os.path.relpath(link, prefix))
        return link

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
