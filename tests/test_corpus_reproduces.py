"""Every corpus case behaves as its case.toml says, checked by the independent oracle (tests/oracle.py).

- broken train.py: at least one gradient is None (or TF 2.21's NumPy-target AttributeError);
- broken fixed.py: every gradient call has every source non-None and finite, no exception, and for
  safe fixes the same first loss value as the broken program;
- clean train.py: every gradient present and finite, no exception.

Each script runs in its own subprocess (one TensorFlow import each); the runs for the selected tests
are started together on a thread pool when the first one is needed.
"""
from __future__ import annotations

import difflib
import math
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import tomllib

sys.path.insert(0, str(Path(__file__).resolve().parent))
from oracle import run_oracle  # noqa: E402  (tests/oracle.py; tests/ may or may not be a package)

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
CAUSES = {"outside_tape", "numpy_in_graph", "non_differentiable_op", "assign_or_scatter", "int_dtype",
          "unwatched_tensor", "variable_replaced", "loss_disconnected", "other"}
CODEMODS = {"hoist-into-tape": "safe", "numpy-to-tf": "safe", "scatter-to-mask": "safe",
            "cast-to-float": "unsafe"}
LOSS_RTOL = 1e-5


def _load(case_dir: Path) -> dict:
    with open(case_dir / "case.toml", "rb") as f:
        return tomllib.load(f)


CASES = sorted(p.parent.name for p in CORPUS.glob("*/case.toml"))
META = {name: _load(CORPUS / name) for name in CASES}
BROKEN = [c for c in CASES if META[c].get("kind") == "broken"]
CLEAN = [c for c in CASES if META[c].get("kind") == "clean"]


@pytest.fixture(scope="session")
def oracle(request):
    """run(case, script) -> oracle report; all runs the selected tests need start at once."""
    wanted = set()
    for item in request.session.items:
        spec = getattr(item, "callspec", None)
        case = spec.params.get("case") if spec else None
        if case is None:
            continue
        if item.originalname in ("test_broken_train_has_none", "test_fixed_has_all_gradients"):
            wanted.update({(case, "train.py"), (case, "fixed.py")})
        elif item.originalname == "test_clean_has_all_gradients":
            wanted.add((case, "train.py"))
    pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
    futures = {key: pool.submit(run_oracle, CORPUS / key[0] / key[1], META[key[0]].get("args", []))
               for key in sorted(wanted)}
    yield lambda case, script: futures[(case, script)].result()
    pool.shutdown(wait=True, cancel_futures=True)


def _describe(report: dict) -> str:
    calls = [(c["site"], c["sources"], c["none"], c["nonfinite"]) for c in report["calls"]]
    exc = report.get("exception")
    return f"calls(site, sources, none, nonfinite)={calls} exception={exc and exc.get('traceback', exc)}"


@pytest.mark.parametrize("case", CASES)
def test_case_metadata(case):
    meta, folder = META[case], CORPUS / case
    assert case.isidentifier() and case == case.lower(), "folder name must be snake_case"
    assert meta.get("kind") in ("broken", "clean")
    assert isinstance(meta.get("origin"), str) and len(meta["origin"]) > 20
    assert (folder / "train.py").is_file()
    assert all(isinstance(a, str) for a in meta.get("args", []))
    if meta["kind"] == "clean":
        assert meta.get("cause") == "none"
        assert not (folder / "fixed.py").exists()
        return
    assert meta.get("cause") in CAUSES
    codemods = meta.get("codemods")
    assert isinstance(codemods, list) and codemods and set(codemods) <= set(CODEMODS)
    expected = "unsafe" if any(CODEMODS[c] == "unsafe" for c in codemods) else "safe"
    assert meta.get("safety") == expected
    broken = (folder / "train.py").read_text().splitlines()
    fixed = (folder / "fixed.py").read_text().splitlines()
    changed = [l for l in difflib.unified_diff(broken, fixed, lineterm="", n=0)
               if l[:1] in "+-" and not l.startswith(("+++", "---"))]
    assert 0 < len(changed) <= 12, "fixed.py should be a minimal edit of train.py"


def test_corpus_size():
    by_cause = {}
    for c in BROKEN:
        by_cause[META[c]["cause"]] = by_cause.get(META[c]["cause"], 0) + 1
    assert len(BROKEN) >= 26 and len(CLEAN) >= 10
    for cause in ("outside_tape", "numpy_in_graph", "non_differentiable_op", "assign_or_scatter",
                  "int_dtype", "loss_disconnected"):
        assert by_cause.get(cause, 0) >= 4, cause


@pytest.mark.parametrize("case", BROKEN)
def test_broken_train_has_none(case, oracle):
    r = oracle(case, "train.py")
    assert r["calls"], "no gradient call was reached: " + _describe(r)
    numpy_target = (r["exception"] or {}).get("type") == "AttributeError" and "_id" in r["exception"]["message"]
    assert r["none_count"] > 0 or numpy_target, _describe(r)


@pytest.mark.parametrize("case", BROKEN)
def test_fixed_has_all_gradients(case, oracle):
    r = oracle(case, "fixed.py")
    assert r["exception"] is None, _describe(r)
    assert r["calls"] and r["none_count"] == 0 and r["nonfinite_count"] == 0, _describe(r)
    original = oracle(case, "train.py")
    assert len(r["calls"]) >= len(original["calls"])
    if META[case]["safety"] == "safe":
        before, after = original["calls"][0]["loss"], r["calls"][0]["loss"]
        if before is not None and after is not None:
            assert math.isclose(before, after, rel_tol=LOSS_RTOL), (before, after)


@pytest.mark.parametrize("case", CLEAN)
def test_clean_has_all_gradients(case, oracle):
    r = oracle(case, "train.py")
    assert r["exception"] is None, _describe(r)
    assert r["calls"] and r["none_count"] == 0 and r["nonfinite_count"] == 0, _describe(r)
