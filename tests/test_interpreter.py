"""The user's interpreter: a second virtual environment with TensorFlow but without gradfix."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS

from gradfix.interpreter import candidates, default_python

SEED1 = CORPUS / "seed_untracked_variable" / "train.py"
# the probed script proves where it runs: no gradfix importable there, and, asked with the argument
# `where`, it names its interpreter and stops, so that gradfix shows what it said (its sandbox keeps
# every file it could write from the test)
PROLOGUE = ("import importlib.util, sys\n"
            "assert importlib.util.find_spec('gradfix') is None, 'gradfix is importable'\n"
            "if sys.argv[1:] == ['where']:\n"
            "    print('interpreter:', sys.executable)\n"
            "    sys.exit(3)\n")


@pytest.fixture(scope="module")
def tf_venv(tmp_path_factory) -> Path:
    """A venv whose site-packages reach TensorFlow (through a .pth line) but not gradfix: the
    editable install's own .pth files are not processed for a folder added that way."""
    root = tmp_path_factory.mktemp("tfenv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    tf_site = Path(importlib.util.find_spec("tensorflow").origin).parents[1]
    [site] = list((root / "lib").glob("python3*/site-packages"))
    (site / "reach_tensorflow.pth").write_text(f"{tf_site}\n")
    return root


def _gradfix(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """gradfix as installed in this venv (no PYTHONPATH: the probe must not find gradfix through it)."""
    full = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "CONDA_PREFIX")}
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "gradfix", *args], cwd=cwd, env=full, capture_output=True,
                          text=True, timeout=600)


def _script(tmp_path: Path) -> Path:
    script = tmp_path / "train.py"
    script.write_text(PROLOGUE + SEED1.read_text())
    return script


def _ran_under(run: subprocess.CompletedProcess) -> str:
    """The interpreter the script named (asked with `where`), from its last output under gradfix's error."""
    assert run.returncode == 2 and "exited with status 3" in run.stderr, run.stderr
    [line] = [line for line in run.stderr.splitlines() if line.startswith("  | interpreter: ")]
    return line[len("  | interpreter: "):]


def test_python_flag_runs_the_probe_in_another_venv_without_gradfix(tf_venv, tmp_path):
    script = _script(tmp_path)
    for python in (str(tf_venv / "bin" / "python"), str(tf_venv)):  # the interpreter, or the venv
        run = _gradfix("check", "--python", python, script.name, "--", "where", cwd=tmp_path)
        assert _ran_under(run) == str(tf_venv / "bin" / "python")
    run = _gradfix("apply", "--dry-run", "--python", str(tf_venv), script.name, cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert "w has no gradient" in run.stderr and "+    y = w * x" in run.stdout


def test_the_active_venv_is_the_default(tf_venv, tmp_path):
    script = _script(tmp_path)
    run = _gradfix("check", script.name, "--", "where", cwd=tmp_path, env={"VIRTUAL_ENV": str(tf_venv)})
    assert _ran_under(run) == str(tf_venv / "bin" / "python")


def test_default_order_virtual_env_then_conda_then_local_venv_then_this(tmp_path):
    for name in ("active", "conda", "project/.venv"):
        (tmp_path / name / "bin").mkdir(parents=True)
        (tmp_path / name / "bin" / "python").write_text("")
    project = tmp_path / "project"
    both = {"VIRTUAL_ENV": str(tmp_path / "active"), "CONDA_PREFIX": str(tmp_path / "conda")}
    assert candidates(project, both) == [str(tmp_path / n / "bin" / "python") for n in ("active", "conda")] + [
        str(project / ".venv" / "bin" / "python"), sys.executable]
    assert candidates(tmp_path, {"VIRTUAL_ENV": str(tmp_path / "gone")}) == [sys.executable]
    assert default_python(tmp_path, {"VIRTUAL_ENV": str(tmp_path / "gone")}) == sys.executable


def test_the_first_candidate_with_tensorflow_wins(tf_venv, tmp_path):
    """pre-commit and pipx activate their own venv: it is passed over when it lacks TensorFlow."""
    tool = tmp_path / "tool-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tool)], check=True)
    project = tmp_path / "project"
    project.mkdir()
    (project / ".venv").symlink_to(tf_venv)
    assert default_python(project, {"VIRTUAL_ENV": str(tool)}) == str(project / ".venv" / "bin" / "python")
    assert default_python(project, {"VIRTUAL_ENV": str(tf_venv)}) == str(tf_venv / "bin" / "python")


def test_an_interpreter_without_tensorflow_is_one_clear_line(tmp_path):
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    script = _script(tmp_path)
    run = _gradfix("check", "--python", str(bare / "bin" / "python"), script.name, cwd=tmp_path)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    [line] = run.stderr.strip().splitlines()
    assert line.startswith("error: ") and "cannot import TensorFlow" in line and str(bare) in line
    missing = _gradfix("check", "--python", str(tmp_path / "nope" / "python"), script.name, cwd=tmp_path)
    assert missing.returncode == 2 and missing.stderr.strip().endswith("no such interpreter")
