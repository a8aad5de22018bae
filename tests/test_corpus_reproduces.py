"""Every corpus case behaves as its case.toml says, checked by the independent oracle (tests/oracle.py).

- broken train.py: at least one gradient is None (or TF 2.21's NumPy-target AttributeError);
- broken fix (``fixed.py``, or for a multi-file case the files under ``fixed/`` named by
  ``fixed_files`` laid over a copy of the case): every gradient call has every source non-None and
  finite, no exception, and for safe fixes the same first loss value as the broken program;
- clean train.py: every gradient present and finite, no exception;
- unfixable train.py: at least one None gradient, and no fix at all (gradfix must explain, not patch).

``notebook = true``: the case is ``train.ipynb`` (and its fix ``fixed.ipynb``), run by the oracle as the
program of its code cells (``oracle.notebook_program``).
``eager = true`` in case.toml runs both programs with ``tf.config.run_functions_eagerly(True)``.
Each script runs in its own fresh process: forked from one of a few oracle zygotes that imported
TensorFlow once (``GRADFIX_ORACLE_FORK=0``, or a platform without fork, falls back to one subprocess per
run).  The runs for the selected tests are started together on a thread pool when the first one is
needed.
"""
from __future__ import annotations

import difflib
import math
import os
import queue
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import tomllib

from gradfix.codemods import REGISTRY

sys.path.insert(0, str(Path(__file__).resolve().parent))
from oracle import Zygote, notebook_program, run_oracle  # noqa: E402  (tests/oracle.py; tests/ may or may not be a package)

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
CAUSES = {"outside_tape", "numpy_in_graph", "non_differentiable_op", "assign_or_scatter", "int_dtype",
          "unwatched_tensor", "unwatched_variable", "no_variables", "variable_replaced", "loss_disconnected", "other"}
CODEMODS = {c.NAME: c.SAFETY.value for c in REGISTRY}  # a case names real codemods, with their safety
KINDS = ("broken", "clean", "unfixable")
KEYS = {"kind", "cause", "codemods", "safety", "origin", "args", "notes", "eager", "fixed_files", "explain",
        "notebook", "host"}
LOSS_RTOL = 1e-5


def _load(case_dir: Path) -> dict:
    with open(case_dir / "case.toml", "rb") as f:
        return tomllib.load(f)


CASES = sorted(p.parent.name for p in CORPUS.glob("*/case.toml"))
META = {name: _load(CORPUS / name) for name in CASES}
BROKEN = [c for c in CASES if META[c].get("kind") == "broken"]
CLEAN = [c for c in CASES if META[c].get("kind") == "clean"]
UNFIXABLE = [c for c in CASES if META[c].get("kind") == "unfixable"]


def _fixed_overlay(case: str) -> dict | None:
    """``{relative name: fixed file}`` for a multi-file case, ``None`` for a single-file one."""
    files = META[case].get("fixed_files")
    if files is None:
        return None
    return {name: CORPUS / case / "fixed" / name for name in files}


def _file(case: str, variant: str) -> Path:
    """``train.py`` / ``fixed.py``, or for a notebook case ``train.ipynb`` / ``fixed.ipynb``."""
    return CORPUS / case / (variant + (".ipynb" if META[case].get("notebook") else ".py"))


def _code(path: Path) -> str:
    return notebook_program(path) if path.suffix == ".ipynb" else path.read_text()


def _run(case: str, variant: str, run=run_oracle) -> dict:
    meta = META[case]
    eager = bool(meta.get("eager", False))
    args = meta.get("args", [])
    if variant == "fixed":
        overlay = _fixed_overlay(case)
        if overlay is not None:
            return run(_file(case, "train"), args, eager=eager, overlay=overlay)
        return run(_file(case, "fixed"), args, eager=eager)
    return run(_file(case, "train"), args, eager=eager)


def _zygotes(n: int) -> list:
    if os.environ.get("GRADFIX_ORACLE_FORK", "1") == "0" or not hasattr(os, "fork"):
        return []
    try:
        with ThreadPoolExecutor(max_workers=n) as start:
            return list(start.map(lambda _: Zygote(), range(n)))
    except Exception:  # fall back to one subprocess per run
        return []


@pytest.fixture(scope="session")
def oracle(request):
    """run(case, script) -> oracle report; all runs the selected tests need start at once."""
    wanted = set()
    for item in request.session.items:
        spec = getattr(item, "callspec", None)
        case = spec.params.get("case") if spec else None
        if case not in META:  # not a case test (or an empty parametrization)
            continue
        if item.originalname in ("test_broken_train_has_none", "test_fixed_has_all_gradients"):
            wanted.update({(case, "train"), (case, "fixed")})
        elif item.originalname in ("test_clean_has_all_gradients", "test_unfixable_has_none"):
            wanted.add((case, "train"))
    workers = max(2, os.cpu_count() or 2)
    zygotes = _zygotes(min(workers, len(wanted))) if wanted else []
    idle = queue.Queue()
    for z in zygotes:
        idle.put(z)

    def job(case, variant):
        if not zygotes:
            return _run(case, variant)
        z = idle.get()
        try:
            return _run(case, variant, run=z.run)
        finally:
            idle.put(z)

    pool = ThreadPoolExecutor(max_workers=len(zygotes) or workers)
    # the slowest programs (Keras fit) first, so the pool's tail is short
    order = sorted(wanted, key=lambda k: (not META[k[0]].get("eager"), k))
    futures = {key: pool.submit(job, *key) for key in order}
    yield lambda case, variant: futures[(case, variant)].result()
    pool.shutdown(wait=True, cancel_futures=True)
    for z in zygotes:
        z.close()


def _describe(report: dict) -> str:
    calls = [(c["site"], c["sources"], c["none"], c["nonfinite"]) for c in report["calls"]]
    exc = report.get("exception")
    return f"calls(site, sources, none, nonfinite)={calls} exception={exc and exc.get('traceback', exc)}"


@pytest.mark.parametrize("case", CASES)
def test_case_metadata(case):
    meta, folder = META[case], CORPUS / case
    assert case.isidentifier() and case == case.lower(), "folder name must be snake_case"
    assert meta.get("kind") in KINDS
    assert set(meta) <= KEYS, set(meta) - KEYS
    assert isinstance(meta.get("origin"), str) and len(meta["origin"]) > 20
    assert _file(case, "train").is_file()
    if meta.get("notebook"):
        assert meta["notebook"] is True and meta["kind"] == "broken" and "fixed_files" not in meta
    assert all(isinstance(a, str) for a in meta.get("args", []))
    assert isinstance(meta.get("eager", False), bool)
    if meta["kind"] in ("clean", "unfixable"):
        assert not (folder / "fixed.py").exists() and not (folder / "fixed").exists()
        assert "codemods" not in meta and "fixed_files" not in meta
    if meta["kind"] == "clean":
        assert meta.get("cause") == "none"
        return
    if meta["kind"] == "unfixable":
        # the cause is named (a non-differentiable op, a metric used as loss, ...) but no rewrite
        # keeps the program's meaning, so gradfix explains and writes nothing
        assert meta.get("cause") in CAUSES
        explain = meta.get("explain")
        assert isinstance(explain, list) and explain and all(isinstance(w, str) and w for w in explain)
        sources = "\n".join(p.read_text() for p in folder.glob("*.py"))
        assert all(w in sources for w in explain), "explain words should name things in the program"
        return
    assert meta.get("cause") in CAUSES
    codemods = meta.get("codemods")
    assert isinstance(codemods, list) and codemods and set(codemods) <= set(CODEMODS)
    expected = "unsafe" if any(CODEMODS[c] == "unsafe" for c in codemods) else "safe"
    assert meta.get("safety") == expected
    overlay = _fixed_overlay(case)
    if overlay is None:
        pairs = [(_file(case, "train"), _file(case, "fixed"))]
    else:  # multi-file: fixed/ holds exactly the changed files, and no fixed.py
        assert not (folder / "fixed.py").exists()
        on_disk = {p.relative_to(folder / "fixed").as_posix() for p in (folder / "fixed").rglob("*.py")}
        assert overlay and on_disk == set(overlay), (on_disk, set(overlay))
        pairs = [(folder / name, fixed) for name, fixed in overlay.items()]
    changed = []
    for original, fixed in pairs:
        assert original.is_file(), f"fixed/{original.name} has no original"
        changed += [l for l in difflib.unified_diff(_code(original).splitlines(),
                                                    _code(fixed).splitlines(), lineterm="", n=0)
                    if l[:1] in "+-" and not l.startswith(("+++", "---"))]
    assert 0 < len(changed) <= 12, "the fix should be a minimal edit"


def test_corpus_size():
    by_cause, by_codemod = {}, {}
    for c in BROKEN:
        by_cause[META[c]["cause"]] = by_cause.get(META[c]["cause"], 0) + 1
        for m in META[c]["codemods"]:
            by_codemod[m] = by_codemod.get(m, 0) + 1
    assert len(BROKEN) >= 62 and len(CLEAN) >= 22 and len(UNFIXABLE) >= 5
    for cause in ("outside_tape", "numpy_in_graph", "non_differentiable_op", "assign_or_scatter",
                  "int_dtype", "loss_disconnected", "unwatched_tensor", "variable_replaced"):
        assert by_cause.get(cause, 0) >= 4, cause
    for codemod, least in (("predict-to-call", 3), ("watch-tensor", 4), ("rebind-to-assign", 4),
                           ("straight-through", 5), ("soft-surrogate", 1)):
        assert by_codemod.get(codemod, 0) >= least, codemod
    assert sum("fixed_files" in META[c] for c in BROKEN) >= 3, "multi-file cases"


@pytest.mark.parametrize("case", BROKEN)
def test_broken_train_has_none(case, oracle):
    r = oracle(case, "train")
    assert r["calls"], "no gradient call was reached: " + _describe(r)
    if META[case]["cause"] == "no_variables":  # an empty list of sources: nothing to be None
        assert any(c["sources"] == 0 for c in r["calls"]), _describe(r)
        return
    numpy_target = (r["exception"] or {}).get("type") == "AttributeError" and "_id" in r["exception"]["message"]
    assert r["none_count"] > 0 or numpy_target, _describe(r)


@pytest.mark.parametrize("case", BROKEN)
def test_fixed_has_all_gradients(case, oracle):
    r = oracle(case, "fixed")
    assert r["exception"] is None, _describe(r)
    assert r["calls"] and r["none_count"] == 0 and r["nonfinite_count"] == 0, _describe(r)
    original = oracle(case, "train")
    assert len(r["calls"]) >= len(original["calls"])
    if META[case]["safety"] == "safe":
        before, after = original["calls"][0]["loss"], r["calls"][0]["loss"]
        if before is not None and after is not None:
            assert math.isclose(before, after, rel_tol=LOSS_RTOL), (before, after)


@pytest.mark.parametrize("case", UNFIXABLE)
def test_unfixable_has_none(case, oracle):
    r = oracle(case, "train")
    assert r["calls"], "no gradient call was reached: " + _describe(r)
    if META[case]["cause"] == "no_variables":  # an empty list of sources: nothing to be None
        assert any(c["sources"] == 0 for c in r["calls"]), _describe(r)
    else:
        assert r["none_count"] > 0, _describe(r)


@pytest.mark.parametrize("case", CLEAN)
def test_clean_has_all_gradients(case, oracle):
    r = oracle(case, "train")
    assert r["exception"] is None, _describe(r)
    assert r["calls"] and r["none_count"] == 0 and r["nonfinite_count"] == 0, _describe(r)
