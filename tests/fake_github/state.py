"""What the fake GitHub knows: tokens, apps, repositories and their pull requests.

Branches are not here: they live in each repository's bare git directory (see gitrepo.py).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .gitrepo import BareRepo


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@dataclass(frozen=True)
class Token:
    """An access token the server accepts (the value itself is the dictionary key, never logged)."""

    login: str
    write: bool
    # Full names ("owner/name") the token may see; None for a personal token that sees every repository.
    repos: frozenset[str] | None = None

    def can_see(self, full_name: str) -> bool:
        return self.repos is None or full_name in self.repos


@dataclass(frozen=True)
class App:
    """A GitHub App installed on some repositories (one installation per app is enough here)."""

    app_id: int
    public_key_pem: str
    installation_id: int
    repos: tuple[str, ...]
    installed_at: datetime = field(default_factory=now)

    @property
    def slug(self) -> str:
        return f"fake-app-{self.app_id}"

    @property
    def bot_login(self) -> str:
        """The login GitHub shows for what an installation token does: `<slug>[bot]`."""
        return f"{self.slug}[bot]"


@dataclass
class Comment:
    id: int
    body: str
    login: str
    created_at: datetime


@dataclass
class PullRecord:
    """A pull request as the maintainer sees it; `head_sha`/`base_sha` are the last ones seen in git."""

    number: int
    id: int
    title: str
    body: str | None
    head: str
    base: str
    user: str
    head_sha: str
    base_sha: str
    draft: bool = False
    maintainer_can_modify: bool = False
    state: str = "open"
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    closed_at: datetime | None = None
    merged_at: datetime | None = None
    merge_commit_sha: str | None = None
    merged_by: str | None = None
    labels: list[str] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)

    @property
    def merged(self) -> bool:
        return self.merged_at is not None


@dataclass
class Repo:
    owner: str
    name: str
    git: BareRepo
    default_branch: str
    id: int
    created_at: datetime = field(default_factory=now)
    pulls: dict[int, PullRecord] = field(default_factory=dict)
    # Label name -> id: GitHub creates a repository label the first time a name is used.
    labels: dict[str, int] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def next_number(self) -> int:
        return max(self.pulls, default=0) + 1

    def sync(self) -> None:
        """Catch up with pushes made since the last request, as GitHub does when they happen.

        An open pull request follows its branches; one whose head or base branch was deleted is
        closed, keeping the last shas seen.
        """
        branches = self.git.branches()
        for pull in self.pulls.values():
            if pull.state != "open":
                continue
            if pull.head not in branches or pull.base not in branches:
                pull.state = "closed"
                pull.closed_at = pull.updated_at = now()
                continue
            if branches[pull.head] != pull.head_sha:
                pull.head_sha, pull.updated_at = branches[pull.head], now()
            pull.base_sha = branches[pull.base]


@dataclass
class World:
    """Everything the server holds; callers hold the server's lock while touching it."""

    tokens: dict[str, Token] = field(default_factory=dict)
    apps: dict[int, App] = field(default_factory=dict)
    repos: dict[str, Repo] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1001))

    def new_id(self) -> int:
        """A fresh id for any object; ids are unique across kinds, which GitHub's are not required to be."""
        return next(self._ids)

    def user_id(self, login: str) -> int:
        if login not in self.user_ids:
            self.user_ids[login] = self.new_id()
        return self.user_ids[login]
