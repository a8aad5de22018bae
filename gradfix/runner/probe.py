"""The probe: runs a user's training script for one step and records every gradient call.

This file runs in the CHILD process, under the user's interpreter, and must not import gradfix:
it is executed by path (spawn) or imported by ``zygote.py`` beside it (fork). Only the standard
library, TensorFlow, Keras and NumPy are used, and only inside functions.

Request (a dict, see ``protocol`` in the parent): script, args, cwd, result, output, seed, eager,
device, user_roots. The result is one JSON object written atomically to ``request["result"]``.
"""

from __future__ import annotations

import json
import math
import os
import runpy
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_CALLS = 200


class StopProbe(BaseException):
    """Raised into the user's program to end it after the first training step."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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


class Recorder:
    """Collects what the instrumented TensorFlow calls saw."""

    def __init__(self, user_roots: list[str]) -> None:
        self.user_roots = [os.path.realpath(r) + os.sep for r in user_roots]
        self.calls: list[dict] = []
        self.seen_sites: set[tuple] = set()
        self.optimizer_applied = False
        self.local = threading.local()

    # ------------------------------------------------------------------ frames
    def is_user_file(self, filename: str) -> bool:
        if not os.path.isabs(filename):
            return False  # "<frozen runpy>", "<string>"
        real = os.path.realpath(filename)
        return any(real.startswith(root) for root in self.user_roots)

    def user_frames(self, frame) -> list[dict]:
        frames = []
        while frame is not None:
            code = frame.f_code
            if self.is_user_file(code.co_filename):
                frames.append(
                    {"path": code.co_filename, "line": frame.f_lineno, "function": code.co_name}
                )
            frame = frame.f_back
        frames.reverse()
        return frames

    def user_tb_frames(self, tb) -> list[dict]:
        return [
            {"path": fs.filename, "line": fs.lineno, "function": fs.name}
            for fs in traceback.extract_tb(tb)
            if self.is_user_file(fs.filename)
        ]

    @staticmethod
    def site_key(frame) -> tuple:
        key = []
        while frame is not None:
            if frame.f_code.co_filename != __file__:
                key.append((frame.f_code.co_filename, frame.f_lineno))
            frame = frame.f_back
        return tuple(key)

    def innermost_user_frame(self, frame):
        while frame is not None:
            if self.is_user_file(frame.f_code.co_filename):
                return frame
            frame = frame.f_back
        return None


def _name_of(obj, frame) -> str:
    """The Python name a user frame binds to ``obj`` ("w", "self.w"), else its TF/Keras name."""
    if frame is not None:
        for scope in (frame.f_locals, frame.f_globals):
            for key, value in list(scope.items()):
                if value is obj and not key.startswith("__"):
                    return key
        for key, value in list(frame.f_locals.items()):
            attrs = getattr(value, "__dict__", None)
            if isinstance(attrs, dict) and not isinstance(value, type):
                for attr, inner in list(attrs.items()):
                    if inner is obj:
                        return f"{key}.{attr}"
    path = getattr(obj, "path", None)
    if isinstance(path, str) and path:
        return path
    name = getattr(obj, "name", None)
    if isinstance(name, str) and name:
        return name.split(":")[0]
    return "<tensor>"


def _is_keras_variable(obj) -> bool:
    try:
        import keras
    except ImportError:
        return False
    return isinstance(obj, keras.Variable)


def _describe_source(obj, grad, frame) -> dict:
    import tensorflow as tf

    is_var = isinstance(obj, tf.Variable) or _is_keras_variable(obj)
    dtype = getattr(getattr(obj, "dtype", None), "name", None) or str(getattr(obj, "dtype", "?"))
    shape = None
    try:
        shape = [d for d in obj.shape]  # keras variables: tuple; tf: TensorShape
        shape = [None if d is None else int(d) for d in shape]
    except Exception:
        shape = None
    rec = {
        "name": _name_of(obj, frame),
        "var_name": (getattr(obj, "path", None) or getattr(obj, "name", "") or "") if is_var else "",
        "dtype": dtype,
        "shape": shape,
        "is_variable": bool(is_var),
        "trainable": bool(getattr(obj, "trainable", False)) if is_var else False,
        "has_gradient": grad is not None,
        "finite": True,
        "norm": None,
    }
    if grad is not None:
        try:
            values = grad.values if isinstance(grad, tf.IndexedSlices) else grad
            values = tf.cast(tf.convert_to_tensor(values), tf.float64)
            if tf.executing_eagerly():
                rec["finite"] = bool(tf.reduce_all(tf.math.is_finite(values)).numpy())
                norm = float(tf.norm(tf.reshape(values, [-1])).numpy())
                rec["norm"] = norm if math.isfinite(norm) else None
        except Exception:
            pass
    return rec


def _target_info(target) -> tuple[str, float | None]:
    import numpy as np
    import tensorflow as tf

    if target is None:
        return "none", None
    if isinstance(target, (np.ndarray, np.generic)):
        kind = "numpy"
    elif isinstance(target, (int, float)):
        kind = "python"
    elif tf.is_tensor(target) or isinstance(target, tf.Variable):
        kind = "tensor"
    else:
        return type(target).__name__, None
    try:
        arr = np.asarray(target.numpy() if hasattr(target, "numpy") else target, dtype="float64")
        value = float(arr.reshape(-1)[0]) if arr.size == 1 else float(arr.sum())
        return kind, value if math.isfinite(value) else None
    except Exception:
        return kind, None


def instrument(rec: Recorder) -> None:
    """Wrap GradientTape.gradient and the Keras optimizers' apply methods."""
    from tensorflow.python.eager import backprop

    original_gradient = backprop.GradientTape.gradient

    def gradient(self, target, sources, *args, **kwargs):
        import tensorflow as tf

        caller = sys._getframe(1)
        key = rec.site_key(caller)
        if key in rec.seen_sites or len(rec.calls) >= MAX_CALLS:
            raise StopProbe("next-step")
        rec.seen_sites.add(key)
        user = rec.innermost_user_frame(caller)
        frames = rec.user_frames(caller)
        kind, value = _target_info(target)
        call = {
            "path": frames[-1]["path"] if frames else "",
            "line": frames[-1]["line"] if frames else 0,
            "stack": frames,
            "target_type": kind,
            "loss": value,
            "sources": [],
            "error": None,
        }
        rec.calls.append(call)
        flat = tf.nest.flatten(sources)
        try:
            result = original_gradient(self, target, sources, *args, **kwargs)
        except Exception as exc:  # e.g. a NumPy target: AttributeError ... '_id'
            call["error"] = f"{type(exc).__name__}: {exc}"
            call["sources"] = [_describe_source(s, None, user) for s in flat]
            raise
        grads = tf.nest.flatten(result, expand_composites=False)
        if len(grads) != len(flat):
            grads = list(grads) + [None] * (len(flat) - len(grads))
        call["sources"] = [_describe_source(s, g, user) for s, g in zip(flat, grads)]
        return result

    backprop.GradientTape.gradient = gradient

    try:
        from keras.src.optimizers.base_optimizer import BaseOptimizer
    except ImportError:
        return

    def wrap(method_name):
        original = getattr(BaseOptimizer, method_name)

        def wrapper(self, *args, **kwargs):
            depth = getattr(rec.local, "depth", 0)
            rec.local.depth = depth + 1
            try:
                out = original(self, *args, **kwargs)
            finally:
                rec.local.depth = depth
            if depth == 0:
                rec.optimizer_applied = True
            return out

        setattr(BaseOptimizer, method_name, wrapper)

    wrap("apply_gradients")
    wrap("apply")


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


def run(request: dict) -> dict:
    """Run the script described by ``request`` in this process and return the result dict."""
    import tensorflow as tf

    started = time.monotonic()
    rec = Recorder(request.get("user_roots") or [request["cwd"]])
    result: dict = {"status": "ok", "error": None, "exit_code": None, "stopped": ""}
    if request.get("device") == "gpu" and not tf.config.list_physical_devices("GPU"):
        result.update(status="device-error", stopped="no-gpu")
        result["error"] = {
            "type": "DeviceError",
            "message": "--device gpu: TensorFlow sees no GPU on this machine",
            "stack": [],
        }
        return _finish(result, rec, started)
    os.chdir(request["cwd"])
    sys.argv = [request["script"], *request.get("args", [])]
    sys.path.insert(0, os.path.dirname(request["script"]))
    _seed(int(request.get("seed", 0)))
    if request.get("eager", True):
        tf.config.run_functions_eagerly(True)
    instrument(rec)
    try:
        runpy.run_path(request["script"], run_name="__main__")
        result["stopped"] = "end"
    except StopProbe as stop:
        result["stopped"] = stop.reason
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
    return _finish(result, rec, started)


def _finish(result: dict, rec: Recorder, started: float) -> dict:
    result["gradient_calls"] = rec.calls
    result["optimizer_applied"] = rec.optimizer_applied
    result["seconds"] = round(time.monotonic() - started, 4)
    return result


def write_result(path: str, result: dict) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(result, fh, default=str)
    os.replace(tmp, path)


def child_main(request: dict) -> None:
    """Entry point inside a fresh child: redirect stdio, run, write the result."""
    out_fd = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    null_fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null_fd, 0)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
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
    write_result(request["result"], result)


if __name__ == "__main__":  # spawn mode: python probe.py REQUEST.json
    with open(sys.argv[1], encoding="utf-8") as fh:
        req = json.load(fh)
    preload(req.get("device", "cpu"))
    child_main(req)
    os._exit(0)
