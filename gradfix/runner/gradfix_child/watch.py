"""Whole-tree control of one run: wait for it, cap its output, measure every process it started
against the limits, and kill them all afterwards.

Standard library only, and nothing of ours: the zygote imports this as ``gradfix_child.watch``, the
parent (spawn mode) as ``gradfix.runner.gradfix_child.watch``. Linux reads /proc and uses prctl;
elsewhere the tree looks empty and that extra protection is skipped (the timeout still holds).
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import sys
import time
from collections.abc import Callable

POLL_S = 0.03  # how often the tree is measured: a fork loop or a memory hog gains little in 30 ms
HEAD_BYTES = 16 * 1024  # of the program's output, the first HEAD_BYTES and last TAIL_BYTES are kept
TAIL_BYTES = 64 * 1024
READ_CHUNK = 64 * 1024
DRAIN_BUDGET = 1024 * 1024  # per wake-up, so that a flood of output cannot starve the watchdog
MIB = 1024 * 1024
THREADS_PER_PROCESS = 64  # RLIMIT_NPROC counts threads: the backstop leaves TensorFlow's pools room
EXACT_BUDGET_S = 0.1  # per look, for splitting shared pages exactly (see Watchdog._memory)
PR_SET_CHILD_SUBREAPER = 36
PROC = "/proc"
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
KILL = int(getattr(signal, "SIGKILL", signal.SIGTERM))  # what a killed run reports (Windows has no SIGKILL)


# ---------------------------------------------------------------- the process tree
def make_subreaper() -> bool:
    """Orphans below this process reparent to it instead of init: a program that daemonizes
    (double fork + setsid) stays in the tree that is killed after its run."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state letter, start time) of ``pid``; None once it is gone (or without /proc)."""
    try:
        with open(f"{PROC}/{pid}/stat", "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    fields = data[data.rfind(b")") + 2:].split()  # the command name may hold spaces and parentheses
    try:
        return int(fields[1]), fields[0].decode(), int(fields[19])
    except (IndexError, ValueError):
        return None


def _table() -> dict[int, tuple[int, str, int]]:
    try:
        names = os.listdir(PROC)
    except OSError:
        return {}
    table = {}
    for name in names:
        if name.isdigit():
            info = _stat(int(name))
            if info is not None:
                table[int(name)] = info
    return table


def descendants(root: int) -> dict[int, tuple[int, str, int]]:
    """Every process below ``root`` (zombies included), by parent links: a program may have moved
    its processes to other sessions and process groups, never out from under a subreaper."""
    table = _table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found: dict[int, tuple[int, str, int]] = {}
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found[child] = table[child]
                stack.append(child)
    return found


def _kill(pid: int) -> None:
    try:
        os.kill(pid, KILL)
    except (ProcessLookupError, PermissionError):
        pass


def reap() -> None:
    """Collect every child that has ended: orphans reparented to a subreaper become its zombies."""
    while hasattr(os, "WNOHANG"):
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_tree(root: int, own: bool, patience: float = 2.0) -> None:
    """SIGKILL every process below ``root``, again until none is alive (they may fork while being
    killed). ``own``: ``root`` is this process, a subreaper, so it reaps what died."""
    end = time.monotonic() + patience
    while True:
        if own:
            reap()
        alive = [pid for pid, (_, state, _) in descendants(root).items() if state != "Z"]
        if not alive or time.monotonic() > end:
            return
        for pid in alive:
            _kill(pid)
        time.sleep(0.001)


def kill_seen(seen: dict[int, int]) -> None:
    """Kill what the watchdog saw in a tree and is still alive (same start time, so not a reused
    pid), with its descendants: orphans of a run whose own process is gone went to init."""
    for pid, started in seen.items():
        info = _stat(pid)
        if info is not None and info[2] == started and info[1] != "Z":
            kill_tree(pid, own=False, patience=0.5)  # its descendants first, while they are below it
            _kill(pid)


def restrict(max_processes: int | None) -> None:
    """In the run's own process, before the program starts: no core file from a segfault, and, where
    the kernel enforces it (not for root), a cap on the tasks a fork bomb starts between two looks
    of the watchdog. The cap counts every task of the user, hence the room above today's count."""
    try:
        import resource
    except ImportError:
        return
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (OSError, ValueError):
        pass
    if not max_processes or os.geteuid() == 0:
        return
    try:
        with open(f"{PROC}/loadavg", encoding="ascii") as fh:
            tasks = int(fh.read().split()[3].split("/")[1])  # every task on the machine: >= the user's
        soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
        cap = tasks + max_processes * THREADS_PER_PROCESS
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        if soft == resource.RLIM_INFINITY or cap < soft:
            resource.setrlimit(resource.RLIMIT_NPROC, (cap, hard))
    except (OSError, ValueError, IndexError, AttributeError):  # no /proc, no RLIMIT_NPROC
        pass


# ---------------------------------------------------------------- limits
def private_bytes(pid: int) -> int:
    """Resident memory of ``pid`` that no file backs (statm: resident - shared): what a hog grows."""
    try:
        with open(f"{PROC}/{pid}/statm", "rb") as fh:
            fields = fh.read().split()
        return max(0, int(fields[1]) - int(fields[2])) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _proportional_anon(pid: int) -> int:
    """Anonymous memory of ``pid`` with each page shared copy-on-write split among its sharers
    (smaps_rollup's Pss_Anon): exact, but it walks the page tables, so only to confirm an excess.
    0 for a process that is gone."""
    try:
        with open(f"{PROC}/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss_Anon:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def _kernel_splits_shares() -> bool:
    """Whether smaps_rollup has Pss_Anon (Linux 5.8 and later)."""
    try:
        with open(f"{PROC}/self/smaps_rollup", "rb") as fh:
            return any(line.startswith(b"Pss_Anon:") for line in fh)
    except OSError:
        return False


class Watchdog:
    """Measures the tree of one run against its limits, and remembers every process it saw.

    ``root`` is the zygote (its descendants are the run) or, with ``include_root``, the run's own
    process (spawn mode). ``baseline`` is memory the tree holds before the program starts: a forked
    child shares the zygote's TensorFlow, copy-on-write, and that is not the program's doing."""

    def __init__(self, root: int, include_root: bool, memory_limit_mb: int | None,
                 max_processes: int | None, baseline: int = 0) -> None:
        self.root = root
        self.include_root = include_root
        self.memory_limit_mb = memory_limit_mb
        self.max_processes = max_processes
        self.baseline = baseline
        self.seen: dict[int, int] = {}

    def tree(self) -> dict[int, tuple[int, str, int]]:
        found = descendants(self.root)
        if self.include_root:
            info = _stat(self.root)
            if info is not None:
                found[self.root] = info
        return found

    def over(self) -> dict | None:
        """``{"reason": "processes"|"memory", "limit": N}`` when the tree is over a limit, else None.
        Zombies do not count: they hold no memory, and an orphan's ends with the run."""
        tree = self.tree()
        for pid, (_, _, started) in tree.items():
            self.seen[pid] = started
        alive = [pid for pid, (_, state, _) in tree.items() if state != "Z"]
        if self.max_processes and len(alive) > self.max_processes:
            return {"reason": "processes", "limit": self.max_processes}
        if self.memory_limit_mb and self._memory(alive) > self.memory_limit_mb * MIB:
            return {"reason": "memory", "limit": self.memory_limit_mb}
        return None

    def _memory(self, alive: list[int]) -> int:
        """What the run added. The cheap sum counts a page shared copy-on-write once per process
        (a program forking data-loader workers would look several times its size): when that sum
        is over the limit, the proportional one (of the tree and its root) decides."""
        used = sum(private_bytes(pid) for pid in alive) - self.baseline
        if used <= self.memory_limit_mb * MIB or not _kernel_splits_shares():
            return used
        # The exact sum walks page tables (tens of ms for a process holding TensorFlow): within a
        # time budget per look, so that a fork bomb cannot stall the watchdog; what it could not
        # measure in time counts as nothing this time (the process count is checked first).
        end = time.monotonic() + EXACT_BUDGET_S
        exact = -self.baseline
        for pid in {*alive, self.root}:
            exact += _proportional_anon(pid)
            if exact > self.memory_limit_mb * MIB or time.monotonic() > end:
                break
        return exact


# ---------------------------------------------------------------- output
def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


class Capture:
    """The first HEAD_BYTES and the last TAIL_BYTES of a stream, and how much was in between: a
    program that prints 100 MB costs 80 KiB, and the reader never makes the writer wait."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = HEAD_BYTES - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if len(data) >= TAIL_BYTES:
            self.tail = bytearray(data[-TAIL_BYTES:])
        elif data:
            self.tail += data
            del self.tail[:max(0, len(self.tail) - TAIL_BYTES)]

    def kept(self) -> bytes:
        dropped = self.total - len(self.head) - len(self.tail)
        if dropped <= 0:
            return bytes(self.head + self.tail)
        marker = f"\n[... {_size(dropped)} of output not kept ...]\n".encode()
        return bytes(self.head) + marker + bytes(self.tail)


def drain(fd: int, capture: Capture) -> bool:
    """Read what the non-blocking ``fd`` holds now, up to DRAIN_BUDGET; False at end of file."""
    got = 0
    while got < DRAIN_BUDGET:
        try:
            data = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return True
        except OSError:
            return False
        if not data:
            return False
        capture.feed(data)
        got += len(data)
    return True


def finish(fd: int, capture: Capture, patience: float = 1.0) -> None:
    """After the tree is dead every writer has closed the pipe: read to its end (bounded, in case a
    process we could not kill still holds it), then close it."""
    end = time.monotonic() + patience
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
            if ready and not drain(fd, capture):
                return
    finally:
        os.close(fd)


def pump(fd: int, capture: Capture) -> None:
    """Blocking reads until end of file (the parent's reader thread in spawn mode)."""
    while True:
        try:
            data = os.read(fd, READ_CHUNK)
        except OSError:
            return
        if not data:
            return
        capture.feed(data)


# ---------------------------------------------------------------- waiting
def _pidfd(pid: int) -> int | None:
    """A pidfd wakes us the moment ``pid`` ends (polling would add up to its interval per run)."""
    try:
        return os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    except OSError:
        return None


def _ended(code: int) -> dict:
    if code < 0:
        return {"status": "crashed", "exit_code": None, "signal": -code}
    return {"status": "ok", "exit_code": code, "signal": None}


def supervise(pid: int, ended: Callable[[], int | None], timeout: float, watchdog: Watchdog,
              out_fd: int | None = None, capture: Capture | None = None) -> dict:
    """Wait for the run's process ``pid``: ``ended()`` gives its exit code (negative: the signal)
    once it is over. Meanwhile drain ``out_fd`` into ``capture`` and look at the tree every POLL_S.
    Returns the zygote's answer: ``status`` ok, crashed, timeout or limit (with reason and limit).
    Killing the tree is the caller's part, whatever the answer."""
    deadline = time.monotonic() + timeout
    pidfd = _pidfd(pid)
    fds = [fd for fd in (out_fd, pidfd) if fd is not None]
    next_look = time.monotonic() + POLL_S  # most runs end before the first look
    try:
        while True:
            code = ended()
            if code is not None:
                return _ended(code)
            now = time.monotonic()
            if now >= deadline:
                return {"status": "timeout", "exit_code": None, "signal": KILL}
            if now >= next_look:
                over = watchdog.over()
                if over:
                    return {"status": "limit", **over, "exit_code": None, "signal": KILL}
                next_look = now + POLL_S
            wait = min(next_look, deadline) - now
            if pidfd is None:
                wait = min(wait, 0.005)
            if not fds:
                time.sleep(max(0.0, wait))
                continue
            ready, _, _ = select.select(fds, [], [], max(0.0, wait))
            if out_fd in ready and not drain(out_fd, capture):
                fds.remove(out_fd)  # every writer closed it; the process may still run
    finally:
        if pidfd is not None:
            os.close(pidfd)
