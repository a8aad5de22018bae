"""The command line as users and their CI run it: real processes, real TensorFlow."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import unidiff
from conftest import CORPUS, run_cli

SEED1 = CORPUS / "seed_untracked_variable" / "train.py"
SEED2 = CORPUS / "seed_numpy_after_tape" / "train.py"


def _one_clear_line(proc: subprocess.CompletedProcess, words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


@pytest.fixture
def seed1(tmp_path):
    path = tmp_path / "train.py"
    shutil.copy(SEED1, path)
    return path


def test_seed1_dry_run_apply_check(seed1):
    before = seed1.read_bytes()
    dry = run_cli("apply", "--dry-run", seed1.name, cwd=seed1.parent)
    assert dry.returncode == 1, dry.stderr
    assert seed1.read_bytes() == before  # --dry-run writes nothing
    (patched,) = unidiff.PatchSet(dry.stdout)
    removed = [l.value.strip() for h in patched for l in h if l.is_removed]
    added = [l.value for h in patched for l in h if l.is_added]
    assert "y = w * x           # Computation outside GradientTape" in removed
    assert any(l.startswith("    y = w * x") for l in added)  # now indented inside the tape
    assert "hoist-into-tape" in dry.stderr and "w has no gradient" in dry.stderr

    (seed1.parent / "fix.patch").write_text(dry.stdout)
    subprocess.run(["git", "apply", "--check", "fix.patch"], cwd=seed1.parent, check=True)

    applied = run_cli("apply", seed1.name, cwd=seed1.parent)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "fixed by hoist-into-tape" in applied.stdout
    assert seed1.read_text().count("    y = w * x") == 1
    assert run_cli("check", seed1.name, cwd=seed1.parent).returncode == 0


def test_seed2_diff_moves_numpy_maths_into_tape_as_tf(tmp_path):
    path = tmp_path / "train.py"
    shutil.copy(SEED2, path)
    dry = run_cli("apply", "--dry-run", "train.py", cwd=tmp_path)
    assert dry.returncode == 1, dry.stderr
    added = [l.value for h in unidiff.PatchSet(dry.stdout)[0] for l in h if l.is_added]
    assert any("tf.sqrt(" in l and l.startswith("    ") for l in added), dry.stdout
    assert not any("np.sqrt" in l or ".numpy()" in l for l in added)
    assert run_cli("apply", "train.py", cwd=tmp_path).returncode == 0
    assert run_cli("check", "train.py", cwd=tmp_path).returncode == 0


def test_check_json_report(seed1):
    proc = run_cli("check", "--format", "json", str(seed1))
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["version"] == 1
    (entry,) = report["files"]
    assert entry["status"] == "repaired" and entry["error"] is None
    (call,) = entry["gradient_calls"]
    assert call["line"] == 10 and call["loss"] == 4.0
    assert call["sources"] == [{"name": "w", "dtype": "float32", "shape": [], "has_gradient": False,
                                "finite": True, "norm": None}]
    (finding,) = entry["findings"]
    assert (finding["variable"], finding["line"], finding["cause"]) == ("w", 10, "outside_tape")
    assert finding["cause_line"] == 6
    fix = entry["fix"]
    assert fix["codemods"] == ["hoist-into-tape"] and fix["safety"] == "safe" and fix["verified"]
    assert fix["evidence"]["variables"][0]["before"] is False and fix["evidence"]["variables"][0]["after"]
    assert fix["evidence"]["loss_before"] == fix["evidence"]["loss_after"] == 4.0


def test_missing_file(tmp_path):
    _one_clear_line(run_cli("check", str(tmp_path / "nope.py")), "no such file")


def test_folder_without_python_files(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    _one_clear_line(run_cli("check", str(tmp_path)), "no Python files")


def test_syntax_error(tmp_path):
    (tmp_path / "bad.py").write_text("import tensorflow as tf\ndef f(:\n")
    _one_clear_line(run_cli("apply", str(tmp_path / "bad.py")), "syntax error")


def test_non_utf8(tmp_path):
    (tmp_path / "bad.py").write_bytes(b"x = '\xff'\n")
    _one_clear_line(run_cli("check", str(tmp_path / "bad.py")), "not valid utf-8")


def test_script_raising_before_any_gradient(tmp_path):
    (tmp_path / "t.py").write_text("import tensorflow as tf\nraise RuntimeError('no data')\n")
    _one_clear_line(run_cli("check", str(tmp_path / "t.py")), "RuntimeError")


def test_script_without_gradient(tmp_path):
    (tmp_path / "t.py").write_text("import tensorflow as tf\nprint(tf.constant(1.0))\n")
    _one_clear_line(run_cli("check", str(tmp_path / "t.py")), "never computed a gradient")


def test_timeout(tmp_path):
    (tmp_path / "t.py").write_text("import time\nimport tensorflow as tf\ntime.sleep(100)\n")
    _one_clear_line(run_cli("check", "--timeout", "2", str(tmp_path / "t.py")), "timed out after 2 s")


def test_bad_option_is_usage_error(seed1):
    _one_clear_line(run_cli("check", "--format", "xml", str(seed1)), "xml")


def test_script_arguments_after_double_dash(tmp_path):
    (tmp_path / "t.py").write_text(
        "import sys\nimport tensorflow as tf\nw = tf.Variable(1.0)\n"
        "if sys.argv[1:] != ['--lr', '0.1']:\n    raise SystemExit(f'bad args {sys.argv}')\n"
        "with tf.GradientTape() as tape:\n    loss = w * w\nprint(tape.gradient(loss, w))\n")
    assert run_cli("check", str(tmp_path / "t.py"), "--", "--lr", "0.1").returncode == 0
    _one_clear_line(run_cli("check", str(tmp_path / "t.py")), "exited with status 1")


def test_codemods_list_and_explain():
    listing = run_cli("codemods")
    assert listing.returncode == 0
    for name in ("hoist-into-tape", "numpy-to-tf", "scatter-to-mask", "cast-to-float"):
        assert name in listing.stdout
    explain = run_cli("codemods", "hoist-into-tape")
    assert explain.returncode == 0 and "+++ b/example.py" in explain.stdout
    _one_clear_line(run_cli("codemods", "nope"), "no codemod named")


def test_gpu_requested_without_gpu_is_a_clear_error(seed1):
    _one_clear_line(run_cli("check", "--device", "gpu", str(seed1)), "no GPU")


def test_no_verified_fix_writes_nothing_and_says_what_was_tried(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(
        "import tensorflow as tf\n"
        "w = tf.Variable(1.5)\n"
        "y = w * 2.0\n"
        "with tf.GradientTape() as tape:\n"
        "    loss = tf.cast(tf.argsort(tf.stack([y, 1.0]))[0], tf.float32) ** 2\n"
        "print(tape.gradient(loss, w))\n")
    before = path.read_bytes()
    proc = run_cli("apply", str(path))
    assert proc.returncode == 1, proc.stderr
    assert path.read_bytes() == before
    assert "w has no gradient" in proc.stdout and "no verified fix" in proc.stdout
    assert "tried hoist-into-tape: still no gradient for w" in proc.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["train.py"]


def test_apply_keeps_encoding_newlines_and_mode(tmp_path):
    text = SEED1.read_text().replace("# Incorrect implementation", "# Incorrect implementation: caf\xe9")
    data = ("# -*- coding: latin-1 -*-\n" + text).replace("\n", "\r\n").encode("latin-1")
    path = tmp_path / "train.py"
    path.write_bytes(data)
    path.chmod(0o754)
    proc = run_cli("apply", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = path.read_bytes()
    assert b"caf\xe9" in after and after.count(b"\r\n") == data.count(b"\r\n")
    assert b"\n" not in after.replace(b"\r\n", b"")
    assert b"\r\n    y = w * x" in after
    assert path.stat().st_mode & 0o777 == 0o754


def test_identically_zero_gradient_is_a_warning_not_a_fault(tmp_path):
    (tmp_path / "t.py").write_text(
        "import tensorflow as tf\nw = tf.Variable([0.5, -0.3])\n"
        "with tf.GradientTape() as tape:\n    loss = tf.reduce_sum(tf.sign(w) * 2.0)\n"
        "print(tape.gradient(loss, w))\n")
    proc = run_cli("check", "t.py", cwd=tmp_path)
    assert proc.returncode == 0
    assert "t.py:5: the gradient of w is identically zero" in proc.stdout


def test_pyproject_tool_gradfix_supplies_paths_and_options(seed1):
    project = seed1.parent
    (project / "sub").mkdir()
    (project / "pyproject.toml").write_text('[tool.gradfix]\npaths = ["train.py"]\ntimeout = 60\n')
    run = run_cli("check", "--format", "json", cwd=project / "sub")  # found upwards, paths from its folder
    assert run.returncode == 1, run.stderr
    [entry] = json.loads(run.stdout)["files"]
    assert entry["path"] == seed1.as_posix() and entry["findings"][0]["cause"] == "outside_tape"
    (project / "pyproject.toml").write_text('[tool.gradfix]\npaths = ["train.py"]\ntimeout = "soon"\n')
    _one_clear_line(run_cli("check", cwd=project), "[tool.gradfix] timeout must be a number of seconds > 0")
    (project / "pyproject.toml").write_text("[tool.other]\n")
    run = run_cli("check", cwd=project)  # no paths anywhere: the current folder, as Ruff does
    assert run.returncode == 1 and "train.py:10: w has no gradient" in run.stdout


def test_allow_env_lets_one_credential_through_and_no_other(tmp_path):
    """The script says what it sees in its last output, which gradfix shows when it stops before any
    gradient (the sandbox's /tmp is private: it cannot leave a file for the test)."""
    import os

    script = tmp_path / "t.py"
    script.write_text("import os, sys\nfor k in ('WANDB_API_KEY', 'GITHUB_TOKEN', 'HF_TOKEN'):\n"
                      "    print(k, os.environ.get(k, '<absent>'))\nsys.exit(3)\n")
    env = {"WANDB_API_KEY": "wandb-secret", "GITHUB_TOKEN": "ghs_secret", "HF_TOKEN": "hf_secret"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        proc = run_cli("check", "--allow-env", "WANDB_API_KEY", str(script))
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    assert proc.returncode == 2 and "exited with status 3" in proc.stderr, proc.stderr
    assert "  | WANDB_API_KEY wandb-secret" in proc.stderr
    assert "  | GITHUB_TOKEN <absent>" in proc.stderr and "  | HF_TOKEN <absent>" in proc.stderr


def test_sarif_and_github_formats_from_the_command_line(seed1):
    import jsonschema
    from conftest import ROOT

    sarif = run_cli("check", "--format", "sarif", seed1.name, cwd=seed1.parent)
    assert sarif.returncode == 1, sarif.stderr
    log = json.loads(sarif.stdout)
    schema = json.loads((ROOT / "tests" / "data" / "sarif" / "sarif-2.1.0-rtm.5.json").read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "outside_tape" and result["fixes"]
    github = run_cli("check", "--format", "github", seed1.name, cwd=seed1.parent)
    assert github.returncode == 1
    assert github.stdout.startswith("::error file=train.py,line=10,") and "gradfix outside_tape" in github.stdout
