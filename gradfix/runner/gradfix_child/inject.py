"""The probe inside someone else's process: ``gradfix check --run "pytest tests/test_train.py"``.

The user's command runs as it is; the probe is installed from ``sitecustomize`` (see boot/) and
waits for TensorFlow to be imported. Then it prepares the run as the probe does (seeds, mode,
instruments). When diagnosing, at the probe's stop it writes the result and ends the process at
once — a test runner would otherwise catch the stop signal and carry on. When verifying
(``request["stop"]`` false) the command runs to its end: its exit status and its test runner's
outcome are part of the verdict (the parent reads the exit status). The result is written at exit.
Of several Python processes the command starts, the first to write a result is the one reported.
"""

from __future__ import annotations

import atexit
import importlib.abc
import importlib.util
import json
import os
import sys
import time

_STATE: dict = {}


def install(request_path: str) -> None:
    with open(request_path, encoding="utf-8") as fh:
        request = json.load(fh)
    _STATE.update(request=request, done=False, started=time.monotonic())
    if "tensorflow" in sys.modules:  # imported by another sitecustomize: set up now
        _on_tensorflow()
    else:
        sys.meta_path.insert(0, _AfterImport())


class _AfterImport(importlib.abc.MetaPathFinder):
    """Calls ``_on_tensorflow`` right after ``import tensorflow`` finishes, once."""

    def __init__(self) -> None:
        self.busy = False

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow" or self.busy:
            return None
        self.busy = True
        try:
            spec = importlib.util.find_spec(name)
        finally:
            self.busy = False
        if spec is None or spec.loader is None:
            return spec
        sys.meta_path.remove(self)
        spec.loader = _Loader(spec.loader)
        return spec


class _Loader(importlib.abc.Loader):
    def __init__(self, inner) -> None:
        self.inner = inner

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module) -> None:
        module.__loader__ = module.__spec__.loader = self.inner
        self.inner.exec_module(module)
        _on_tensorflow()


def _on_tensorflow() -> None:
    from gradfix_child import hooks, probe
    from gradfix_child.progress import Watcher

    request = _STATE["request"]
    hooks.ON_STOP = _stop
    rec = probe.prepare(request, _STATE["started"])
    _STATE["rec"] = rec
    # verifying, the command runs to its end: a stop would end a test early and hide its outcome
    rec.progress.stops = bool(request.get("stop", True))
    if rec.progress.stops:
        Watcher(rec.progress, on_due=_stop).start()
    previous = sys.excepthook

    def excepthook(kind, exc, tb):
        _STATE.setdefault("error", {"type": kind.__name__, "message": str(exc).strip()[:500],
                                    "stack": rec.user_tb_frames(tb)})
        previous(kind, exc, tb)

    sys.excepthook = excepthook
    atexit.register(_finish, "end")


def _stop(reason: str) -> None:
    _finish(reason)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _finish(reason: str) -> None:
    """Write the result once (the first process of the command to get here wins)."""
    from gradfix_child import probe

    if _STATE.get("done") or "rec" not in _STATE:
        return
    _STATE["done"] = True
    result = {"status": "ok", "error": _STATE.get("error"), "exit_code": None, "stopped": reason}
    result = probe._finish(result, _STATE["rec"], _STATE["started"])
    path = _STATE["request"]["result"]
    try:
        fd = os.open(path + ".claim", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    probe.write_result(path, result)
