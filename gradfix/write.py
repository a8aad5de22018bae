"""Writing fixes: atomic, mode-preserving, all files or none, and no temporary file left behind.

Each new content goes to a temporary file in the target's folder (flushed and fsynced), and only
when every file is staged, and every original is checked *again* to still hold the bytes gradfix
read (an editor that saved meanwhile wins: nothing is written), does each replace its original
(``os.replace``, atomic). The temporary names are chosen first and handed to a small *watcher*
process before the files exist; if gradfix is killed (even by SIGKILL, even with its whole process
group: the watcher has a session of its own and is not below gradfix) before it says it is done,
the watcher deletes them. Temporary files left by an earlier run whose watcher died too are swept
on the next write to that folder.

Documented choices: the owner and group are kept where the writer may set them (root always;
otherwise the group, when the writer belongs to it), else the file becomes the writer's, as any
editor's atomic save does. A file with more than one hard link is not written (replacing it would
split it from its twins); the error says so.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from collections.abc import Sequence
from pathlib import Path

from gradfix.errors import GradfixError

WRITABLE = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
_TEMP = re.compile(r"^\..+\.(\d+)\.[0-9a-f]{8}\.gradfix$")


class WriteError(GradfixError):
    """Nothing was written (a file changed on disk, is read-only, or cannot be written)."""


def _temp_name(path: Path) -> Path:
    return path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.gradfix"


class _Watcher:
    """A process that deletes the registered temporary files unless told the write is done.

    It reads names from a pipe; end of file without ``done`` means gradfix died mid-write. It is
    forked twice, into a session of its own: neither a kill of gradfix's process group nor one of
    gradfix's tree (``supervise.shutdown``) reaches it."""

    def __init__(self) -> None:
        self.pid = None
        if not hasattr(os, "fork"):
            return
        read, self._pipe = os.pipe()
        pid = os.fork()
        if pid == 0:  # no Python-level cleanup, no buffered output of the parent
            try:
                os.close(self._pipe)
                os.setsid()
                if os.fork() == 0:  # the watcher proper, reparented away from gradfix
                    _watch(read)
            finally:
                os._exit(0)
        os.close(read)
        os.waitpid(pid, 0)  # the intermediate process, gone at once
        self.pid = pid

    def register(self, name: Path) -> None:
        if self.pid is not None:
            os.write(self._pipe, os.fsencode(name) + b"\n")

    def done(self) -> None:
        if self.pid is not None:
            os.write(self._pipe, b"\0done\n")
            os.close(self._pipe)
            self.pid = None


def _watch(fd: int) -> None:
    data = b""
    while chunk := os.read(fd, 65536):
        data += chunk
    lines = data.split(b"\n")
    if b"\0done" in lines:
        return
    for name in lines:
        if name:
            try:
                os.unlink(name)
            except OSError:
                pass


def _sweep(folder: Path) -> None:
    """Remove temporary files of earlier gradfix runs that were killed with their watcher."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = _TEMP.match(name)
        if match and not _alive(int(match.group(1))):
            try:
                os.unlink(folder / name)
            except OSError:
                pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _keep_owner(fd: int, info: os.stat_result) -> None:
    """The original's owner and group on the new file, as far as the writer may set them."""
    if not hasattr(os, "fchown"):
        return
    for uid, gid in ((info.st_uid, info.st_gid), (-1, info.st_gid)):
        try:
            os.fchown(fd, uid, gid)
            return
        except OSError:
            continue


def _stage(path: Path, data: bytes, watcher: _Watcher) -> Path:
    info = os.stat(path)
    mode = stat.S_IMODE(info.st_mode)
    tmp = _temp_name(path)
    watcher.register(tmp)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        _keep_owner(fd, info)
        os.fchmod(fd, mode)  # after fchown, which may clear set-id bits
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    os.close(fd)
    return tmp


def _check(path: Path, expected: bytes) -> None:
    try:
        current = path.read_bytes()
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise WriteError(f"{path}: cannot read before writing ({exc.strerror}); nothing written") from exc
    if current != expected:
        raise WriteError(f"{path}: changed on disk since gradfix read it; nothing written")
    if not mode & WRITABLE:  # also for root, who could write it anyway: the user marked it read-only
        raise WriteError(f"{path}: read-only file; nothing written")
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise WriteError(f"{path}: not writable; nothing written")
    links = os.stat(path).st_nlink
    if links > 1:
        raise WriteError(f"{path}: has {links} hard links, which a replaced file would no longer share; "
                         f"nothing written")


def write_all(changes: Sequence[tuple[Path, bytes, bytes]]) -> None:
    """Replace each ``path`` whose bytes are still ``expected`` with ``new``; all or none.

    Raises WriteError, with nothing written, when a file changed since it was read or cannot be
    written."""
    for path, expected, _ in changes:
        _check(path, expected)
    folders = {path.parent for path, _, _ in changes}
    for folder in folders:
        _sweep(folder)
    watcher = _Watcher()
    staged: list[tuple[Path, Path]] = []
    try:
        for path, _, new in changes:
            staged.append((_stage(path, new, watcher), path))
        for path, expected, _ in changes:  # again, the moment before: an editor may have saved
            _check(path, expected)
        for tmp, path in staged:
            os.replace(tmp, path)
    except WriteError:
        _discard(staged)
        raise
    except OSError as exc:
        _discard(staged)
        raise WriteError(f"cannot write ({exc.strerror}); nothing written") from exc
    except BaseException:
        _discard(staged)
        raise
    finally:
        watcher.done()
    for folder in folders:
        _fsync_dir(folder)


def _discard(staged: Sequence[tuple[Path, Path]]) -> None:
    for tmp, _ in staged:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


def _fsync_dir(folder: Path) -> None:
    """Make the renames durable (a crash right after returning keeps the new files)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
