"""The zygote: imports TensorFlow once, then forks a fresh child per run.

Started by the parent as ``gradfix_child.zygote.main([DEVICE])`` (see ``launch_argv``).
Protocol, one JSON object per line: the parent writes a request (see probe.py) with ``timeout``;
the zygote answers ``{"status": "ok"|"timeout"|"crashed", "exit_code", "signal"}`` after the child
has ended. The first line it writes is ``{"ready": true, ...}``. Its own stdout is kept for the
protocol; anything else printed goes to stderr.
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import sys
import time

from gradfix_child import probe


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _wait(pid: int, timeout: float) -> int | None:
    """Wait for child ``pid`` at most ``timeout`` seconds; its wait status, or None on timeout.
    A pidfd wakes us the moment the child ends (polling would add up to its interval per run)."""
    deadline = time.monotonic() + timeout
    if hasattr(os, "pidfd_open"):
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            fd = None
        if fd is not None:
            try:
                ready, _, _ = select.select([fd], [], [], max(0.0, timeout))
            finally:
                os.close(fd)
            if not ready:
                return None
            return os.waitpid(pid, 0)[1]
    delay = 0.001
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() > deadline:
            return None
        time.sleep(delay)
        delay = min(delay * 1.5, 0.01)


def serve(request: dict) -> dict:
    pid = os.fork()
    if pid == 0:  # the child: a clean copy of the zygote's interpreter
        try:
            os.setsid()
            probe.child_main(request)
        finally:
            os._exit(0)
    status = _wait(pid, float(request.get("timeout", 120)))
    if status is None:
        _kill_group(pid)
        os.waitpid(pid, 0)
        return {"status": "timeout", "exit_code": None, "signal": signal.SIGKILL}
    _kill_group(pid)  # background processes the program left behind
    if os.WIFSIGNALED(status):
        return {"status": "crashed", "exit_code": None, "signal": os.WTERMSIG(status)}
    return {"status": "ok", "exit_code": os.WEXITSTATUS(status), "signal": None}


def main(argv: list[str]) -> int:
    device = argv[0] if argv else "cpu"
    proto_out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    try:
        probe.preload(device)
    except Exception as exc:  # TensorFlow missing or broken in this interpreter
        proto_out.write(json.dumps({"ready": False, "error": f"{type(exc).__name__}: {exc}"}) + "\n")
        return 3
    import tensorflow as tf

    gc.collect()
    gc.freeze()  # children never scan what the zygote imported: no copy-on-write of its heap

    proto_out.write(json.dumps({"ready": True, "tensorflow": tf.__version__, "pid": os.getpid()}) + "\n")
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        request = json.loads(line)
        proto_out.write(json.dumps(serve(request)) + "\n")
    return 0
