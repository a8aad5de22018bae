"""The independent oracle (tests/oracle.py), imported by path: bench never imports gradfix."""
from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_PATH = ROOT / "tests" / "oracle.py"


def _load():
    name = "gradfix_bench_oracle"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, _PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


oracle = _load()
Zygote = oracle.Zygote
MAX_CALLS_PER_SITE = oracle.MAX_CALLS_PER_SITE

# errors that are the None-gradient fault itself (TF 2.21 / Keras 3)
GRADIENT_ERRORS = re.compile(r"No gradients provided|has no attribute '_id'|Gradients do not exist")
# errors a NumPy conversion or a model.predict inside a traced function raises (confirmed eagerly)
GRAPH_ERRORS = re.compile(r"symbolic|numpy|float\(\) argument|[Cc]annot convert|__array__|has no attribute|"
                          r"predict|graph execution|not allowed|EagerTensor|iterating over|"
                          r"singleton|tf\.Variable|Variable")


def run(zygote, script, args=(), timeout=60.0, eager=False, overlay=None) -> dict:
    """The oracle's report, with ``seconds``; a timeout or a dead child is an exception entry."""
    start = time.monotonic()
    try:
        report = zygote.run(script, args, timeout=timeout, eager=eager, overlay=overlay)
    except subprocess.TimeoutExpired:
        report = {"calls": [], "none_count": 0, "nonfinite_count": 0, "stopped": False, "first_loss": None,
                  "sites": {}, "exception": {"type": "Timeout", "message": f"over {timeout:.0f} s"}}
    except RuntimeError as e:
        report = {"calls": [], "none_count": 0, "nonfinite_count": 0, "stopped": False, "first_loss": None,
                  "sites": {}, "exception": {"type": "OracleDied", "message": str(e)[:500]}}
    report["seconds"] = round(time.monotonic() - start, 3)
    report.pop("stdout", None)
    report.pop("stderr", None)
    return report


def has_none(report: dict) -> bool:
    """A None gradient, or a gradient call with no sources at all (an empty variable list)."""
    return any(c["none"] > 0 or c["sources"] == 0 for c in report["calls"])


def exception_text(report: dict) -> str:
    exc = report.get("exception") or {}
    return f"{exc.get('type', '')}: {exc.get('message', '')}" if exc else ""


def healthy(report: dict, least_steps: int = 1) -> bool:
    """Every gradient call had every source a finite gradient, no exception, enough executions."""
    return (report["exception"] is None and bool(report["calls"]) and not has_none(report)
            and report["nonfinite_count"] == 0 and sum(report.get("sites", {}).values()) >= least_steps)
