"""Independent gradient oracle for the corpus (does not import gradfix).

``run_oracle(script)`` runs a training script in a child process, from a temporary copy of its
folder, with ``tf.GradientTape.gradient`` wrapped so that every call records how many sources it
had and how many results were ``None`` or non-finite.  The report comes back as a dict::

    {"calls": [{"site": "train.py:12", "sources": 2, "none": 1, "nonfinite": 0,
                "loss": 0.25 | None, "error": None | "AttributeError: ...",
                "graph": False, "executions": 1}],
     "none_count": 1, "nonfinite_count": 0, "stopped": False,
     "first_loss": 0.25 | None, "sites": {"train.py:12": 3},
     "exception": None | {"type": "ValueError", "message": "..."}}

``calls`` has one entry per gradient call made in Python: per execution in eager code, per *trace*
inside a ``tf.function`` (``graph: True``).  A traced call gets a side op (``tf.py_function``) that
runs each time the traced graph executes: it counts the execution (``executions`` of the call and
``sites``, {site: executions}, which counts eager executions too), records the target's value at the
first execution as the call's ``loss`` (a scalar float target only; ``None`` otherwise, and inside an
XLA-compiled function, where no side op is added: ``xla: True``), and counts the non-finite gradients
(``nonfinite``, the most of any execution).  ``first_loss`` is the loss of the first gradient call
*executed*, eager or graph, so it compares a traced program with its eager twin.

A NumPy scalar as the gradient target makes TF 2.21 raise
``AttributeError: 'numpy.float32' object has no attribute '_id'`` inside ``tape.gradient``; the oracle
records that call as "all sources None", and so any other error ``tape.gradient`` raises for a target
that is not a tensor (a Python ``float(loss)``: "Cannot convert ... to a TensorFlow DType").  The program is stopped (``stopped: True``) when a call site
is about to compute its fourth gradient, so a 1000-epoch loop costs three steps: in eager code at the
call itself; for graph code before an outermost ``tf.function`` call whose earlier executions ran a
site that has executed three times (traces alone count nothing).

``eager=True`` (case.toml ``eager = true``) calls ``tf.config.run_functions_eagerly(True)`` before the
script runs, as gradfix's probe does: ``model.fit`` with NumPy in a loss or layer then shows ``None``
gradients instead of failing while tracing.  ``overlay`` maps file names (relative to the script's
folder) to files copied over the temporary copy before the run: the multi-file cases' ``fixed/``.

A notebook (``train.ipynb``) is run as the program of its code cells, converted here with the oracle's
own small code (``notebook_program``), independent of gradfix's: cells in order, markdown and raw cells
left out, a cell starting with ``%%`` left out, and each IPython line (``%magic``, ``!shell``,
``x = !cmd``, ``obj?``, ``?obj``) replaced by ``pass`` at its indentation.

``Zygote`` is the fast path for many runs: one process imports TensorFlow once and forks a fresh
child per run (the same child code as ``run_oracle``; each child still starts from a process that
has run no user code and no TensorFlow op).  ``Zygote().run(...)`` takes ``run_oracle``'s arguments
and returns the same report.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

MAX_CALLS_PER_SITE = 3

# The child's work, shared by the one-shot bootstrap and the zygote's forked children.
_CHILD = r"""
import json, math, os, runpy, sys, traceback

class _OracleStop(BaseException):
    pass

def oracle_main(report_path, script, args, eager):
    script_dir = os.path.dirname(os.path.abspath(script))
    report = {"calls": [], "stopped": False, "exception": None, "first_loss": None, "sites": {},
              "_first_done": False}

    def _write():
        report.pop("_first_done", None)
        report["none_count"] = sum(c["none"] for c in report["calls"])
        report["nonfinite_count"] = sum(c["nonfinite"] for c in report["calls"])
        with open(report_path, "w") as f:
            json.dump(report, f)

    try:
        import keras
        keras.utils.set_random_seed(0)          # seeds random, numpy and tf.random
        import tensorflow as tf
        from tensorflow.python.eager import backprop
        from tensorflow.python.eager.polymorphic_function import polymorphic_function
        if eager:
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
                return float(x.numpy() if hasattr(x, "numpy") else x)
            except Exception:
                return None

        def _executed(site, rec, loss, nonfinite):
            # One execution of a gradient call (eager: the call; graph: the side op running).
            report["sites"][site] = report["sites"].get(site, 0) + 1
            if rec is not None:
                rec["executions"] = rec.get("executions", 0) + 1
                if rec["executions"] == 1:
                    rec["loss"] = loss
                rec["nonfinite"] = max(rec["nonfinite"], nonfinite)
            if not report["_first_done"]:
                report["_first_done"] = True
                report["first_loss"] = loss
            if _running_function:
                _function_sites[_running_function[0]].add(site)

        def _in_xla():
            try:
                from tensorflow.python.ops import control_flow_util
                return control_flow_util.GraphOrParentsInXlaContext(tf.compat.v1.get_default_graph())
            except Exception:
                return False

        def _graph_side_op(site, rec, target, checked):
            # A py_function that runs each time the traced gradient call executes: it records the
            # target's value (first execution), counts the execution and the non-finite gradients.
            if _in_xla():
                rec["xla"] = True
                return
            loss_in = []
            flat_t = tf.nest.flatten(target)
            if (len(flat_t) == 1 and tf.is_tensor(flat_t[0]) and flat_t[0].dtype.is_floating
                    and flat_t[0].shape.num_elements() == 1):
                loss_in = [tf.reshape(tf.cast(tf.stop_gradient(flat_t[0]), tf.float64), [])]
            flags = []
            for g in checked:
                if g is None:
                    continue
                values = g.values if isinstance(g, tf.IndexedSlices) else g
                if tf.is_tensor(values) and (values.dtype.is_floating or values.dtype.is_complex):
                    flags.append(tf.reduce_all(tf.math.is_finite(
                        tf.cast(tf.math.abs(tf.stop_gradient(values)), tf.float32))))
            n_loss = len(loss_in)

            def callback(*vals):
                loss = float(vals[0].numpy()) if n_loss else None
                bad = sum(1 for v in vals[n_loss:] if not bool(v.numpy()))
                _executed(site, rec, loss, bad)
                return 0

            tf.py_function(callback, loss_in + flags, Tout=tf.int32, name="oracle_gradient_probe")

        _tf_dir = os.path.dirname(os.path.abspath(tf.__file__)) + os.sep
        _autograph_dir = os.path.join(_tf_dir, "python", "autograph") + os.sep

        def gradient(self, target, sources, *args, **kwargs):
            _caller = os.path.abspath(sys._getframe(1).f_code.co_filename)
            if _caller.startswith(_tf_dir) and not _caller.startswith(_autograph_dir):
                # TensorFlow's own use of a tape (tf.py_function's gradient, recompute_grad): not a
                # gradient the program asked for (autograph's converted_call calls the program's).
                return _orig_gradient(self, target, sources, *args, **kwargs)
            site = _site()
            graph = not tf.executing_eagerly()
            if not graph:
                _site_counts[site] = _site_counts.get(site, 0) + 1
                if _site_counts[site] > MAX_CALLS:
                    report["stopped"] = True
                    raise _OracleStop()
            n = len(tf.nest.flatten(sources))
            rec = {"site": site, "sources": n, "none": 0, "nonfinite": 0,
                   "loss": None if graph else _scalar(target), "error": None, "graph": graph,
                   "executions": 0}
            report["calls"].append(rec)
            try:
                result = _orig_gradient(self, target, sources, *args, **kwargs)
            except AttributeError as e:
                if "_id" in str(e):             # NumPy value as target: nothing is connected
                    rec["none"] = n
                    rec["error"] = "AttributeError: " + str(e)
                    _executed(site, rec, rec["loss"], 0)  # the step ran: its (host) loss counts
                raise
            except Exception as e:
                # a Python number as the target (float(loss)): TF fails converting it; nothing is connected
                if any(not tf.is_tensor(t) for t in tf.nest.flatten(target)):
                    rec["none"] = n
                    rec["error"] = type(e).__name__ + ": " + str(e)[:500]
                    _executed(site, rec, rec["loss"], 0)
                raise
            flat = tf.nest.flatten(result, expand_composites=False)
            rec["none"] = sum(g is None for g in flat)
            if graph:
                _graph_side_op(site, rec, target, flat)
                return result
            bad = 0
            for g in flat:
                if g is None:
                    continue
                values = g.values if isinstance(g, tf.IndexedSlices) else g
                if hasattr(values, "numpy") and (values.dtype.is_floating or values.dtype.is_complex):
                    if not bool(tf.reduce_all(tf.math.is_finite(tf.cast(tf.math.abs(values), tf.float32)))):
                        bad += 1
            _executed(site, rec, rec["loss"], bad)
            return result

        # Graph mode: a tf.function call is one step of the calls it traced.  Before an outermost
        # call, stop when a site this function ran before has executed MAX_CALLS times already
        # (the eager rule, "stop when a site is about to compute its next gradient", by function).
        _function_sites = {}
        _running_function = []
        _orig_call = polymorphic_function.Function.__call__

        def function_call(self, *args, **kwargs):
            if _running_function or not tf.executing_eagerly():
                return _orig_call(self, *args, **kwargs)
            key = id(self)
            ran = _function_sites.setdefault(key, set())
            if any(report["sites"].get(s, 0) >= MAX_CALLS for s in ran):
                report["stopped"] = True
                raise _OracleStop()
            _running_function.append(key)
            try:
                return _orig_call(self, *args, **kwargs)
            finally:
                _running_function.pop()

        polymorphic_function.Function.__call__ = function_call
        backprop.GradientTape.gradient = gradient
        sys.argv = [script] + list(args)
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
""".replace("MAX_CALLS", str(MAX_CALLS_PER_SITE))

_BOOTSTRAP = _CHILD + r"""
oracle_main(sys.argv[1], sys.argv[2], sys.argv[3:], os.environ.get("GRADFIX_ORACLE_EAGER") == "1")
"""

_ZYGOTE = _CHILD + r"""
import signal, time

def _serve():
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    import keras, tensorflow  # noqa: F401  (the expensive import, once; no op runs here)
    proto.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        req = json.loads(line)
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                os.chdir(req["cwd"])
                for fd, name in ((1, "stdout"), (2, "stderr")):
                    os.dup2(os.open(req[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
                os.environ["GRADFIX_ORACLE_EAGER"] = "1" if req["eager"] else "0"
                oracle_main(req["report"], req["script"], req["args"], req["eager"])
            finally:
                try:
                    sys.stdout.flush()
                    sys.stderr.flush()
                finally:
                    os._exit(0)
        deadline = time.monotonic() + req["timeout"]
        status, timed_out = 0, False
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                timed_out = True
                break
            time.sleep(0.01)
        try:
            os.killpg(pid, signal.SIGKILL)  # anything the program left behind
        except OSError:
            pass
        rc = -1 if timed_out or os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        proto.write(json.dumps({"returncode": rc, "timeout": timed_out}) + "\n")

_serve()
"""

_ENV = dict(TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="-1", PYTHONHASHSEED="0", MPLBACKEND="Agg")


_IPYTHON_ASSIGN = re.compile(r"^[A-Za-z_][\w.]*(\[[^\]=]*\])?(\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[!%]")


def _ipython_line(line: str) -> bool:
    code = line.strip()
    if code.startswith(("%", "!", "?")) or _IPYTHON_ASSIGN.match(code):
        return True
    return code.endswith("?") and not code.startswith("#") and "#" not in code


def notebook_program(path) -> str:
    """The program of a notebook's code cells (see the module doc); lines inside a triple-quoted
    string or a bracket are never taken for IPython syntax."""
    out = []
    for cell in json.loads(Path(path).read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if source.strip().startswith("%%"):
            continue
        depth, triple = 0, None
        for line in source.split("\n"):
            if depth == 0 and triple is None and _ipython_line(line):
                out.append(line[: len(line) - len(line.lstrip())] + "pass")
                continue
            out.append(line)
            for token in re.findall(r"\"\"\"|\'\'\'|[()\[\]{}]", line.split("#")[0] if triple is None else line):
                if token in ('"""', "'''"):
                    triple = None if triple == token else triple or token
                elif triple is None:
                    depth += 1 if token in "([{" else -1
    return "\n".join(out) + "\n"


def _prepare(tmp: Path, script_path: Path, overlay) -> Path:
    """Copy the script's folder (and the overlay) into ``tmp/case``; return the script's copy (for a
    notebook: its program, written beside it)."""
    work = tmp / "case"
    shutil.copytree(script_path.parent, work, ignore=shutil.ignore_patterns("__pycache__"))
    for name, src in (overlay or {}).items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, work / name)
    if script_path.suffix == ".ipynb":
        program = work / f"{script_path.stem}_oracle_program.py"
        program.write_text(notebook_program(work / script_path.name), encoding="utf-8")
        return program
    return work / script_path.name


def _collect(report_path: Path, returncode: int, stdout: str, stderr: str) -> dict:
    if not report_path.exists():
        raise RuntimeError(f"oracle child died (rc={returncode}):\n{stderr[-3000:]}")
    report = json.loads(report_path.read_text())
    report["returncode"] = returncode
    report["stdout"] = stdout[-2000:]
    report["stderr"] = stderr[-2000:]
    return report


def run_oracle(script_path, args=(), timeout=120, eager=False, overlay=None, python=None) -> dict:
    """Run ``script_path`` (with ``args``) under the oracle and return its report (see module doc);
    ``python``: the interpreter (with TensorFlow) to run it with, by default this one."""
    script_path = Path(script_path).resolve()
    with tempfile.TemporaryDirectory(prefix="gradfix-oracle-") as tmp:
        script = _prepare(Path(tmp), script_path, overlay)
        boot = Path(tmp) / "oracle_bootstrap.py"
        boot.write_text(_BOOTSTRAP)
        report_path = Path(tmp) / "report.json"
        env = dict(os.environ, **_ENV, GRADFIX_ORACLE_EAGER="1" if eager else "0")
        proc = subprocess.run(
            [python or sys.executable, str(boot), str(report_path), str(script), *map(str, args)],
            cwd=script.parent, env=env, capture_output=True, text=True, timeout=timeout)
        return _collect(report_path, proc.returncode, proc.stdout, proc.stderr)


class Zygote:
    """A process that has imported TensorFlow and forks one child per ``run`` (one run at a time)."""

    def __init__(self, start_timeout: float = 120, python=None):
        self._dir = tempfile.TemporaryDirectory(prefix="gradfix-oracle-zygote-")
        path = Path(self._dir.name) / "oracle_zygote.py"
        path.write_text(_ZYGOTE)
        self._lock = threading.Lock()
        self._proc = subprocess.Popen([python or sys.executable, str(path)], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                      env=dict(os.environ, **_ENV), cwd=self._dir.name)
        line = self._proc.stdout.readline()
        if not line or not json.loads(line).get("ready"):
            self.close()
            raise RuntimeError("oracle zygote failed to start")

    def run(self, script_path, args=(), timeout=120, eager=False, overlay=None) -> dict:
        script_path = Path(script_path).resolve()
        with self._lock, tempfile.TemporaryDirectory(prefix="gradfix-oracle-") as tmp:
            tmp = Path(tmp)
            script = _prepare(tmp, script_path, overlay)
            req = {"cwd": str(script.parent), "script": str(script), "args": [str(a) for a in args],
                   "report": str(tmp / "report.json"), "stdout": str(tmp / "stdout"),
                   "stderr": str(tmp / "stderr"), "eager": bool(eager), "timeout": timeout}
            self._proc.stdin.write(json.dumps(req) + "\n")
            self._proc.stdin.flush()
            line = self._proc.stdout.readline()
            if not line:
                raise RuntimeError("oracle zygote died")
            answer = json.loads(line)
            if answer["timeout"]:
                raise subprocess.TimeoutExpired(str(script_path), timeout)
            read = lambda p: p.read_text(errors="replace") if p.exists() else ""
            return _collect(tmp / "report.json", answer["returncode"], read(tmp / "stdout"),
                            read(tmp / "stderr"))

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._dir.cleanup()


if __name__ == "__main__":  # python tests/oracle.py [--eager] corpus/x/train.py|train.ipynb [args...]
    eager = sys.argv[1:2] == ["--eager"]
    argv = sys.argv[2:] if eager else sys.argv[1:]
    r = run_oracle(argv[0], argv[1:], eager=eager)
    for k in ("stdout", "stderr"):
        r.pop(k)
    print(json.dumps(r, indent=1))
