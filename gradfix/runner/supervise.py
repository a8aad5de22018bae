"""What outlives a gradfix that dies: nothing.

- Every runner keeps its project copies in one *session folder*, ``gradfix-<pid>-<start>-<random>``
  in the temporary folder, named after the process that owns it (pid and start time, so a reused
  pid is not mistaken for it). ``sweep()`` removes the session folders whose owner is gone; it runs
  once per process, when the first runner starts.
- A *janitor* (one small process per gradfix process that runs user code, in a session of its own
  and not below gradfix, so that killing gradfix's process group or tree spares it) holds the
  other end of a pipe. When gradfix ends in any way, SIGKILL included, the pipe closes and the
  janitor kills the processes and removes the folders that were registered with it and are still
  there. Its environment is empty.
- ``shutdown()`` is for SIGTERM, SIGHUP and SIGINT: every process below this one is stopped, then
  killed, and the session folders of the dead are swept.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from gradfix.runner.gradfix_child import watch

SESSION = re.compile(r"^gradfix-(\d+)-(\d+)-[0-9a-f]{8}$")
JANITOR = Path(__file__).resolve().parent / "janitor.py"


def start_time(pid: int) -> int:
    """The start time of ``pid`` in clock ticks since boot (0 without /proc or once it is gone)."""
    info = watch._stat(pid)
    return info[2] if info is not None else 0


def _owner_alive(pid: int, started: int) -> bool:
    if os.path.isdir(f"{watch.PROC}/{os.getpid()}"):
        info = watch._stat(pid)
        return info is not None and info[1] != "Z" and info[2] == started
    try:  # no /proc: the pid alone
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def new_session() -> Path:
    """A fresh session folder owned by this process."""
    name = f"gradfix-{os.getpid()}-{start_time(os.getpid())}-{secrets.token_hex(4)}"
    path = Path(tempfile.gettempdir()) / name
    path.mkdir(mode=0o700)
    return path


def sweep(folder: Path | None = None, mine: bool = False) -> list[Path]:
    """Remove the session folders of gradfix processes that are gone (``mine``: and this
    process's own); returns what it removed."""
    folder = Path(folder or tempfile.gettempdir())
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = SESSION.match(name)
        if match and ((mine and int(match.group(1)) == os.getpid())
                      or not _owner_alive(int(match.group(1)), int(match.group(2)))):
            remove(folder / name)
            removed.append(folder / name)
    return removed


def remove(path: Path) -> None:
    """Remove a folder the program wrote into, also where it took away its own permissions."""
    def writable(func, name, _exc):
        try:
            os.chmod(os.path.dirname(name), 0o700)
            os.chmod(name, 0o700)
            func(name)
        except OSError:
            pass

    shutil.rmtree(path, onerror=writable)


_swept = False


def sweep_once() -> None:
    global _swept
    if not _swept or _swept != os.getpid():
        _swept = os.getpid()
        sweep()


class _Janitor:
    def __init__(self) -> None:
        self.pid_owner = os.getpid()
        self.proc = subprocess.Popen([sys.executable, "-I", "-S", str(JANITOR)], stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={},
                                     cwd="/", close_fds=True)
        self.proc.wait()  # the launcher forks the janitor proper and returns at once

    def send(self, line: str) -> None:
        try:
            self.proc.stdin.write(line.encode("utf-8", "surrogateescape") + b"\n")
            self.proc.stdin.flush()
        except (OSError, ValueError):
            pass


_janitor: _Janitor | None = None


def _get() -> _Janitor | None:
    global _janitor
    if not sys.platform.startswith("linux"):
        return None
    if _janitor is None or _janitor.pid_owner != os.getpid():  # a forked worker needs its own
        _janitor = _Janitor()
    return _janitor


def guard_dir(path: Path) -> None:
    """Remove ``path`` if this process dies before ``release_dir(path)``."""
    janitor = _get()
    if janitor:
        janitor.send(f"+dir {path}")


def release_dir(path: Path) -> None:
    janitor = _get()
    if janitor:
        janitor.send(f"-dir {path}")


def guard_pid(pid: int) -> None:
    """Kill ``pid`` and every process below it if this process dies before ``release_pid(pid)``."""
    janitor = _get()
    if janitor:
        janitor.send(f"+pid {pid} {start_time(pid)}")


def release_pid(pid: int) -> None:
    janitor = _get()
    if janitor:
        janitor.send(f"-pid {pid}")


def kill_below(root: int) -> None:
    """Stop every process below ``root`` (so none forks or reparents away), then kill them all."""
    stop = getattr(signal, "SIGSTOP", None)
    if stop is not None:
        for pid in watch.descendants(root):
            try:
                os.kill(pid, stop)
            except (ProcessLookupError, PermissionError):
                pass
    watch.kill_tree(root, own=False, patience=2.0)


def shutdown() -> None:
    """On SIGTERM, SIGHUP or SIGINT: kill every process below this one, remove what they leave."""
    kill_below(os.getpid())
    watch.reap()
    sweep(mine=True)
