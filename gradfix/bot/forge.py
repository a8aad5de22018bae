"""What the bot needs from a code host, and nothing more: gradfix's own small interface.

``gradfix.bot.github`` implements it with PyGithub; the bot's logic sees only these types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class PullRequest:
    number: int
    state: str  # "open" | "closed"
    title: str
    body: str
    head: str  # branch name
    base: str
    merged: bool
    url: str


class Forge(Protocol):
    def pulls(self, state: str, head: str | None = None) -> list[PullRequest]:
        """Pull requests in ``state`` ("open", "closed", "all"), optionally of one head branch."""
        ...

    def create(self, head: str, base: str, title: str, body: str) -> PullRequest: ...

    def update(self, number: int, *, title: str | None = None, body: str | None = None,
               state: str | None = None) -> PullRequest: ...

    def comment(self, number: int, text: str) -> None: ...
