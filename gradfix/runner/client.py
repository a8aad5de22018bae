"""The parent's side of a run: sandbox, zygote (or spawn), result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gradfix.errors import RunnerError
from gradfix.runner.env import scrubbed
from gradfix.runner.gradfix_child import launch_argv
from gradfix.runner.protocol import parse_result
from gradfix.runner.sandbox import Sandbox
from gradfix.types import ProbeError, ProbeResult

RUNNER_DIR = Path(__file__).resolve().parent
OUTPUT_TAIL = 4000


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - OUTPUT_TAIL))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


class Runner:
    """Runs training scripts for one step. Reuse one Runner for many runs: in fork mode it keeps a
    zygote that imported TensorFlow once. Use as a context manager, or call ``close()``."""

    def __init__(self, python: str | None = None, device: str = "cpu", isolation: str = "auto",
                 seed: int = 0, eager: bool = True, env_allow: tuple[str, ...] = (),
                 threads: int | None = None) -> None:
        if isolation not in ("auto", "fork", "spawn"):
            raise RunnerError(f"unknown isolation {isolation!r} (use auto, fork or spawn)")
        if isolation == "fork" and not hasattr(os, "fork"):
            raise RunnerError("--isolation fork: this platform has no fork()")
        self.python = python or sys.executable
        self.device = device
        self.isolation = "spawn" if isolation == "spawn" or not hasattr(os, "fork") else "fork"
        self.seed = seed
        self.eager = eager
        self.env = scrubbed(allow=env_allow)
        if device == "cpu":
            self.env["CUDA_VISIBLE_DEVICES"] = "-1"
        if threads:  # several runners share the cores: TensorFlow's pools would fight otherwise
            self.env["TF_NUM_INTRAOP_THREADS"] = self.env["TF_NUM_INTEROP_THREADS"] = str(threads)
        self._zygote: subprocess.Popen | None = None
        self._pending: subprocess.Popen | None = None  # started, not yet known to be ready
        self._zygote_log = None
        self.runs = 0

    # ------------------------------------------------------------------ zygote
    def warm(self) -> None:
        """Start the zygote now (it imports TensorFlow while gradfix does other work); the first
        run waits for it to be ready."""
        if self.isolation == "fork" and self._pending is None and self._zygote is None:
            self._zygote_log = tempfile.TemporaryFile()
            try:
                self._pending = subprocess.Popen(
                    launch_argv(self.python, str(RUNNER_DIR), "zygote", self.device),
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._zygote_log,
                    env=self.env, cwd=tempfile.gettempdir(), text=True, bufsize=1,
                )
            except OSError as exc:
                raise RunnerError(f"cannot start {self.python}: {exc.strerror}") from exc

    def _start_zygote(self) -> subprocess.Popen:
        if self._zygote is not None and self._zygote.poll() is None:
            return self._zygote
        if self._zygote is not None:  # it died between runs: start afresh
            self.close()
        self.warm()
        proc, self._pending = self._pending, None
        hello = proc.stdout.readline()
        try:
            ready = json.loads(hello) if hello else {"ready": False, "error": "exited"}
        except json.JSONDecodeError:
            ready = {"ready": False, "error": hello.strip()[:200]}
        if not ready.get("ready"):
            proc.kill()
            proc.wait()
            raise RunnerError(f"{self.python} cannot import TensorFlow ({ready.get('error')})")
        self._zygote = proc
        return proc

    def _via_zygote(self, request: dict) -> dict:
        proc = self._start_zygote()
        try:
            proc.stdin.write(json.dumps(request) + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
        except (BrokenPipeError, OSError):
            line = ""
        if not line:
            self.close()
            return {"status": "crashed", "signal": None}
        return json.loads(line)

    # ------------------------------------------------------------------ spawn
    def _via_spawn(self, request: dict, workdir: Path) -> dict:
        req_path = workdir / "request.json"
        req_path.write_text(json.dumps(request), encoding="utf-8")
        try:
            proc = subprocess.Popen(
                launch_argv(self.python, str(RUNNER_DIR), "probe", str(req_path)),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env=self.env, cwd=request["cwd"], start_new_session=True,
            )
        except OSError as exc:
            raise RunnerError(f"cannot start {self.python}: {exc.strerror}") from exc
        try:
            proc.wait(timeout=request["timeout"])
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return {"status": "timeout"}
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if proc.returncode < 0:
            return {"status": "crashed", "signal": -proc.returncode}
        return {"status": "ok", "exit_code": proc.returncode}

    # ------------------------------------------------------------------ public
    def run(self, script: Path, args: tuple[str, ...] = (), timeout: float = 120.0,
            patches: dict[Path, bytes] | None = None, project: Path | None = None) -> ProbeResult:
        """Run ``script`` (a user path) in a fresh sandbox copy of ``project`` (default: its folder),
        with ``patches`` (user path -> new bytes) written into the copy."""
        script = Path(script).resolve()
        project = (project or script.parent).resolve()
        started = time.monotonic()
        with Sandbox(project, patches) as box:
            request = {
                "script": str(box.place(script)),
                "args": list(args),
                "cwd": str(box.place(script).parent),
                "result": str(box.base / "result.json"),
                "output": str(box.base / "output.txt"),
                "user_roots": [str(box.root)],
                "seed": self.seed,
                "eager": self.eager,
                "device": self.device,
                "timeout": timeout,
            }
            if self.isolation == "fork":
                answer = self._via_zygote(request)
            else:
                answer = self._via_spawn(request, box.base)
            self.runs += 1
            output = _tail(box.base / "output.txt")
            result_path = Path(request["result"])
            raw = None
            if result_path.exists():
                try:
                    raw = json.loads(result_path.read_text(encoding="utf-8"))
                except (OSError, json.JSONDecodeError):
                    raw = None
            elapsed = time.monotonic() - started
            if raw is None or answer.get("status") == "timeout":
                status = answer.get("status", "crashed")
                if status == "ok":
                    status = "crashed"
                message = (f"timed out after {timeout:g} s" if status == "timeout"
                           else f"the program died (signal {answer.get('signal')})"
                           if answer.get("signal") else "the program ended without a result")
                return ProbeResult(status=status, gradient_calls=(), output=output, seconds=elapsed,
                                   error=ProbeError("Timeout" if status == "timeout" else "Crash",
                                                    message, ()))
            result = parse_result(raw, box.unplace, output)
            return result

    def close(self) -> None:
        if self._pending is not None:
            self._zygote, self._pending = self._pending, None
        proc, self._zygote = self._zygote, None
        if proc is not None:
            # Between runs the zygote holds nothing worth a graceful exit, and TensorFlow's own
            # teardown costs most of a second: end it at once.
            proc.kill()
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
        if self._zygote_log is not None:
            self._zygote_log.close()
            self._zygote_log = None

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
