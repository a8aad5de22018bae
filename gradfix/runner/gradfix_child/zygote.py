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
import socket
import sys
import time

from gradfix_child import probe, watch

KEEPERS: set[int] = set()  # paused snapshots of kept runs (snapshot.py): spared between runs


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


def _kill_rest(patience: float = 2.0) -> None:
    """``watch.kill_tree`` of the zygote, sparing the keepers."""
    end = time.monotonic() + patience
    while True:
        watch.reap()
        tree = watch.descendants(os.getpid())
        KEEPERS.intersection_update(p for p, (_, state, _) in tree.items() if state != "Z")
        alive = [p for p, (_, state, _) in tree.items() if state != "Z" and p not in KEEPERS]
        if not alive or time.monotonic() > end:
            return
        for p in alive:
            try:
                os.kill(p, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.001)


def _from_keeper(request: dict, write_fd: int) -> int | None:
    """Ask the keeper named in ``request["resume"]`` to fork the candidate; its pid, or None."""
    plan = request["resume"]
    if plan.get("pid") not in KEEPERS:
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(30)
            conn.connect(plan["socket"])
            socket.send_fds(conn, [json.dumps(request).encode() + b"\n"], [write_fd])
            answer = b""
            while not answer.endswith(b"\n"):
                chunk = conn.recv(4096)
                if not chunk:
                    break
                answer += chunk
        pid = int(json.loads(answer)["pid"])
    except (OSError, ValueError, KeyError):
        return None
    return pid or None


def _keeper_of(request: dict) -> None:
    """After a kept run: spare the keeper it names (snapshot.settle wrote where it is)."""
    try:
        with open(request["keep"], encoding="utf-8") as fh:
            pid = json.load(fh).get("pid")
    except (OSError, ValueError):
        return
    if isinstance(pid, int) and pid in watch.descendants(os.getpid()):
        KEEPERS.add(pid)


def _release(pid: int) -> dict:
    if pid in KEEPERS:
        KEEPERS.discard(pid)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _kill_rest()
    return {"status": "released"}


def _move_back(request: dict) -> None:
    """A resumed candidate moved its project copy to the kept run's path: put it back."""
    kept, given = request["resume"].get("root"), (request.get("user_roots") or [None])[0]
    if kept and given and os.path.isdir(kept) and not os.path.exists(given):
        try:
            os.rename(kept, given)
        except OSError:
            pass


def serve(request: dict, private: tuple[int, ...] = ()) -> dict:
    """Run one request in a forked child and answer when it and everything it started are gone.
    ``private``: the zygote's protocol descriptors, closed in the child.

    A request with ``resume`` is forked from a keeper instead (snapshot.py): the candidate becomes
    this process's child all the same. ``{"release": PID}`` ends a keeper."""
    if "release" in request:
        return _release(request["release"])
    read_fd, write_fd = os.pipe()
    dog = watch.Watchdog(os.getpid(), False, request.get("memory_limit_mb"), request.get("max_processes"),
                         baseline=watch.private_bytes(os.getpid()))
    if request.get("resume"):
        pid = _from_keeper(request, write_fd)
        if pid is None:
            os.close(read_fd)
            os.close(write_fd)
            probe.write_result(request["result"], {"status": "resume-failed", "gradient_calls": [],
                                                   "error": {"type": "Unresumable", "stack": [],
                                                             "message": "the keeper is gone"}})
            with open(request["output"], "wb"):
                pass
            return {"status": "ok", "exit_code": 0, "signal": None}
    else:
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
        if request.get("keep"):
            _keeper_of(request)
        _kill_rest()  # the zygote's only descendants are this run's, and the keepers
        if request.get("resume"):
            _move_back(request)
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
