"""The zygote: imports TensorFlow once, then forks a fresh child per run.

Started by the parent as ``gradfix_child.zygote.main([DEVICE])`` (see ``launch_argv``).
Protocol, one JSON object per line: the parent writes a request (see probe.py) with ``timeout``,
``memory_limit_mb`` and ``max_processes``; the zygote answers ``{"status": "ok"|"timeout"|"crashed"|
"limit", "exit_code", "signal"}`` (a limit adds ``reason``: "memory" or "processes", and ``limit``)
once the child and every process it started are gone, and the child's output (its head and tail,
see ``watch.Capture``) is in ``request["output"]``. The first line it writes is
``{"ready": true, ...}``. Its own stdout is kept for the protocol; anything else printed goes to
stderr. The zygote is a child subreaper: nothing a run starts can leave its tree.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys

from gradfix_child import probe, watch


def _exit_code(pid: int) -> int | None:
    """The child's exit code (negative: the signal that ended it), or None while it runs."""
    done, status = os.waitpid(pid, os.WNOHANG)
    if not done:
        return None
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _kill_group(pid: int) -> None:
    """Where /proc is missing the tree cannot be walked: the child's process group at least."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _child(request: dict, write_fd: int, private: tuple[int, ...]) -> None:
    """In the forked child: no handle on the protocol, output into the zygote's pipe, no core file."""
    for fd in private:
        os.close(fd)
    os.setsid()
    os.dup2(write_fd, 1)
    os.dup2(write_fd, 2)
    os.close(write_fd)
    watch.restrict(request.get("max_processes"))
    probe.child_main(request)


def serve(request: dict, private: tuple[int, ...] = ()) -> dict:
    """Run one request in a forked child and answer when it and everything it started are gone.
    ``private``: the zygote's protocol descriptors, closed in the child."""
    read_fd, write_fd = os.pipe()
    dog = watch.Watchdog(os.getpid(), False, request.get("memory_limit_mb"), request.get("max_processes"),
                         baseline=watch.private_bytes(os.getpid()))
    pid = os.fork()
    if pid == 0:  # the child: a clean copy of the zygote's interpreter
        try:
            _child(request, write_fd, (read_fd, *private))
        finally:
            os._exit(0)
    os.close(write_fd)
    os.set_blocking(read_fd, False)
    capture = watch.Capture()
    try:
        answer = watch.supervise(pid, lambda: _exit_code(pid), float(request.get("timeout", 120)), dog,
                                 read_fd, capture)
    finally:
        _kill_group(pid)
        watch.kill_tree(os.getpid(), own=True)  # the zygote's only descendants are this run's
        watch.finish(read_fd, capture)
        with open(request["output"], "wb") as fh:
            fh.write(capture.kept())
    return answer


def main(argv: list[str]) -> int:
    device = argv[0] if argv else "cpu"
    watch.make_subreaper()
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
        proto_out.write(json.dumps(serve(request, (proto_out.fileno(),))) + "\n")
    return 0
