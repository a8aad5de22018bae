"""``# gradfix: ignore[cause]``: a missing gradient the user means is reported as suppressed, and
verification stops asking for it — real TensorFlow runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import CORPUS, run_cli

from gradfix.suppress import ALL, directives

CASE = CORPUS / "unfixable_unused_variable_beside_outside_tape" / "train.py"


def test_directives_are_comments_with_their_causes():
    text = ("x = 1  # gradfix: ignore\n"
            "y = '# gradfix: ignore'\n"
            "g = t.gradient(l, v)  # noqa  # GradFix: Ignore[loss_disconnected, int_dtype]\n")
    assert directives(text) == {1: ALL, 3: frozenset({"loss_disconnected", "int_dtype"})}


def _copy(tmp_path: Path, line_from: str, line_to: str) -> Path:
    script = tmp_path / "train.py"
    shutil.copy(CASE, script)
    script.write_text(script.read_text().replace(line_from, line_to))
    return script


def test_unsuppressed_the_case_is_explained_not_fixed(tmp_path):
    _copy(tmp_path, "", "")
    run = run_cli("apply", "--dry-run", "train.py", cwd=tmp_path)
    assert run.returncode == 1 and run.stdout == ""
    assert "head_b has no gradient — it is never used while the tape records" in run.stderr
    assert "w has no gradient — computed before the tape starts (line 8)" in run.stderr


def test_suppressing_the_unused_variable_lets_the_real_fix_verify(tmp_path):
    gradient = "grads = tape.gradient(loss, [w, head_b])"
    script = _copy(tmp_path, gradient, gradient + "  # gradfix: ignore[loss_disconnected]")
    dry = run_cli("apply", "--dry-run", "train.py", cwd=tmp_path)
    assert dry.returncode == 1, dry.stderr
    assert "+    y = w * x" in dry.stdout
    assert "head_b has no gradient" in dry.stderr and "suppressed by # gradfix: ignore" in dry.stderr
    report = json.loads(run_cli("check", "--format", "json", "train.py", cwd=tmp_path).stdout)["files"][0]
    assert [f["variable"] for f in report["findings"]] == ["w"]
    assert [(f["variable"], f["cause"]) for f in report["suppressed"]] == [("head_b", "loss_disconnected")]
    assert run_cli("apply", "train.py", cwd=tmp_path).returncode == 0
    after = run_cli("check", "train.py", cwd=tmp_path)
    assert after.returncode == 0 and "suppressed by # gradfix: ignore" in after.stdout
    assert "    y = w * x" in script.read_text()


def test_a_directive_for_another_cause_silences_nothing(tmp_path):
    gradient = "grads = tape.gradient(loss, [w, head_b])"
    _copy(tmp_path, gradient, gradient + "  # gradfix: ignore[int_dtype]")
    report = json.loads(run_cli("check", "--format", "json", "train.py", cwd=tmp_path).stdout)["files"][0]
    assert sorted(f["variable"] for f in report["findings"]) == ["head_b", "w"] and report["suppressed"] == []
