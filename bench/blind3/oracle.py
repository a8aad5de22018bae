#!/usr/bin/env python
"""Independent oracle for the "gradients are None" family.

Usage:
  oracle.py CASE_DIR [SCRIPT]      run CASE_DIR/SCRIPT (default train.py), print JSON
  oracle.py --validate [CASES_ROOT] run every case (train.py, fixed.py) and print a table

For one run it prints {"calls": n, "none": k, "error": "..."|null, ...}:
  calls  number of tf.GradientTape.gradient calls
  none   number of those calls where at least one source got a None gradient
  error  message of an exception that escaped the script (null if none)
  grad_error  true if "No gradients provided" / "Gradients do not exist" was seen
              (raised, warned through `warnings`, logged, or printed to stderr)
"""
import json
import os
import subprocess
import sys

PHRASES = ("No gradients provided", "Gradients do not exist")
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PY = sys.executable


# --------------------------------------------------------------------------- inner
def _inner(case_dir, script, out_path):
    os.chdir(case_dir)
    sys.path.insert(0, case_dir)
    sys.argv = [script]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

    import logging
    import runpy
    import traceback
    import warnings

    rec = {"calls": 0, "none": 0, "error": None, "grad_messages": []}

    def note(msg):
        msg = str(msg)
        if any(p in msg for p in PHRASES):
            rec["grad_messages"].append(msg[:300])

    # capture python warnings (Keras 3 optimizer warns "Gradients do not exist ...")
    warnings.simplefilter("always")
    _orig_show = warnings.showwarning

    def _show(message, category, filename, lineno, file=None, line=None):
        note(message)
        return _orig_show(message, category, filename, lineno, file, line)

    warnings.showwarning = _show

    class _H(logging.Handler):
        def emit(self, record):
            try:
                note(record.getMessage())
            except Exception:
                pass

    logging.getLogger().addHandler(_H())
    for name in ("tensorflow", "absl", "keras"):
        logging.getLogger(name).addHandler(_H())

    from tensorflow.python.eager import backprop

    orig_gradient = backprop.GradientTape.gradient

    def gradient(self, target, sources, *args, **kwargs):
        try:
            result = orig_gradient(self, target, sources, *args, **kwargs)
        except BaseException as e:
            rec["calls"] += 1
            rec.setdefault("gradient_exceptions", []).append(("%s: %s" % (type(e).__name__, e))[:200])
            raise
        rec["calls"] += 1
        try:
            import tensorflow as tf
            flat = tf.nest.flatten(result)
        except Exception:
            flat = result if isinstance(result, (list, tuple)) else [result]
        if any(g is None for g in flat):
            rec["none"] += 1
        return result

    backprop.GradientTape.gradient = gradient

    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        if e.code not in (None, 0):
            rec["error"] = "SystemExit(%r)" % (e.code,)
    except BaseException as e:  # noqa
        msg = "%s: %s" % (type(e).__name__, e)
        rec["error"] = msg[:600]
        note(msg)
        rec["traceback_tail"] = traceback.format_exc()[-1500:]
    finally:
        with open(out_path, "w") as f:
            json.dump(rec, f)


# --------------------------------------------------------------------------- outer
def run_case(case_dir, script="train.py", python=None, timeout=120):
    import tempfile
    case_dir = os.path.abspath(case_dir)
    python = python or os.environ.get("ORACLE_PYTHON", DEFAULT_PY)
    fd, out = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    import time
    t0 = time.time()
    try:
        p = subprocess.run([python, os.path.abspath(__file__), "--inner", case_dir, script, out],
                           cwd=case_dir, capture_output=True, text=True, timeout=timeout, env=env)
        stderr = p.stderr
        rc = p.returncode
    except subprocess.TimeoutExpired:
        return {"calls": 0, "none": 0, "error": "timeout", "grad_error": False, "seconds": timeout}
    dt = time.time() - t0
    try:
        with open(out) as f:
            rec = json.load(f)
    except Exception:
        rec = {"calls": 0, "none": 0, "error": "oracle crashed rc=%s: %s" % (rc, stderr[-800:]),
               "grad_messages": []}
    os.unlink(out)
    for line in stderr.splitlines():  # messages printed by TF C++/absl logging
        if any(ph in line for ph in PHRASES):
            rec["grad_messages"].append(line[:300])
    rec["grad_error"] = bool(rec["grad_messages"])
    rec["seconds"] = round(dt, 1)
    return rec


def reproduces(rec):
    return rec["none"] > 0 or rec["grad_error"]


def clean(rec):
    return rec["none"] == 0 and not rec["grad_error"] and rec["error"] is None and rec["calls"] > 0


def _fixed_target(d):
    if os.path.isdir(os.path.join(d, "fixed")):
        return os.path.join(d, "fixed"), "train.py"
    if os.path.isfile(os.path.join(d, "fixed.py")):
        return d, "fixed.py"
    return None


def validate(root, jobs=None):
    from concurrent.futures import ThreadPoolExecutor
    jobs = jobs or int(os.environ.get("ORACLE_JOBS", "2"))
    names = [n for n in sorted(os.listdir(root)) if os.path.isfile(os.path.join(root, n, "meta.json"))]
    metas = {n: json.load(open(os.path.join(root, n, "meta.json"))) for n in names}
    tasks = {}
    with ThreadPoolExecutor(jobs) as ex:
        for n in names:
            d = os.path.join(root, n)
            tasks[(n, "train")] = ex.submit(run_case, d, "train.py")
            if metas[n]["kind"] == "broken" and metas[n].get("fixable"):
                ft = _fixed_target(d)
                if ft:
                    tasks[(n, "fixed")] = ex.submit(run_case, ft[0], ft[1])
    rows = []
    ok_all = True
    for n in names:
        meta = metas[n]
        r = tasks[(n, "train")].result()
        fr = tasks[(n, "fixed")].result() if (n, "fixed") in tasks else None
        if meta["kind"] == "broken":
            ok = reproduces(r)
            if meta.get("fixable"):
                ok = ok and fr is not None and clean(fr)
        else:
            ok = clean(r)
        ok_all &= ok
        rows.append((n, meta["kind"], meta["family"], meta.get("fixable"), r, fr, ok))
    hdr = "%-34s %-6s %-26s %-5s %-22s %-22s %s" % ("case", "kind", "family", "fix", "train.py calls/none/err",
                                                    "fixed calls/none/err", "verdict")
    print(hdr)
    print("-" * len(hdr))

    def fmt(r):
        if r is None:
            return "-"
        e = "E" if r["error"] else ("W" if r["grad_error"] else ".")
        return "%d/%d/%s %.1fs" % (r["calls"], r["none"], e, r["seconds"])

    for name, kind, fam, fx, r, fr, ok in rows:
        print("%-34s %-6s %-26s %-5s %-22s %-22s %s" % (name, kind, fam[:26], fx, fmt(r), fmt(fr),
                                                        "OK" if ok else "FAIL"))
    print("\n%d cases, %d OK, %d FAIL" % (len(rows), sum(r[-1] for r in rows), sum(not r[-1] for r in rows)))
    print("legend: err . = no error, W = gradient warning/message only, E = exception escaped")
    return ok_all, rows


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--inner":
        _inner(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) >= 2 and sys.argv[1] == "--validate":
        root = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "cases")
        ok, _ = validate(root)
        sys.exit(0 if ok else 1)
    elif len(sys.argv) >= 2:
        rec = run_case(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "train.py")
        if os.environ.get("ORACLE_QUIET"):
            rec.pop("traceback_tail", None)
        print(json.dumps(rec, indent=1))
    else:
        print(__doc__)
        sys.exit(2)
