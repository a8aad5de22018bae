"""Git, through the ``git`` command: build the fix commit without touching the checkout, push it.

The commit is made with plumbing (a private index file, ``commit-tree``), so the user's working
tree, index and branches stay as they were. It is deterministic: author, committer and dates come
from gradfix and the base commit, so the same fix on the same base is the same commit, and a run
that changes nothing pushes nothing.
"""

from __future__ import annotations

import base64
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from gradfix.bot.fixset import FileChange
from gradfix.bot.secrets import redact
from gradfix.errors import GradfixError

IDENTITY = {"GIT_AUTHOR_NAME": "gradfix", "GIT_AUTHOR_EMAIL": "gradfix-bot@users.noreply.github.com",
            "GIT_COMMITTER_NAME": "gradfix", "GIT_COMMITTER_EMAIL": "gradfix-bot@users.noreply.github.com"}


class GitError(GradfixError):
    """A git command failed; the message carries git's own words, secrets removed."""


def check_remote(remote: str) -> str:
    """A remote name or a URL, never something git would read as an option."""
    if not remote or remote.startswith("-") or any(c in remote for c in "\0\n\r"):
        raise GitError(f"remote {remote!r}: expected a remote name or an https URL")
    return remote


class Git:
    def __init__(self, root: Path, token: str | None = None, hosts: tuple[str, ...] = ()):
        """``token``: sent to https remotes on one of ``hosts`` (the code host's, see ``_auth``)."""
        self.root = root
        self.token = token
        self.hosts = tuple(h.lower() for h in hosts)

    @classmethod
    def at(cls, path: Path, token: str | None = None, hosts: tuple[str, ...] = ()) -> Git:
        """The repository holding ``path`` (its top folder becomes ``root``)."""
        folder = path if path.is_dir() else path.parent
        try:
            out = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True,
                                 text=True, check=True).stdout.strip()
        except FileNotFoundError:
            raise GitError("git is not installed (gradfix bot needs the git command)") from None
        except subprocess.CalledProcessError:
            raise GitError(f"{path}: not inside a git repository") from None
        return cls(Path(out).resolve(), token, hosts)

    def run(self, *args: str, env: Mapping[str, str] | None = None, input: bytes | None = None,
            remote: str | None = None) -> str:
        full = {**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {}), **self._auth(remote)}
        proc = subprocess.run(["git", *args], cwd=self.root, env=full, input=input, capture_output=True)
        if proc.returncode != 0:
            words = proc.stderr.decode(errors="replace").strip().splitlines()
            raise GitError(redact(f"git {args[0]} failed: {words[-1] if words else 'exit ' + str(proc.returncode)}"))
        return proc.stdout.decode(errors="replace").strip()

    def _auth(self, remote: str | None) -> dict[str, str]:
        """For an https remote on the code host, the token as an HTTP header passed through git's
        environment configuration: never on a command line, in a URL or in a file, never to another
        host, and no redirect followed with it."""
        if remote is None or self.token is None:
            return {}
        url = remote if "://" in remote else self._remote_url(remote)
        parts = urlsplit(url)
        if parts.scheme != "https" or parts.username or (parts.hostname or "").lower() not in self.hosts:
            return {}
        creds = base64.b64encode(f"x-access-token:{self.token}".encode()).decode()
        key = f"http.{parts.scheme}://{parts.netloc}/.extraheader"
        # an empty value first drops a header actions/checkout may have stored for the same host
        return {"GIT_CONFIG_COUNT": "3", "GIT_CONFIG_KEY_0": key, "GIT_CONFIG_VALUE_0": "",
                "GIT_CONFIG_KEY_1": key, "GIT_CONFIG_VALUE_1": f"AUTHORIZATION: basic {creds}",
                "GIT_CONFIG_KEY_2": "http.followRedirects", "GIT_CONFIG_VALUE_2": "false"}

    def _remote_url(self, name: str) -> str:
        """The URL of the remote ``name``; ``name`` itself when it is no remote's name (a path)."""
        proc = subprocess.run(["git", "remote", "get-url", "--", check_remote(name)], cwd=self.root,
                              capture_output=True, text=True)
        return proc.stdout.strip() if proc.returncode == 0 else name

    # ------------------------------------------------------------------ reading

    def head(self) -> str:
        return self.run("rev-parse", "--verify", "HEAD^{commit}")

    def branch(self) -> str | None:
        """The branch checked out, or None on a detached HEAD."""
        try:
            return self.run("symbolic-ref", "--quiet", "--short", "HEAD")
        except GitError:
            return None

    def uncommitted(self, paths: Sequence[str]) -> list[str]:
        """Those of ``paths`` whose working copy differs from HEAD (or that HEAD lacks)."""
        if not paths:
            return []
        out = self.run("status", "--porcelain", "-z", "--untracked-files=all", "--", *paths)
        return sorted({entry[3:] for entry in out.split("\0") if len(entry) > 3})

    def remote_sha(self, remote: str, branch: str) -> str | None:
        out = self.run("ls-remote", "--heads", "--", check_remote(remote), f"refs/heads/{branch}", remote=remote)
        return out.split()[0] if out else None

    def edited_by_others(self, remote: str, branch: str) -> bool:
        """Whether the tip of ``branch`` on ``remote`` was committed by someone other than gradfix
        (a maintainer pushed to the fix branch: from then on it is theirs)."""
        self.run("fetch", "--quiet", "--no-tags", "--", check_remote(remote), f"refs/heads/{branch}", remote=remote)
        return self.run("log", "-1", "--format=%ce", "FETCH_HEAD") != IDENTITY["GIT_COMMITTER_EMAIL"]

    # ------------------------------------------------------------------ writing

    def commit(self, parent: str, changes: Sequence[FileChange], message: str) -> str:
        """A commit of ``parent``'s tree with ``changes``, made without touching the checkout."""
        date = self.run("log", "-1", "--format=@%ct %cz", parent)
        env = {**IDENTITY, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        with tempfile.TemporaryDirectory(prefix="gradfix-index-") as tmp:
            env["GIT_INDEX_FILE"] = str(Path(tmp) / "index")
            self.run("read-tree", parent, env=env)
            for change in changes:
                blob = self.run("hash-object", "-w", "--stdin", input=change.data)
                mode = self._mode(parent, change.path)
                self.run("update-index", "--add", "--cacheinfo", f"{mode},{blob},{change.path}", env=env)
            tree = self.run("write-tree", env=env)
        return self.run("commit-tree", tree, "-p", parent, "-F", "-", env=env, input=message.encode())

    def _mode(self, commit: str, path: str) -> str:
        out = self.run("ls-tree", commit, "--", path)
        return out.split()[0] if out else "100644"

    def push(self, remote: str, commit: str, branch: str, expected: str | None) -> None:
        """Point ``branch`` at ``commit`` on ``remote``, only if it still is at ``expected`` (None:
        absent); a branch someone else moved in between is not overwritten."""
        lease = f"--force-with-lease=refs/heads/{branch}:{expected or ''}"
        self.run("push", "--porcelain", lease, "--", check_remote(remote), f"{commit}:refs/heads/{branch}",
                 remote=remote)

    def delete_branch(self, remote: str, branch: str, expected: str) -> None:
        lease = f"--force-with-lease=refs/heads/{branch}:{expected}"
        self.run("push", "--porcelain", lease, "--", check_remote(remote), f":refs/heads/{branch}", remote=remote)
