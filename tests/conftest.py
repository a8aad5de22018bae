"""Shared fixtures: one real zygote for the whole session (TensorFlow is imported once)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fake_github.fixtures import github_server  # noqa: F401  (the GitHub contract server)

# The analysis and the codemods re-raise what they would decline on quietly for a user, so a bug in
# them fails a test (property tests included) instead of passing as a decline (gradfix.errors.strict).
os.environ["GRADFIX_STRICT"] = "1"

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def runner():
    from gradfix.runner import Runner

    with Runner(isolation="fork") as r:
        yield r


@pytest.fixture
def write_script(tmp_path):
    """Write a dedented script into a fresh folder and return its path."""

    def write(code: str, name: str = "train.py") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(code), encoding="utf-8")
        return path

    return write


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m gradfix ARGS`` as a real process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "gradfix", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def processes_with(text: str) -> list[int]:
    """Live processes (zombies aside) whose command line holds ``text``."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{name}/cmdline").read_bytes()
            state = Path(f"/proc/{name}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if text.encode() in cmdline and state != b"Z":
            found.append(int(name))
    return found
