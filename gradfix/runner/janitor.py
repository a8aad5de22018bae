"""The janitor (see supervise.py), run as ``python -I -S janitor.py``: it forks itself away from
gradfix's process tree and session, then reads ``+dir PATH``, ``-dir PATH``, ``+pid PID START`` and
``-pid PID`` lines; at end of input (gradfix gone, however it ended) it kills the registered
processes with everything below them and removes the registered folders. Standard library only."""

import os
import shutil
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gradfix_child import watch  # noqa: E402


def _clean(pids: dict, dirs: set) -> None:
    for pid, started in pids.items():
        info = watch._stat(pid)
        if info is None or info[2] != started:
            continue
        for child in [pid, *watch.descendants(pid)]:
            try:
                os.kill(child, signal.SIGSTOP)
            except OSError:
                pass
        watch.kill_tree(pid, own=False)
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for path in dirs:
        shutil.rmtree(path, ignore_errors=True)


def main() -> None:
    if os.fork():  # the launcher returns at once; the janitor is nobody's descendant
        os._exit(0)
    os.setsid()
    pids, dirs = {}, set()
    for raw in sys.stdin.buffer:
        verb, _, rest = raw.rstrip(b"\n").decode("utf-8", "surrogateescape").partition(" ")
        if verb == "+dir":
            dirs.add(rest)
        elif verb == "-dir":
            dirs.discard(rest)
        elif verb == "+pid":
            pid, _, started = rest.partition(" ")
            pids[int(pid)] = int(started or 0)
        elif verb == "-pid":
            pids.pop(int(rest), None)
    _clean(pids, dirs)


main()
