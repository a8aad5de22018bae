"""``gradfix apply --interactive``: real processes answering the prompt, through a pipe and a
pseudo-terminal (colours there, unless NO_COLOR)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from conftest import CORPUS, ROOT

SEED1 = CORPUS / "seed_untracked_variable" / "train.py"
SEED2 = CORPUS / "seed_numpy_after_tape" / "train.py"
HELPER_CASE = CORPUS / "multifile_losses_numpy_huber"


def _apply(cwd: Path, answers: str, *paths: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "gradfix", "apply", "--interactive", *paths], cwd=cwd,
                          input=answers, env=full, capture_output=True, text=True, timeout=600)


def _two_scripts(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    shutil.copy(SEED1, a)
    shutil.copy(SEED2, b)
    return a, b


def test_yes_and_no_per_fix(tmp_path):
    a, b = _two_scripts(tmp_path)
    run = _apply(tmp_path, "n\ny\n", "a.py", "b.py")
    assert run.returncode == 1, run.stderr  # a.py's fault remains
    assert a.read_bytes() == SEED1.read_bytes() and b.read_bytes() != SEED2.read_bytes()
    assert run.stdout.count("Apply this fix?") == 2
    assert "a.py:10 (step 1)  w: gradient None -> 8" in run.stdout and "loss: 4.0 -> 4.0" in run.stdout
    assert "skipped hoist-into-tape for a.py" in run.stdout and "wrote hoist-into-tape+numpy-to-tf for b.py" in run.stdout
    assert "\x1b[" not in run.stdout  # not a terminal: no colours


def test_all_accepts_this_and_every_later_fix(tmp_path):
    a, b = _two_scripts(tmp_path)
    run = _apply(tmp_path, "a\n", "a.py", "b.py")
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("Apply this fix?") == 1
    assert a.read_bytes() != SEED1.read_bytes() and b.read_bytes() != SEED2.read_bytes()


def test_quit_and_end_of_input_write_nothing_more(tmp_path):
    a, b = _two_scripts(tmp_path)
    for answers in ("q\n", ""):
        run = _apply(tmp_path, answers, "a.py", "b.py")
        assert run.returncode == 1, run.stderr
        assert run.stdout.count("Apply this fix?") == 1 and "b.py" not in run.stdout.split("Apply this fix?")[0]
        assert a.read_bytes() == SEED1.read_bytes() and b.read_bytes() == SEED2.read_bytes()


def test_what_remains_is_verified_again_after_each_accepted_fix(tmp_path):
    """Two scripts share a broken helper: once the first fix (in the helper) is accepted, the second
    script is examined on the fixed helper and needs nothing."""
    for name in ("train.py", "losses.py"):
        shutil.copy(HELPER_CASE / name, tmp_path / name)
    shutil.copy(HELPER_CASE / "train.py", tmp_path / "train2.py")
    run = _apply(tmp_path, "y\n", "train.py", "train2.py")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("Apply this fix?") == 1
    assert (tmp_path / "losses.py").read_text() == (HELPER_CASE / "fixed" / "losses.py").read_text()
    assert (tmp_path / "train2.py").read_bytes() == (HELPER_CASE / "train.py").read_bytes()


def _in_terminal(tmp_path: Path, env: dict) -> str:
    import pty

    master, slave = pty.openpty()
    full = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    full.update(PYTHONPATH=str(ROOT), TERM="xterm", **env)
    proc = subprocess.Popen([sys.executable, "-m", "gradfix", "apply", "-i", "a.py"], cwd=tmp_path, env=full,
                            stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    out = b""
    answered = False
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        out += chunk
        if not answered and b"[q]uit" in out:
            os.write(master, b"n\n")
            answered = True
    proc.wait(timeout=60)
    os.close(master)
    return out.decode(errors="replace")


def test_colours_on_a_terminal_and_none_with_no_color(tmp_path):
    shutil.copy(SEED1, tmp_path / "a.py")
    coloured = _in_terminal(tmp_path, {})
    assert "\x1b[32m+    y = w * x" in coloured and "\x1b[31m-y = w * x" in coloured
    plain = _in_terminal(tmp_path, {"NO_COLOR": "1"})
    assert "Apply this fix?" in plain and "\x1b[3" not in plain
