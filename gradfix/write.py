"""Writing fixes: atomic, mode-preserving, all files or none."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

from gradfix.errors import GradfixError


class WriteError(GradfixError):
    """Nothing was written (a file changed on disk, or is not writable)."""


def _stage(path: Path, data: bytes) -> str:
    mode = stat.S_IMODE(os.stat(path).st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".gradfix", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def write_all(changes: Sequence[tuple[Path, bytes, bytes]]) -> None:
    """Replace each ``path`` whose bytes are still ``expected`` with ``new``; all or none.

    Raises WriteError, with nothing written, when a file changed since it was read or cannot be
    written."""
    for path, expected, _ in changes:
        try:
            current = path.read_bytes()
        except OSError as exc:
            raise WriteError(f"{path}: cannot read before writing ({exc.strerror}); nothing written") from exc
        if current != expected:
            raise WriteError(f"{path}: changed on disk since gradfix read it; nothing written")
        if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
            raise WriteError(f"{path}: not writable; nothing written")
    staged: list[tuple[str, Path]] = []
    try:
        for path, _, new in changes:
            staged.append((_stage(path, new), path))
    except OSError as exc:
        for tmp, _ in staged:
            os.unlink(tmp)
        raise WriteError(f"cannot write ({exc.strerror}); nothing written") from exc
    except BaseException:
        for tmp, _ in staged:
            os.unlink(tmp)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
