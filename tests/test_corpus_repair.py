"""End to end over the public corpus, with real TensorFlow: every broken case is repaired (proven by
the independent oracle, not by gradfix's own verdict) and every clean program is left byte-identical."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from conftest import CORPUS
from oracle import run_oracle

from gradfix.emit import file_json
from gradfix.pipeline import repair, write_fix
from gradfix.types import Healthy, Repaired, RunOptions, Safety, Unrepaired

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _cases(kind: str) -> list[Path]:
    out = []
    for folder in sorted(CORPUS.iterdir()):
        toml = folder / "case.toml"
        if toml.exists() and tomllib.loads(toml.read_text())["kind"] == kind:
            out.append(folder)
    return out


def _copy(folder: Path, tmp_path: Path) -> Path:
    dest = tmp_path / folder.name
    shutil.copytree(folder, dest, ignore=shutil.ignore_patterns("fixed.py", "fixed", "__pycache__"))
    return dest / "train.py"


def _snapshot(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("case", _cases("broken"), ids=lambda p: p.name)
def test_broken_case_is_repaired(case, runner, tmp_path):
    meta = tomllib.loads((case / "case.toml").read_text())
    script = _copy(case, tmp_path)
    options = RunOptions(script_args=tuple(meta.get("args", ())),
                         unsafe_fixes=meta.get("safety") == "unsafe")
    outcome = repair(script, runner, options)
    assert isinstance(outcome, Repaired), _explain(outcome)
    assert meta["cause"] in {f.cause.value for f in outcome.findings}, outcome.findings
    if meta.get("safety") == "safe":
        assert outcome.verdict.proposal.safety is Safety.SAFE
    report = file_json(outcome)
    fix = report["fix"]
    assert fix["verified"] and fix["codemods"] and fix["safety"] in ("safe", "unsafe") and fix["diff"]
    assert all(f["cause"] and f["line"] for f in report["findings"])
    evidence = fix["evidence"]
    assert any(not v["before"] for v in evidence["variables"]) and all(v["after"] for v in evidence["variables"])
    assert "loss_before" in evidence and "loss_after" in evidence
    write_fix(outcome)
    report = run_oracle(script, args=tuple(meta.get("args", ())), eager=meta.get("eager", False))
    assert report["calls"], report
    assert report["none_count"] == 0 and report["nonfinite_count"] == 0, report
    assert report["exception"] is None, report


@pytest.mark.parametrize("case", _cases("clean"), ids=lambda p: p.name)
def test_clean_program_is_untouched(case, runner, tmp_path):
    meta = tomllib.loads((case / "case.toml").read_text())
    script = _copy(case, tmp_path)
    before = _snapshot(script.parent)
    outcome = repair(script, runner, RunOptions(script_args=tuple(meta.get("args", ()))))
    assert isinstance(outcome, Healthy), _explain(outcome)
    assert _snapshot(script.parent) == before


@pytest.mark.parametrize("case", _cases("unfixable"), ids=lambda p: p.name)
def test_unfixable_case_is_explained_not_patched(case, runner, tmp_path):
    """No rewrite should silence these: gradfix explains, names what is missing, writes nothing."""
    meta = tomllib.loads((case / "case.toml").read_text())
    script = _copy(case, tmp_path)
    before = _snapshot(script.parent)
    outcome = repair(script, runner, RunOptions(script_args=tuple(meta.get("args", ()))))
    assert isinstance(outcome, Unrepaired) and outcome.suggestion is None, _explain(outcome)
    text = " ".join(f"{f.variable} {f.message}" for f in outcome.findings)
    for word in meta.get("explain", ()):
        assert word in text, text
    assert meta["cause"] in {f.cause.value for f in outcome.findings}
    assert _snapshot(script.parent) == before


def _explain(outcome) -> str:
    lines = [type(outcome).__name__, str(getattr(outcome, "error", ""))]
    lines += [f"{f.variable}: {f.cause.value} {f.message}" for f in getattr(outcome, "findings", ())]
    lines += [f"tried {v.proposal.label}: {v.reason}" for v in getattr(outcome, "tried", ())]
    return "\n".join(lines)
