"""The probe: runs a user's training script for a few steps and records every gradient call.

Runs in the child (see ``gradfix_child/__init__.py``): started by the zygote after a fork, or as
``main([REQUEST.json])`` in a fresh interpreter (spawn).

Request (a dict, see ``Runner.run`` in the parent): script, args, cwd, result, output, seed,
eager (run every ``tf.function`` eagerly: diagnosis; False: the program's own mode), steps (the
arrivals wanted at each site), expect (verification: the sites to reach, see progress.py), device,
user_roots, linked, timeout, memory_limit_mb, max_processes. The result is one JSON object written
atomically to ``request["result"]``; the output is the caller's to capture.
"""

from __future__ import annotations

import json
import os
import runpy
import shutil
import sys
import time

from gradfix_child import patching, shorten, snapshot, watch
from gradfix_child.hooks import StopProbe, WatcherStop, instrument
from gradfix_child.progress import Progress, Watcher
from gradfix_child.record import Recorder


def preload(device: str = "cpu") -> None:
    """Import the heavy modules once (the zygote does this before forking)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
    import numpy  # noqa: F401
    import tensorflow  # noqa: F401

    try:
        import keras  # noqa: F401
    except ImportError:
        pass


WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_TRUNC | os.O_CREAT
CHANGES = {"os.truncate", "os.chmod", "os.chown", "os.utime"}  # audit events that write through a link


def _where(path) -> str:
    """A path with its folder resolved but not its last part: a link, not the file it points to."""
    full = os.path.abspath(os.fsdecode(path))
    return os.path.join(os.path.realpath(os.path.dirname(full)), os.path.basename(full))


def _own_copy(link: str) -> None:
    tmp = link + ".gradfix-copy"
    shutil.copy2(os.path.realpath(link), tmp)
    os.replace(tmp, link)


def guard_links(links: list[str]) -> None:
    """The sandbox links big files to the user's own. The first time the program opens one to write
    (or truncates, chmods, touches it), the link becomes a private copy: the user's file is never
    written. This sees Python-level writes (open, NumPy, pickle, logging), not native code's."""
    protected = {_where(link) for link in links}
    busy: list[bool] = []

    def hook(event: str, args: tuple) -> None:
        if busy or not protected or (event != "open" and event not in CHANGES):
            return
        if event == "open" and not (isinstance(args[2], int) and args[2] & WRITE_FLAGS):
            return
        if args[0] is None or isinstance(args[0], int):
            return
        where = _where(args[0])
        if where in protected:
            protected.discard(where)
            busy.append(True)
            try:
                _own_copy(where)
            finally:
                busy.pop()

    if protected:
        sys.addaudithook(hook)


def _seed(seed: int) -> None:
    import random

    import numpy as np
    import tensorflow as tf

    random.seed(seed)
    np.random.seed(seed)
    tf.random.set_seed(seed)
    try:
        import keras

        keras.utils.set_random_seed(seed)
    except Exception:
        pass


def prepare(request: dict, started: float, fresh: bool = True) -> Recorder:
    """Seed, set the execution mode, and instrument TensorFlow and Keras for ``request``: the
    steps shared by the probe and the probe injected into a user's command (inject.py).

    ``fresh`` False: a candidate resumed from a kept snapshot (snapshot.py). The instrumentation
    it inherited is replaced by its own, and nothing is seeded: the random state is the one the
    program had at that point, as a whole run of it would have."""
    import tensorflow as tf

    if not fresh:
        patching.undo_all()
    rec = Recorder(request.get("user_roots") or [request.get("cwd") or os.getcwd()])
    rec.progress = Progress(int(request.get("steps", 3)), request.get("expect"),
                            float(request.get("timeout", 120)), started)
    if fresh:
        _seed(int(request.get("seed", 0)))
    tf.config.run_functions_eagerly(bool(request.get("eager", True)))
    follow_autograph(rec)
    if request.get("shorten", True):
        shorten.install(max(1, int(request.get("steps", 3))))
    if fresh:
        guard_links(request.get("linked", []))
    instrument(rec)
    return rec


def follow_autograph(rec: Recorder) -> None:
    """Let the recorder read autograph's generated code as the user's lines (graph mode)."""
    try:
        from tensorflow.python.autograph.impl import api
    except ImportError:
        return
    original = api._convert_actual

    def convert(entity, program_ctx):
        converted = original(entity, program_ctx)
        try:
            rec.remember_conversion(converted.ag_source_map)
        except Exception:
            pass
        return converted

    patching.swap(api, "_convert_actual", convert)


def run(request: dict) -> dict:
    """Run the script described by ``request`` in this process and return the result dict."""
    import tensorflow as tf

    started = time.monotonic()
    result: dict = {"status": "ok", "error": None, "exit_code": None, "stopped": "",
                    "eager": bool(request.get("eager", True))}
    if request.get("device") == "gpu" and not tf.config.list_physical_devices("GPU"):
        result.update(status="device-error", stopped="no-gpu")
        result["error"] = {
            "type": "DeviceError",
            "message": "--device gpu: TensorFlow sees no GPU on this machine",
            "stack": [],
        }
        return _finish(result, Recorder([request["cwd"]]), started)
    resuming = "resume" in request
    if resuming:  # a candidate forked from a kept snapshot: in the kept run's folder (snapshot.py)
        try:
            snapshot.enter(request)
        except snapshot.Unresumable as exc:
            result.update(status="resume-failed", stopped="resume-failed")
            result["error"] = {"type": "Unresumable", "message": str(exc)[:500], "stack": []}
            return _finish(result, Recorder([request["cwd"]]), started)
    os.chdir(request["cwd"])
    if not resuming:
        sys.argv = [request["script"], *request.get("args", [])]
        sys.path.insert(0, os.path.dirname(request["script"]))
    rec = prepare(request, started, fresh=not resuming)
    watcher = Watcher(rec.progress, WatcherStop)
    watcher.start()
    try:
        try:
            if resuming:
                snapshot.resume(request)
            elif request.get("keep"):
                snapshot.run_script(request)
            else:
                runpy.run_path(request["script"], run_name="__main__")
            result["stopped"] = "end"
        finally:
            _settle(watcher)
    except WatcherStop:
        result["stopped"] = watcher.reason or "budget"
    except StopProbe as stop:
        result["stopped"] = stop.reason
    except snapshot.Unresumable as exc:  # the kept snapshot does not fit this candidate: run it whole
        result.update(status="resume-failed", stopped="resume-failed")
        result["error"] = {"type": "Unresumable", "message": str(exc)[:500], "stack": []}
    except SystemExit as exc:
        code = exc.code
        result["stopped"] = "exit"
        result["exit_code"] = code if isinstance(code, int) else (0 if code is None else 1)
    except BaseException as exc:  # the user's program failed: that is data
        result["stopped"] = "error"
        result["error"] = {
            "type": type(exc).__name__,
            "message": str(exc).strip().splitlines()[0][:500] if str(exc).strip() else "",
            "stack": rec.user_tb_frames(exc.__traceback__),
        }
    finally:
        sys.setprofile(None)
        snapshot.settle(request, result)
    return _finish(result, rec, started)


def _settle(watcher: Watcher) -> None:
    """Stop the watcher; a stop it raised meanwhile is taken back or caught here."""
    for _ in range(5):
        try:
            watcher.stop()
            return
        except WatcherStop:
            continue


def _finish(result: dict, rec: Recorder, started: float) -> dict:
    result["sites"] = rec.progress.summary() if getattr(rec, "progress", None) else []
    result["gradient_calls"] = rec.calls
    result["first_loss"] = rec.first_loss
    result["optimizer_applied"] = rec.optimizer_applied
    result["functions"] = [{"path": p, "line": ln, "name": n} for (p, ln), n in rec.functions.items()]
    result["seconds"] = round(time.monotonic() - started, 4)
    return result


def write_result(path: str, result: dict) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(result, fh, default=str)
    os.replace(tmp, path)


def child_main(request: dict) -> None:
    """Entry point inside a fresh child whose stdout and stderr the caller has pointed at its output
    pipe: stdin is /dev/null (``input()`` ends at once), run, write the result."""
    null_fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null_fd, 0)
    os.close(null_fd)
    try:
        result = run(request)
    except BaseException as exc:  # a failure of the probe itself
        result = {
            "status": "probe-error",
            "error": {"type": type(exc).__name__, "message": str(exc)[:500], "stack": []},
            "gradient_calls": [],
        }
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass
    write_result(request["result"], snapshot.given_paths(request, result))


def main(argv: list[str]) -> int:
    """Spawn mode: ``main([REQUEST.json])`` runs one request in this fresh interpreter, whose stdout
    and stderr the parent reads. As a subreaper it kills whatever the program left running before it
    exits (the parent's watchdog covers the exits that skip this: a crash, ``os._exit``)."""
    with open(argv[0], encoding="utf-8") as fh:
        req = json.load(fh)
    watch.make_subreaper()
    watch.restrict(req.get("max_processes"))
    preload(req.get("device", "cpu"))
    child_main(req)
    watch.kill_tree(os.getpid(), own=True)
    os._exit(0)
