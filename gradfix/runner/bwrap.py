"""The sandbox of every run of user code: bubblewrap (``bwrap``, the sandbox Flatpak uses).

Inside it the program sees the whole file system read-only, with three exceptions: the runner's
session folder (the project copies, the request and result files) is writable, ``/tmp`` is a
private, empty tmpfs, and ``/dev`` is a minimal one (the real one with a GPU). It runs in new PID,
IPC, UTS, cgroup and user namespaces (it cannot see, signal or read ``/proc`` of gradfix or any
other process outside), without capabilities, without network unless asked, in a session of its
own (no terminal to inject keystrokes into), and it dies with the process that started it.

``GRADFIX_SANDBOX`` picks the mode: ``auto`` (default: bubblewrap where it works, else the
fallback, said once), ``bwrap`` (bubblewrap or an error) or ``none`` (the fallback, silently).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from gradfix.errors import RunnerError

MODE_ENV = "GRADFIX_SANDBOX"
MODES = ("auto", "bwrap", "none")
PRIVATE_TMP = "/tmp"  # noqa: S108 (a fresh tmpfs inside the sandbox, not the host's /tmp)


@dataclass(frozen=True)
class Availability:
    usable: bool
    reason: str  # why not, when not usable
    wanted: str  # the mode asked for


_why_not: str | None = None  # the probe's answer, once per process ('' when bubblewrap works)


def _probe(binary: str) -> str:
    """'' when ``binary`` can build the sandbox here, else why not (one phrase)."""
    try:
        proc = subprocess.run([binary, *_options(network=False, device="cpu", writable=()), "--", "true"],
                              capture_output=True, timeout=20, env={"PATH": os.environ.get("PATH", "")})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap cannot start ({exc})"
    if proc.returncode != 0:
        words = proc.stderr.decode(errors="replace").strip().splitlines()
        return f"bwrap fails here ({words[-1] if words else 'exit ' + str(proc.returncode)})"
    return ""


def _reason() -> str:
    global _why_not
    if _why_not is None:
        if not sys.platform.startswith("linux"):
            _why_not = f"no bubblewrap on {sys.platform}"
        else:
            binary = shutil.which("bwrap")
            _why_not = "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)" if binary is None \
                else _probe(binary)
    return _why_not


def availability(wanted: str | None = None) -> Availability:
    """Whether runs are sandboxed. ``wanted``: a mode that overrides ``GRADFIX_SANDBOX``. The
    probe runs once per process (forked workers inherit its answer)."""
    wanted = wanted or os.environ.get(MODE_ENV, "auto").strip().lower() or "auto"
    if wanted not in MODES:
        raise RunnerError(f"{MODE_ENV}={wanted!r}: expected one of {', '.join(MODES)}")
    if wanted == "none":
        return Availability(False, f"{MODE_ENV}=none", wanted)
    reason = _reason()
    if wanted == "bwrap" and reason:
        raise RunnerError(f"{MODE_ENV}=bwrap: {reason}")
    return Availability(not reason, reason, wanted)


def notice() -> str | None:
    """The one line to say when runs are not sandboxed though the user did not ask for that."""
    state = availability()
    if state.usable or state.wanted == "none":
        return None
    return (f"no sandbox: {state.reason}; the script runs with your permissions in a copy of its "
            f"folder (see README, Reliability: sandbox modes)")


def _options(network: bool, device: str, writable: Sequence[str], readable: Sequence[str] = ()) -> list[str]:
    opts = ["--ro-bind", "/", "/",
            *(["--dev", "/dev"] if device == "cpu" else ["--dev-bind", "/dev", "/dev"]),
            "--proc", "/proc", "--tmpfs", PRIVATE_TMP]
    for path in readable:  # what the run needs from under the host's /tmp (an interpreter, gradfix)
        opts += ["--ro-bind", path, path]
    for path in writable:  # after the tmpfs: a session folder under /tmp stays reachable
        opts += ["--bind", path, path]
    opts += ["--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
             "--disable-userns", "--cap-drop", "ALL", "--die-with-parent", "--new-session"]
    if not network:
        opts.append("--unshare-net")
    return opts


def wrap(argv: Sequence[str], *, writable: Sequence[str], cwd: str, network: bool = False,
         device: str = "cpu", needed: Sequence[str] = ()) -> list[str]:
    """``argv`` run inside the sandbox, in ``cwd``, with ``writable`` folders bound read-write.
    ``needed``: paths the run reads (interpreter, gradfix's child code, PYTHONPATH); those the
    private /tmp would hide are bound back read-only."""
    readable = sorted({os.path.realpath(p) for p in needed if p and os.path.isabs(p) and os.path.exists(p)
                       and hidden(os.path.realpath(p))} | {p for p in needed if p and os.path.isabs(p)
                                                           and os.path.exists(p) and hidden(p)})
    return [shutil.which("bwrap") or "bwrap", *_options(network, device, writable, readable), "--chdir", cwd,
            "--", *argv]


def hidden(path: str) -> bool:
    """Whether the sandbox hides ``path`` (a real path): the host's /tmp is replaced there."""
    tmp = os.path.realpath(PRIVATE_TMP)
    return path == tmp or path.startswith(tmp + os.sep)
