"""The real bare repository behind a fake GitHub repository.

The bot pushes with plain `git push`, outside the server, so branch state is read from the bare
repository on every request and never cached.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# GitHub's identity on the merge commits its merge button makes.
MERGE_IDENTITY = {"GIT_AUTHOR_NAME": "GitHub", "GIT_AUTHOR_EMAIL": "noreply@github.com",
                  "GIT_COMMITTER_NAME": "GitHub", "GIT_COMMITTER_EMAIL": "noreply@github.com"}


class MergeConflict(RuntimeError):
    """The head branch does not merge cleanly into the base branch."""


@dataclass(frozen=True)
class DiffStats:
    commits: int
    additions: int
    deletions: int
    changed_files: int


@dataclass(frozen=True)
class BareRepo:
    path: Path

    def git(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "--git-dir", str(self.path), *args], capture_output=True, text=True)

    def branch_sha(self, branch: str) -> str | None:
        """The commit `branch` points at now, or None when there is no such branch."""
        done = self.git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}")
        return done.stdout.strip() if done.returncode == 0 else None

    def branches(self) -> dict[str, str]:
        done = self.git("for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/")
        return dict(line.split(" ", 1) for line in done.stdout.splitlines())

    def commits_between(self, base_sha: str, head_sha: str) -> int:
        """How many commits `head_sha` has that `base_sha` lacks (GitHub's "No commits between" check)."""
        done = self.git("rev-list", "--count", f"{base_sha}..{head_sha}")
        return int(done.stdout) if done.returncode == 0 else 0

    def diff_stats(self, base_sha: str, head_sha: str) -> DiffStats:
        """The pull request's size as GitHub reports it: against the merge base, binary files as 0 lines."""
        commits = self.commits_between(base_sha, head_sha)
        done = self.git("diff", "--numstat", f"{base_sha}...{head_sha}")
        additions = deletions = files = 0
        for line in done.stdout.splitlines() if done.returncode == 0 else ():
            added, deleted, _ = line.split("\t", 2)
            files += 1
            additions += int(added) if added.isdigit() else 0
            deletions += int(deleted) if deleted.isdigit() else 0
        return DiffStats(commits, additions, deletions, files)

    def merge(self, head: str, base: str, message: str) -> str:
        """Merge branch `head` into branch `base` with a merge commit, as GitHub's merge button does.

        Done in a throw-away clone so that it works with any git version and leaves the bare
        repository exactly as a push would. Returns the merge commit's sha.
        """
        env = {**os.environ, **MERGE_IDENTITY}
        with tempfile.TemporaryDirectory(prefix="fake-github-merge-") as work:
            steps = [
                ("clone", ["clone", "--quiet", "--branch", base, str(self.path), work]),
                ("fetch", ["-C", work, "fetch", "--quiet", "origin", f"refs/heads/{head}"]),
                ("merge", ["-C", work, "-c", "commit.gpgsign=false", "merge", "--no-ff", "--quiet",
                           "-m", message, "FETCH_HEAD"]),
                ("push", ["-C", work, "push", "--quiet", "origin", f"HEAD:refs/heads/{base}"]),
            ]
            for name, args in steps:
                done = subprocess.run(["git", *args], capture_output=True, text=True, env=env)
                if done.returncode != 0:
                    error = MergeConflict if name == "merge" else RuntimeError
                    raise error(f"git {name} failed merging {head} into {base}: {done.stderr.strip()[:300]}")
        sha = self.branch_sha(base)
        assert sha is not None
        return sha
