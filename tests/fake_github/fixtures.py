"""pytest fixture and git helpers for tests that run a client against the fake GitHub.

Import into tests/conftest.py with `from fake_github.fixtures import github_server  # noqa: F401`
(tests/ is on sys.path there, as for `oracle`).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from .server import GitHubServer

GIT_IDENTITY = {"GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.com",
                "GIT_COMMITTER_NAME": "Test Author", "GIT_COMMITTER_EMAIL": "author@example.com"}


@pytest.fixture
def github_server() -> Iterator[GitHubServer]:
    """A started fake GitHub; the test fails at teardown if any exchange broke GitHub's contract.

    A test that provokes violations on purpose checks them and then calls `reset_log()`.
    """
    with GitHubServer() as server:
        yield server
        server.assert_no_violations()


def git(*args: str, cwd: Path | None = None) -> str:
    """Run git with a fixed identity, failing loudly; returns stdout."""
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **GIT_IDENTITY})
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def make_bare_repo(root: Path, files: dict[str, str] | None = None, branch: str = "main") -> Path:
    """A bare repository at root/origin.git whose `branch` has one commit with `files`."""
    bare = root / "origin.git"
    git("init", "--quiet", "--bare", str(bare))
    git("--git-dir", str(bare), "symbolic-ref", "HEAD", f"refs/heads/{branch}")
    push_branch(bare, branch, files or {"README.md": "hello\n"}, base=None)
    return bare


def push_branch(bare: Path, branch: str, files: dict[str, str], base: str | None = "main",
                message: str = "change") -> str:
    """Commit `files` on top of `base` (None: a root commit) and push it as `branch`; returns its sha."""
    with tempfile.TemporaryDirectory(prefix="fake-github-work-") as tmp:
        work = Path(tmp)
        git("init", "--quiet", str(work))
        if base is not None:
            git("fetch", "--quiet", str(bare), f"refs/heads/{base}", cwd=work)
            git("checkout", "--quiet", "-B", "work", "FETCH_HEAD", cwd=work)
        for name, text in files.items():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            (work / name).write_text(text)
        git("add", "--all", cwd=work)
        git("commit", "--quiet", "-m", message, cwd=work)
        git("push", "--quiet", "--force", str(bare), f"HEAD:refs/heads/{branch}", cwd=work)
        return git("rev-parse", "HEAD", cwd=work)
