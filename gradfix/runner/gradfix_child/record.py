"""What the probe records: gradient calls, their sources, and the user code that ran on the tape."""

from __future__ import annotations

import math
import os
import sys
import threading
import traceback

PROBE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class Recorder:
    """Collects what the instrumented TensorFlow calls saw during one run."""

    def __init__(self, user_roots: list[str]) -> None:
        self.user_roots = tuple(os.path.realpath(r) + os.sep for r in user_roots)
        self.calls: list[dict] = []
        self.sites: dict[tuple, int] = {}  # call site -> how many times it was reached
        self.optimizer_applied = False
        self.first_loss: float | None = None  # the loss of the first gradient call that ran
        self.local = threading.local()
        self.tape_depth = 0  # tapes currently recording (entered, not exited)
        self.functions: dict[tuple[str, int], str] = {}  # (file, first line) -> name, ran on a tape
        self._user_file_cache: dict[str, bool] = {}
        # autograph's generated code, line by line: (generated file, line) -> (user file, line, function)
        self.generated: dict[tuple[str, int], tuple[str, int, str]] = {}
        self.generated_files: set[str] = set()

    def remember_conversion(self, source_map) -> None:
        """Keep a converted function's source map, so that a frame of autograph's generated code
        reads as the user's line (graph mode: ``tf.function`` traced with autograph)."""
        for loc, origin in source_map.items():
            self.generated_files.add(loc.filename)
            self.generated[(loc.filename, loc.lineno)] = (origin.loc.filename, origin.loc.lineno,
                                                          origin.function_name)

    # ------------------------------------------------------------------ frames
    def is_user_file(self, filename: str) -> bool:
        known = self._user_file_cache.get(filename)
        if known is None:
            known = os.path.isabs(filename) and os.path.realpath(filename).startswith(self.user_roots)
            self._user_file_cache[filename] = known
        return known

    def where(self, filename: str, line: int, function: str) -> tuple[str, int, str] | None:
        """The user's (file, line, function) for a code position: itself in a user file, the
        original line for autograph's generated code, None elsewhere."""
        if filename in self.generated_files:
            origin = self.generated.get((filename, line))
            if origin is None or not self.is_user_file(origin[0]):
                return None
            return origin
        return (filename, line, function) if self.is_user_file(filename) else None

    def _frames(self, positions) -> list[dict]:
        """User frames, outermost first, from (file, line, function) positions innermost first.
        Autograph runs a converted function's body in nested generated functions (``if_body``...):
        consecutive frames of one user function are one frame, its innermost line."""
        frames: list[dict] = []
        for filename, line, function in positions:
            here = self.where(filename, line, function)
            if here is None:
                continue
            if frames and (frames[-1]["path"], frames[-1]["function"]) == (here[0], here[2]):
                continue
            frames.append({"path": here[0], "line": here[1], "function": here[2]})
        frames.reverse()
        return frames

    def user_frames(self, frame) -> list[dict]:
        positions = []
        while frame is not None:
            positions.append((frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name))
            frame = frame.f_back
        found = self._frames(positions)
        if not found and threading.current_thread() is not threading.main_thread():
            # a replica thread (tf.distribute) runs the step: the program's own line is where the
            # main thread waits for it (``model.fit(...)``, ``strategy.run(...)``)
            main = sys._current_frames().get(threading.main_thread().ident)
            return self.user_frames(main) if main is not None else found
        return found

    def user_tb_frames(self, tb) -> list[dict]:
        return self._frames(reversed([(fs.filename, fs.lineno, fs.name) for fs in traceback.extract_tb(tb)]))

    @staticmethod
    def site_key(frames: list[dict]) -> tuple:
        """A gradient call site: its user frames (file, line, function), the same whether the
        function runs eagerly or is traced by autograph."""
        return tuple((f["path"], f["line"], f["function"]) for f in frames)

    def innermost_user_frame(self, frame):
        while frame is not None:
            code = frame.f_code
            if self.where(code.co_filename, frame.f_lineno, code.co_name) is not None:
                return frame
            frame = frame.f_back
        return None

    def profile(self, frame, event, arg) -> None:
        """``sys.setprofile`` hook: remember the user functions that run while a tape records."""
        if event != "call" or self.tape_depth <= 0:
            return
        code = frame.f_code
        if self.is_user_file(code.co_filename):
            self.functions.setdefault((code.co_filename, code.co_firstlineno), code.co_name)
        elif code.co_filename in self.generated_files:
            here = self.where(code.co_filename, frame.f_lineno, code.co_name)
            if here is not None:  # the first mapped line of a converted function: near its def
                self.functions.setdefault((here[0], here[1]), here[2])


def name_of(obj, frame) -> str:
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


def owning_layer(obj, frame, depth: int = 3) -> str:
    """The Python path of the Keras layer that directly owns variable ``obj`` ("model.aux_head"),
    searched from the user frame's names through layer attributes."""
    try:
        import keras
    except ImportError:
        return ""
    if frame is None:
        return ""
    todo = [(k, v) for scope in (frame.f_locals, frame.f_globals) for k, v in list(scope.items())
            if isinstance(v, keras.layers.Layer) and not k.startswith("__")]
    seen: set[int] = set()
    for _ in range(depth):
        nxt = []
        for path, layer in todo:
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            if any(v is obj for v in getattr(layer, "_trainable_variables", ())):
                return path
            for attr, sub in list(vars(layer).items()):
                if isinstance(sub, keras.layers.Layer) and not attr.startswith("_"):
                    nxt.append((f"{path}.{attr}", sub))
        todo = nxt
    return ""


def is_variable(obj) -> bool:
    import tensorflow as tf

    if isinstance(obj, tf.Variable):
        return True
    try:
        import keras
    except ImportError:
        return False
    return isinstance(obj, keras.Variable)


def describe_source(obj, grad, frame, watched: bool) -> dict:
    """One source of a gradient call: what it is and what it got."""
    import tensorflow as tf

    var = is_variable(obj)
    dtype = getattr(getattr(obj, "dtype", None), "name", None) or str(getattr(obj, "dtype", "?"))
    try:
        shape = [None if d is None else int(d) for d in obj.shape]
    except Exception:
        shape = None
    rec = {
        "name": name_of(obj, frame),
        "var_name": (getattr(obj, "path", None) or getattr(obj, "name", "") or "") if var else "",
        "dtype": dtype,
        "shape": shape,
        "is_variable": var,
        "kind": source_kind(obj),
        "trainable": bool(getattr(obj, "trainable", False)) if var else False,
        "watched": watched,
        "layer": owning_layer(obj, frame) if var else "",
        "has_gradient": grad is not None,
        "finite": True,
        "norm": None,
    }
    if grad is not None and tf.executing_eagerly():
        try:
            values = grad.values if isinstance(grad, tf.IndexedSlices) else grad
            values = tf.cast(tf.convert_to_tensor(values), tf.float64)
            rec["finite"] = bool(tf.reduce_all(tf.math.is_finite(values)).numpy())
            norm = float(tf.norm(tf.reshape(values, [-1])).numpy())
            rec["norm"] = norm if math.isfinite(norm) else None
        except Exception:
            pass
    return rec


def is_finite(grad) -> bool:
    """Whether an eager gradient holds only finite values (True for what cannot be checked)."""
    import tensorflow as tf

    try:
        values = grad.values if isinstance(grad, tf.IndexedSlices) else grad
        if not values.dtype.is_floating:
            return True
        return bool(tf.reduce_all(tf.math.is_finite(values)).numpy())
    except Exception:
        return True


def source_kind(obj) -> str:
    """"variable", "tensor", "numpy" (an array or NumPy scalar), "python" (a number or a list)."""
    import numpy as np
    import tensorflow as tf

    if is_variable(obj):
        return "variable"
    if isinstance(obj, (np.ndarray, np.generic)):
        return "numpy"
    if isinstance(obj, (int, float, list, tuple)):
        return "python"
    return "tensor" if tf.is_tensor(obj) else type(obj).__name__


def target_info(target) -> tuple[str, float | None]:
    """The kind of a gradient target ("tensor", "numpy", "python", ...) and its value if scalar."""
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
