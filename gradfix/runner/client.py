"""The parent's side of a run: sandbox, zygote (or spawn), result.

Every process that runs user code (the zygote, a spawned probe, a ``--run`` command) starts inside
the bubblewrap sandbox where it is available (``bwrap.py``), with the runner's session folder as
its only writable place. The parent enforces the deadline itself as well: a program that stops or
kills its supervisor inside the sandbox is killed with the whole sandbox at ``timeout + grace``.
"""

from __future__ import annotations

import functools
import json
import os
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from gradfix.errors import RunnerError
from gradfix.runner import bwrap, supervise
from gradfix.runner.env import scrubbed
from gradfix.runner.gradfix_child import launch_argv, watch
from gradfix.runner.protocol import parse_result
from gradfix.runner.sandbox import Sandbox
from gradfix.types import ProbeError, ProbeResult

RUNNER_DIR = Path(__file__).resolve().parent
DEFAULT_MAX_PROCESSES = 256
MEMORY_SHARE = 0.75  # of physical memory, the default limit for one run's tree
OUTPUT_LIMIT = 2 * (watch.HEAD_BYTES + watch.TAIL_BYTES)  # the zygote keeps less; a bound all the same
GRACE_S = 5.0  # past its timeout, the zygote has this long (plus 10%) to answer before it is killed
READY_S = 900.0  # importing TensorFlow (a first import on a cold disk can take minutes)


def default_memory_limit_mb() -> int | None:
    """75% of physical memory: a run may use a lot, but never take the machine (and CI job) down.
    None where the platform does not say how much there is."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    return int(total * MEMORY_SHARE) // watch.MIB if total > 0 else None


def _read_output(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            return fh.read(OUTPUT_LIMIT).decode("utf-8", "replace")
    except OSError:
        return ""


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return "unknown"


def _no_result(answer: dict, timeout: float) -> ProbeError:
    """Why a run left no result, as one phrase that reads after "the program"."""
    status = answer.get("status")
    if status == "timeout":
        return ProbeError("Timeout", f"timed out after {timeout:g} s", ())
    if status == "limit":
        what = (f"used more than {answer.get('limit')} MiB of memory" if answer.get("reason") == "memory"
                else f"started more than {answer.get('limit')} processes")
        return ProbeError("Limit", what, ())
    if answer.get("signal"):
        number = int(answer["signal"])
        return ProbeError("Crash", f"died from signal {number} ({_signal_name(number)})", ())
    if answer.get("exit_code") is not None:
        return ProbeError("Crash", f"exited with code {answer['exit_code']} (os._exit or a native exit) "
                                   "before writing a result", ())
    return ProbeError("Crash", "ended without a result (its supervising process died)", ())


def _watched(proc: subprocess.Popen, request: dict) -> dict:
    """Supervise a process started here (spawn mode, or --run's command): its output drained and
    capped, its tree under the timeout and limits, and all of it killed at the end."""
    capture = watch.Capture()
    reader = threading.Thread(target=watch.pump, args=(proc.stdout.fileno(), capture), daemon=True)
    reader.start()
    dog = watch.Watchdog(proc.pid, True, request["memory_limit_mb"], request["max_processes"])
    try:
        return watch.supervise(proc.pid, proc.poll, request["timeout"], dog)
    finally:
        _end_spawned(proc, dog)
        reader.join(1.0)  # the pipe ends when its last writer is dead
        Path(request["output"]).write_bytes(capture.kept())
        if not reader.is_alive():
            proc.stdout.close()


def _end_spawned(proc: subprocess.Popen, dog: watch.Watchdog) -> None:
    """Kill everything a spawned run started. Its process, a subreaper, is stopped first so that it
    forks no more while its descendants die and come back to it; what escaped it (after a crash or
    ``os._exit`` its orphans went to init) the watchdog saw, or its process group still holds."""
    if proc.poll() is None and hasattr(signal, "SIGSTOP"):
        try:
            os.kill(proc.pid, signal.SIGSTOP)
        except ProcessLookupError:
            pass
        watch.kill_tree(proc.pid, own=False)
    watch.kill_seen(dog.seen)
    if hasattr(os, "killpg"):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    proc.kill()
    proc.wait()


class _Lines:
    """Lines from a pipe, each read under a deadline (the zygote may be stopped by its program)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""

    def read(self, seconds: float) -> bytes | None:
        """The next line; b"" at end of file; None when none came in ``seconds``."""
        end = time.monotonic() + seconds
        while b"\n" not in self.buffer:
            left = end - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                line, self.buffer = self.buffer, b""
                return line
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line + b"\n"


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=8)
def _import_path(python: str) -> tuple[str, ...]:
    """Another interpreter's ``sys.path`` (its ``.pth`` lines included), asked once; () on failure."""
    try:
        out = subprocess.run([python, "-c", "import json, sys; print(json.dumps(sys.path))"],
                             capture_output=True, text=True, timeout=30)
        return tuple(p for p in json.loads(out.stdout or "[]") if isinstance(p, str))
    except (OSError, ValueError, subprocess.SubprocessError):
        return ()


class Runner:
    """Runs training scripts for one step. Reuse one Runner for many runs: in fork mode it keeps a
    zygote that imported TensorFlow once. Use as a context manager, or call ``close()``."""

    def __init__(self, python: str | None = None, device: str = "cpu", isolation: str = "auto",
                 seed: int = 0, eager: bool = True, env_allow: tuple[str, ...] = (),
                 threads: int | None = None, memory_limit_mb: int | None = None,
                 max_processes: int | None = None, command: str | None = None,
                 command_cwd: Path | None = None, network: bool = False, sandbox: str | None = None) -> None:
        if isolation not in ("auto", "fork", "spawn"):
            raise RunnerError(f"unknown isolation {isolation!r} (use auto, fork or spawn)")
        if isolation == "fork" and not hasattr(os, "fork"):
            raise RunnerError("--isolation fork: this platform has no fork()")
        self.python = python or sys.executable
        self.device = device
        self.isolation = "spawn" if isolation == "spawn" or not hasattr(os, "fork") else "fork"
        self.seed = seed
        self.eager = eager
        # limits for the whole tree of one run (None: the defaults)
        self.memory_limit_mb = memory_limit_mb or default_memory_limit_mb()
        self.max_processes = max_processes or DEFAULT_MAX_PROCESSES
        self.env = scrubbed(allow=env_allow)
        # sandbox: "bwrap" (required), "none" (the fallback), None (as GRADFIX_SANDBOX says)
        if sandbox not in (None, "bwrap", "none"):
            raise RunnerError(f"unknown sandbox {sandbox!r} (use bwrap or none)")
        self.sandboxed = sandbox != "none" and bwrap.availability(sandbox).usable
        self.network = network
        if self.sandboxed:
            self.env["TMPDIR"] = bwrap.PRIVATE_TMP
        supervise.sweep_once()
        self.session = self._new_session()  # every project copy of this runner lives in it
        if device == "cpu":
            self.env["CUDA_VISIBLE_DEVICES"] = "-1"
        if threads:  # several runners share the cores: TensorFlow's pools would fight otherwise
            self.env["TF_NUM_INTRAOP_THREADS"] = self.env["TF_NUM_INTEROP_THREADS"] = str(threads)
        # --run: each run is the user's own command (in a sandbox copy of ``command_cwd``) with the
        # probe injected, instead of the script run by gradfix's child
        self.command = shlex.split(command) if command else None
        if command is not None and not self.command:
            raise RunnerError("--run: empty command")
        self.command_cwd = (command_cwd or Path.cwd()).resolve()
        self._zygote: subprocess.Popen | None = None
        self._pending: subprocess.Popen | None = None  # started, not yet known to be ready
        self._zygote_log = None
        self._lines: _Lines | None = None
        self.runs = 0

    @staticmethod
    def _new_session() -> Path:
        session = supervise.new_session()
        supervise.guard_dir(session)
        return session

    def _argv(self, argv: list[str], cwd: str) -> list[str]:
        """``argv`` as it starts: inside the sandbox where there is one."""
        if not self.sandboxed:
            return argv
        return bwrap.wrap(argv, writable=[str(self.session)], cwd=cwd, network=self.network, device=self.device,
                          needed=self._needed())

    def _needed(self) -> list[str]:
        """What a run reads besides the project copy: the interpreter (its virtual environment),
        gradfix's child code, PYTHONPATH and, for this very interpreter, its import path."""
        python = Path(self.python)
        needed = [str(RUNNER_DIR), str(python.parent.parent), os.path.realpath(python)]
        needed += self.env.get("PYTHONPATH", "").split(os.pathsep)
        if python.resolve() == Path(sys.executable).resolve():
            needed += [sys.prefix, *sys.path]
        elif bwrap.hidden(os.path.realpath(python)):
            needed += _import_path(str(python))  # .pth lines may reach folders outside its venv
        if self.command:
            found = shutil.which(self.command[0], path=self.env.get("PATH"))
            needed += [os.path.dirname(found)] if found else []
        return needed

    def _read_only(self, path: str) -> bool:
        """Whether the program can reach the real ``path`` only for reading (inside the sandbox)."""
        return self.sandboxed and not bwrap.hidden(path)

    # ------------------------------------------------------------------ zygote
    def warm(self) -> None:
        """Start the zygote now (it imports TensorFlow while gradfix does other work); the first
        run waits for it to be ready."""
        if self.isolation == "fork" and self.command is None and self._pending is None and self._zygote is None:
            self._zygote_log = tempfile.TemporaryFile()
            argv = launch_argv(self.python, str(RUNNER_DIR), "zygote", self.device)
            try:
                self._pending = subprocess.Popen(
                    self._argv(argv, str(self.session)), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=self._zygote_log, env=self.env, cwd=self.session,
                )
            except OSError as exc:
                raise RunnerError(f"cannot start {self.python}: {exc.strerror}") from exc
            supervise.guard_pid(self._pending.pid)
            self._lines = _Lines(self._pending.stdout.fileno())

    def _start_zygote(self) -> subprocess.Popen:
        if self._zygote is not None and self._zygote.poll() is None:
            return self._zygote
        if self._zygote is not None:  # it died between runs: start afresh
            self._stop_zygote()
        self.warm()
        proc, self._pending = self._pending, None
        self._zygote = proc
        hello = self._lines.read(READY_S) or b""
        try:
            ready = json.loads(hello) if hello else {"ready": False, "error": "exited"}
        except json.JSONDecodeError:
            ready = {"ready": False, "error": hello.decode(errors="replace").strip()[:200]}
        if not ready.get("ready"):
            said = self._zygote_said() if ready.get("error") == "exited" else ""
            self._stop_zygote()
            raise RunnerError(f"{self.python} cannot import TensorFlow ({said or ready.get('error')})")
        return proc

    def _zygote_said(self) -> str:
        """The last line the zygote wrote to stderr (why it could not start: bwrap's words too)."""
        try:
            self._zygote_log.seek(0)
            words = self._zygote_log.read()[-4096:].decode(errors="replace").strip().splitlines()
        except (OSError, AttributeError):
            return ""
        return words[-1][:200] if words else ""

    def _via_zygote(self, request: dict) -> dict:
        """The zygote's answer; where it does not come in time (the program stopped or killed its
        supervisor, which shares its sandbox), the zygote and everything below it are killed here."""
        proc = self._start_zygote()
        try:
            proc.stdin.write(json.dumps(request).encode() + b"\n")
            proc.stdin.flush()
            line = self._lines.read(request["timeout"] * 1.1 + GRACE_S)
        except (BrokenPipeError, OSError):
            line = b""
        if line is None:
            self._stop_zygote()
            return {"status": "timeout", "exit_code": None, "signal": watch.KILL}
        if not line:
            self._stop_zygote()
            return {"status": "crashed", "signal": None}
        try:
            return json.loads(line)
        except json.JSONDecodeError:  # the protocol is the zygote's; a broken line is a dead zygote
            self._stop_zygote()
            return {"status": "crashed", "signal": None}

    # ------------------------------------------------------------------ spawn
    def _via_spawn(self, request: dict, workdir: Path) -> dict:
        """A fresh interpreter for the run, watched from here: the same limits and output cap as
        the zygote's, read from /proc where the zygote would be the subreaper."""
        req_path = workdir / "request.json"
        req_path.write_text(json.dumps(request), encoding="utf-8")
        try:
            proc = subprocess.Popen(
                self._argv(launch_argv(self.python, str(RUNNER_DIR), "probe", str(req_path)), request["cwd"]),
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                env=self.env, cwd=request["cwd"], start_new_session=True,
            )
        except OSError as exc:
            raise RunnerError(f"cannot start {self.python}: {exc.strerror}") from exc
        return _watched(proc, request)

    # ------------------------------------------------------------------ --run
    def _via_command(self, request: dict, workdir: Path) -> dict:
        """The user's command, with gradfix's sitecustomize first on PYTHONPATH: the probe installs
        itself when TensorFlow is imported (gradfix_child/inject.py). Watched like a spawned run."""
        req_path = workdir / "request.json"
        req_path.write_text(json.dumps(request), encoding="utf-8")
        env = dict(self.env)
        boot = str(RUNNER_DIR / "gradfix_child" / "boot")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (boot, env.get("PYTHONPATH")) if p)
        env.update(GRADFIX_INJECT=str(req_path), GRADFIX_CHILD_DIR=str(RUNNER_DIR))
        if self.sandboxed and os.sep not in self.command[0] and not shutil.which(self.command[0], path=env.get("PATH")):
            # bwrap would start and then fail to exec it: say it as starting it here would
            raise RunnerError(f"--run: cannot start {self.command[0]!r} (No such file or directory)")
        try:
            proc = subprocess.Popen(self._argv(self.command, request["cwd"]), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, env=env, cwd=request["cwd"], start_new_session=True)
        except OSError as exc:
            raise RunnerError(f"--run: cannot start {self.command[0]!r} ({exc.strerror})") from exc
        return _watched(proc, request)

    # ------------------------------------------------------------------ public
    def run(self, script: Path, args: tuple[str, ...] = (), timeout: float = 120.0,
            patches: dict[Path, bytes] | None = None, project: Path | None = None, *,
            eager: bool | None = None, steps: int = 3, expect: list[dict] | None = None) -> ProbeResult:
        """Run ``script`` (a user path) in a fresh sandbox copy of ``project`` (default: its folder),
        with ``patches`` (user path -> new bytes) written into the copy.

        ``eager``: run every ``tf.function`` eagerly (diagnosis) or, False, in the program's own mode
        (default: the runner's ``eager``). ``steps``: the arrivals wanted at each gradient call site.
        ``expect`` (verification): the sites to reach, each ``{"path", "function", "lines": [lo, hi]}``
        in user paths; the run stops once each has arrived ``steps`` times. With ``--run``, a
        verifying run is not stopped: the command runs to its end and its exit status counts."""
        script = Path(script).resolve()
        project = self.command_cwd if self.command else (project or script.parent).resolve()
        started = time.monotonic()
        if not self.session.exists():  # closed before: a fresh session (the zygote restarts with it)
            self._stop_zygote()
            self.session = self._new_session()
        with Sandbox(project, patches, parent=self.session, read_only=self._read_only) as box:
            request = {
                "script": str(box.place(script)),
                "args": list(args),
                "cwd": str(box.place(script).parent),
                "result": str(box.base / "result.json"),
                "output": str(box.base / "output.txt"),
                "user_roots": [str(box.root)],
                "linked": box.linked,
                "seed": self.seed,
                "eager": self.eager if eager is None else eager,
                "steps": steps,
                "expect": None if expect is None else [
                    {**spec, "path": str(box.place(Path(spec["path"])))} for spec in expect
                    if _inside(Path(spec["path"]), box.project)],
                "stop": expect is None,
                "device": self.device,
                "timeout": timeout,
                "memory_limit_mb": self.memory_limit_mb,
                "max_processes": self.max_processes,
            }
            if self.command:
                request["cwd"] = str(box.root)
                answer = self._via_command(request, box.base)
            elif self.isolation == "fork":
                answer = self._via_zygote(request)
            else:
                answer = self._via_spawn(request, box.base)
            self.runs += 1
            output = _read_output(Path(request["output"]))
            result_path = Path(request["result"])
            raw = None
            if result_path.exists():
                try:
                    raw = json.loads(result_path.read_text(encoding="utf-8"))
                except (OSError, json.JSONDecodeError):
                    raw = None
            elapsed = time.monotonic() - started
            status = answer.get("status", "crashed")
            if raw is None or status in ("timeout", "limit"):
                return ProbeResult(status="crashed" if status == "ok" else status, gradient_calls=(),
                                   output=output, seconds=elapsed, error=_no_result(answer, timeout))
            if self.command and raw.get("exit_code") is None:
                raw["exit_code"] = answer.get("exit_code")  # the command's own exit status counts
            return parse_result(raw, box.unplace, output)

    def close(self) -> None:
        """End the zygote and remove the session folder (a later run starts both afresh)."""
        self._stop_zygote()
        self._remove_session()

    def _stop_zygote(self) -> None:
        if self._pending is not None:
            self._zygote, self._pending = self._pending, None
        proc, self._zygote = self._zygote, None
        if proc is not None:
            # Between runs the zygote holds nothing worth a graceful exit, and TensorFlow's own
            # teardown costs most of a second: end it at once. A run cut short (gradfix interrupted)
            # dies first, while the zygote still holds its orphans.
            supervise.kill_below(proc.pid)
            proc.kill()
            proc.wait()
            supervise.release_pid(proc.pid)
            for stream in (proc.stdin, proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
        self._lines = None
        if self._zygote_log is not None:
            self._zygote_log.close()
            self._zygote_log = None

    def _remove_session(self) -> None:
        if self.session.exists():
            supervise.remove(self.session)
        supervise.release_dir(self.session)

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if getattr(self, "session", None) is not None and self.session.exists():
                supervise.remove(self.session)
        except Exception:  # interpreter teardown: the janitor removes it
            pass
