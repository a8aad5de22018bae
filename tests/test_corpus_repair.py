"""End to end over the public corpus, with real TensorFlow: every broken case is repaired (proven by
the independent oracle, not by gradfix's own verdict) and every clean program is left byte-identical."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from conftest import CORPUS
from oracle import run_oracle

from gradfix.pipeline import repair, write_fix
from gradfix.types import Healthy, Repaired, RunOptions, Safety

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
    shutil.copytree(folder, dest, ignore=shutil.ignore_patterns("fixed.py", "__pycache__"))
    return dest / "train.py"


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
    write_fix(outcome)
    report = run_oracle(script, args=tuple(meta.get("args", ())))
    assert report["calls"], report
    assert report["none_count"] == 0 and report["nonfinite_count"] == 0, report
    assert report["exception"] is None, report


@pytest.mark.parametrize("case", _cases("clean"), ids=lambda p: p.name)
def test_clean_program_is_untouched(case, runner, tmp_path):
    meta = tomllib.loads((case / "case.toml").read_text())
    script = _copy(case, tmp_path)
    before = {p: p.read_bytes() for p in script.parent.rglob("*") if p.is_file()}
    outcome = repair(script, runner, RunOptions(script_args=tuple(meta.get("args", ()))))
    assert isinstance(outcome, Healthy), _explain(outcome)
    after = {p: p.read_bytes() for p in script.parent.rglob("*") if p.is_file()}
    assert after == before


def _explain(outcome) -> str:
    lines = [type(outcome).__name__, str(getattr(outcome, "error", ""))]
    lines += [f"{f.variable}: {f.cause.value} {f.message}" for f in getattr(outcome, "findings", ())]
    lines += [f"tried {v.proposal.label}: {v.reason}" for v in getattr(outcome, "tried", ())]
    return "\n".join(lines)
