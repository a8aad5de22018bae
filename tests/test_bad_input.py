"""Bad files on the command line: one clear line on stderr, exit 2, nothing written — each row with a
real ``gradfix`` process. (Misbehaving *programs* are in tests/test_faults.py.)"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from conftest import CORPUS, run_cli

SEED1 = CORPUS / "seed_untracked_variable" / "train.py"


def _one_clear_line(proc: subprocess.CompletedProcess, words: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def _missing(folder):
    return "gone.py"


def _empty_folder(folder):
    (folder / "sub").mkdir()
    (folder / "sub" / "notes.txt").write_text("no python here\n")
    return "sub"


def _syntax_error(folder):
    (folder / "t.py").write_text("import tensorflow as tf\ndef broken(:\n")
    return "t.py"


def _latin1_without_cookie(folder):
    (folder / "t.py").write_bytes(b"x = '\xe9t\xe9'\n")
    return "t.py"


def _binary(folder):
    (folder / "t.py").write_bytes(bytes(range(256)) * 8)
    return "t.py"


def _empty(folder):
    (folder / "t.py").write_bytes(b"")
    return "t.py"


def _blank(folder):
    (folder / "t.py").write_bytes(b"\n\n   \n")
    return "t.py"


def _ten_megabytes(folder):
    (folder / "t.py").write_bytes(b"x = 1\n" * (10 * 1024 * 1024 // 6))
    return "t.py"


def _symlink_loop(folder):
    os.symlink("b.py", folder / "a.py")
    os.symlink("a.py", folder / "b.py")
    return "a.py"


def _broken_symlink(folder):
    os.symlink("nowhere.py", folder / "t.py")
    return "t.py"


def _directory_named_like_a_script(folder):
    (folder / "t.py").mkdir()
    return "t.py"


ROWS = [
    (_missing, "no such file or directory"),
    (_empty_folder, "no Python files"),
    (_syntax_error, "t.py:2:12: syntax error"),
    (_latin1_without_cookie, "not valid utf-8 text and no valid encoding declaration"),
    (_binary, "binary file, not Python source"),
    (_empty, "empty file, nothing to run"),
    (_blank, "empty file, nothing to run"),
    (_ten_megabytes, "file too large"),
    (_symlink_loop, "a.py: symlink loop"),
    (_broken_symlink, "t.py: broken symlink"),
    (_directory_named_like_a_script, "no Python files"),
]


@pytest.mark.parametrize("command", ["check", "apply"])
@pytest.mark.parametrize("make, words", ROWS, ids=[make.__name__.strip("_") for make, _ in ROWS])
def test_bad_file_is_one_line_and_nothing_is_written(tmp_path, make, words, command):
    target = make(tmp_path)
    before = {p: p.read_bytes() if p.is_file() else None for p in tmp_path.rglob("*") if not p.is_symlink()}
    _one_clear_line(run_cli(command, target, cwd=tmp_path), words)
    after = {p: p.read_bytes() if p.is_file() else None for p in tmp_path.rglob("*") if not p.is_symlink()}
    assert after == before


def test_read_only_file_on_apply_is_one_line_and_untouched(tmp_path):
    path = tmp_path / "train.py"
    shutil.copy(SEED1, path)
    path.chmod(0o444)
    before = path.read_bytes()
    _one_clear_line(run_cli("apply", "train.py", cwd=tmp_path), "read-only file; nothing written")
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]
    dry = run_cli("apply", "--dry-run", "train.py", cwd=tmp_path)  # a diff can still be reviewed
    assert dry.returncode == 1 and "+    y = w * x" in dry.stdout
