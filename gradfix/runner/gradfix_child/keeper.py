"""The keeper: a paused copy of a run that forks candidates on request (see snapshot.py).

It waits on a Unix socket. The zygote sends a candidate's request with the write end of its output
pipe; the keeper forks the candidate through a short-lived middle process, so that the candidate
becomes the zygote's own child (the zygote is a subreaper) and the zygote supervises it as any run,
and answers with its pid.
"""

from __future__ import annotations

import json
import os
import random
import select
import socket
import time

IDLE_S = 1800.0  # a keeper nobody asked for ends by itself


def serve(listener: socket.socket, index: int, zygote: int) -> None:
    """The keeper: wait for the zygote's requests; fork each candidate so that it becomes the
    zygote's own child (the zygote is a subreaper), and tell the zygote its pid."""
    # (No PyThreadState_SetAsyncExc(id, NULL) here to take back a stop the run's watcher may have
    # meant for itself: on 3.11 that leaves the eval breaker set, and every bytecode after it crawls.
    # The watcher raises only once a stop is due, which the keeping run never reaches.)
    os.setsid()  # out of the kept run's process group, which is killed when that run ends
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    parents = (os.getppid(), zygote)  # the kept run, and after it the zygote (a subreaper)
    idle_until = time.monotonic() + IDLE_S
    while time.monotonic() < idle_until:
        if os.getppid() not in parents:  # the zygote is gone
            return
        ready, _, _ = select.select([listener], [], [], 1.0)
        if not ready:
            continue
        conn, _ = listener.accept()
        with conn:
            message, fds = _receive(conn)
            if message is None or not fds:
                continue
            message["resume"]["kept_index"] = index
            pid = _fork_candidate(message, fds[0], listener, conn)
            os.close(fds[0])
            conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        idle_until = time.monotonic() + IDLE_S


def _receive(conn: socket.socket) -> tuple[dict | None, list[int]]:
    data, fds, _, _ = socket.recv_fds(conn, 1 << 20, 1)
    while data and not data.endswith(b"\n"):
        more = conn.recv(1 << 20)
        if not more:
            break
        data += more
    try:
        return json.loads(data), list(fds)
    except json.JSONDecodeError:
        for fd in fds:
            os.close(fd)
        return None, []


def _fork_candidate(request: dict, out_fd: int, listener: socket.socket, conn: socket.socket) -> int:
    read_end, write_end = os.pipe()
    state = random.getstate()
    middle = os.fork()
    if middle == 0:
        try:
            os.close(read_end)
            pid = os.fork()
            if pid == 0:
                random.setstate(state)  # the kept state: a fork reseeds ``random`` from the OS
                os.close(write_end)
                listener.close()
                conn.close()
                _candidate(request, out_fd)
            os.write(write_end, str(pid).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    answer = os.read(read_end, 64)
    os.close(read_end)
    os.waitpid(middle, 0)  # once it is gone the candidate is the zygote's child
    return int(answer or b"0")


def _candidate(request: dict, out_fd: int) -> None:
    from gradfix_child import probe  # imported here: probe imports snapshot, which imports this

    try:
        os.setsid()
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        os.close(out_fd)
        probe.child_main(request)
    finally:
        os._exit(0)
