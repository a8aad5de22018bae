"""Independent gradient oracle for the corpus (does not import gradfix).

``run_oracle(script)`` runs a training script in a child process, from a temporary copy of its
folder, with ``tf.GradientTape.gradient`` wrapped so that every call records how many sources it
had and how many results were ``None`` or non-finite.  The report comes back as a dict::

    {"calls": [{"site": "train.py:12", "sources": 2, "none": 1, "nonfinite": 0,
                "loss": 0.25 | None, "error": None | "AttributeError: ..."}],
     "none_count": 1, "nonfinite_count": 0, "stopped": False,
     "exception": None | {"type": "ValueError", "message": "..."}}

A NumPy scalar as the gradient target makes TF 2.21 raise
``AttributeError: 'numpy.float32' object has no attribute '_id'`` inside ``tape.gradient``; the oracle
records that call as "all sources None".  The program is stopped (``stopped: True``) when one call site
is about to compute its fourth gradient, so a 1000-epoch loop costs three steps.  Inside a
``tf.function`` the results are symbolic; their finiteness is checked by wrapping them in
``tf.debugging.check_numerics``, which raises at run time (reported as the exception).

``eager=True`` (case.toml ``eager = true``) calls ``tf.config.run_functions_eagerly(True)`` before the
script runs, as gradfix's probe does: ``model.fit`` with NumPy in a loss or layer then shows ``None``
gradients instead of failing while tracing.  ``overlay`` maps file names (relative to the script's
folder) to files copied over the temporary copy before the run: the multi-file cases' ``fixed/``.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MAX_CALLS_PER_SITE = 3

_BOOTSTRAP = r'''
import json, math, os, runpy, sys, traceback
report_path, script = sys.argv[1], sys.argv[2]
script_dir = os.path.dirname(os.path.abspath(script))
report = {"calls": [], "stopped": False, "exception": None}

class _OracleStop(BaseException):
    pass

def _write():
    report["none_count"] = sum(c["none"] for c in report["calls"])
    report["nonfinite_count"] = sum(c["nonfinite"] for c in report["calls"])
    with open(report_path, "w") as f:
        json.dump(report, f)

try:
    import keras
    keras.utils.set_random_seed(0)          # seeds random, numpy and tf.random
    import tensorflow as tf
    from tensorflow.python.eager import backprop
    if os.environ.get("GRADFIX_ORACLE_EAGER") == "1":
        tf.config.run_functions_eagerly(True)

    _orig_gradient = backprop.GradientTape.gradient
    _site_counts = {}

    def _site():
        f = sys._getframe(2)
        while f is not None:
            if os.path.dirname(os.path.abspath(f.f_code.co_filename)) == script_dir:
                return "%s:%d" % (os.path.basename(f.f_code.co_filename), f.f_lineno)
            f = f.f_back
        return "<library>"

    def _scalar(x):
        try:
            if tf.is_tensor(x) and not hasattr(x, "numpy"):
                return None                  # symbolic (tf.function trace)
            v = float(x.numpy() if hasattr(x, "numpy") else x)
            return v
        except Exception:
            return None

    def gradient(self, target, sources, *args, **kwargs):
        site = _site()
        _site_counts[site] = _site_counts.get(site, 0) + 1
        if _site_counts[site] > MAX_CALLS:
            report["stopped"] = True
            raise _OracleStop()
        n = len(tf.nest.flatten(sources))
        rec = {"site": site, "sources": n, "none": 0, "nonfinite": 0,
               "loss": _scalar(target), "error": None}
        report["calls"].append(rec)
        try:
            result = _orig_gradient(self, target, sources, *args, **kwargs)
        except AttributeError as e:
            if "_id" in str(e):             # NumPy value as target: nothing is connected
                rec["none"] = n
                rec["error"] = "AttributeError: " + str(e)
            raise
        flat = tf.nest.flatten(result, expand_composites=False)
        rec["none"] = sum(g is None for g in flat)
        checked = []
        for g in flat:
            if g is None:
                checked.append(g)
                continue
            values = g.values if isinstance(g, tf.IndexedSlices) else g
            if hasattr(values, "numpy"):
                if not bool(tf.reduce_all(tf.math.is_finite(tf.cast(values, tf.float32)))):
                    rec["nonfinite"] += 1
                checked.append(g)
            elif isinstance(g, tf.Tensor) and g.dtype.is_floating:
                checked.append(tf.debugging.check_numerics(g, "oracle: non-finite gradient"))
            else:
                checked.append(g)
        return tf.nest.pack_sequence_as(result, checked)

    backprop.GradientTape.gradient = gradient
    sys.argv = [script] + sys.argv[3:]
    sys.path.insert(0, script_dir)
    runpy.run_path(script, run_name="__main__")
except _OracleStop:
    pass
except SystemExit as e:
    if e.code not in (None, 0):
        report["exception"] = {"type": "SystemExit", "message": str(e.code)}
except BaseException as e:
    report["exception"] = {"type": type(e).__name__, "message": str(e)[:2000],
                           "traceback": traceback.format_exc()[-3000:]}
_write()
'''.replace("MAX_CALLS", str(MAX_CALLS_PER_SITE))


def run_oracle(script_path, args=(), timeout=120, eager=False, overlay=None) -> dict:
    """Run ``script_path`` (with ``args``) under the oracle and return its report (see module doc)."""
    script_path = Path(script_path).resolve()
    with tempfile.TemporaryDirectory(prefix="gradfix-oracle-") as tmp:
        work = Path(tmp) / "case"
        shutil.copytree(script_path.parent, work, ignore=shutil.ignore_patterns("__pycache__"))
        for name, src in (overlay or {}).items():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, work / name)
        boot = Path(tmp) / "oracle_bootstrap.py"
        boot.write_text(_BOOTSTRAP)
        report_path = Path(tmp) / "report.json"
        env = {k: v for k, v in os.environ.items()}
        env.update(TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="-1", PYTHONHASHSEED="0",
                   MPLBACKEND="Agg", GRADFIX_ORACLE_EAGER="1" if eager else "0")
        proc = subprocess.run(
            [sys.executable, str(boot), str(report_path), str(work / script_path.name), *map(str, args)],
            cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
        if not report_path.exists():
            raise RuntimeError(f"oracle child died (rc={proc.returncode}):\n{proc.stderr[-3000:]}")
        report = json.loads(report_path.read_text())
        report["returncode"] = proc.returncode
        report["stdout"] = proc.stdout[-2000:]
        report["stderr"] = proc.stderr[-2000:]
        return report


if __name__ == "__main__":  # python tests/oracle.py [--eager] corpus/x/train.py [args...]
    eager = sys.argv[1:2] == ["--eager"]
    argv = sys.argv[2:] if eager else sys.argv[1:]
    r = run_oracle(argv[0], argv[1:], eager=eager)
    for k in ("stdout", "stderr"):
        r.pop(k)
    print(json.dumps(r, indent=1))
