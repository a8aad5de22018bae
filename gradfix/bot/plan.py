"""What the bot should do, decided from what it found: a pure function, no network, no git.

The rules (those of Renovate and pre-commit.ci):
- one pull request per fix set, on the branch its fingerprint names; an open one is updated, never
  duplicated;
- a fix whose pull request a maintainer closed without merging is not proposed again (a merged one
  may be, if the fault comes back);
- gradfix closes its own pull request when the script it fixed now gets all its gradients, or
  needs a different fix (superseded);
- at most ``max_open`` gradfix pull requests are open at once; updates are always made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gradfix.bot.body import marker_of
from gradfix.bot.fixset import BRANCH_PREFIX, FixSet
from gradfix.bot.forge import PullRequest


@dataclass(frozen=True)
class Create:
    fix: FixSet


@dataclass(frozen=True)
class Update:
    fix: FixSet
    pull: PullRequest


@dataclass(frozen=True)
class Declined:
    """A maintainer closed this fix's pull request without merging it."""

    fix: FixSet
    pull: PullRequest


@dataclass(frozen=True)
class Capped:
    fix: FixSet
    max_open: int


@dataclass(frozen=True)
class Close:
    pull: PullRequest
    reason: str


Action = Create | Update | Declined | Capped | Close


def ours(pull: PullRequest) -> bool:
    """A pull request gradfix opened: its branch and its body say so."""
    return pull.head.startswith(BRANCH_PREFIX) and marker_of(pull.body) is not None


def plan(fixes: Sequence[FixSet], open_for: Mapping[str, PullRequest | None],
         closed_for: Mapping[str, Sequence[PullRequest]], open_pulls: Sequence[PullRequest],
         script_status: Mapping[str, str], base: str, max_open: int) -> list[Action]:
    """The actions, closes first (they free room under the cap).

    ``open_for``/``closed_for`` map a fix's branch to its open pull request and its closed ones;
    ``open_pulls`` are all open pull requests; ``script_status`` maps every script examined in this
    run to its outcome ("healthy", "repaired", "unrepaired", "error", "skipped")."""
    wanted = {f.fingerprint for f in fixes}
    actions: list[Action] = []
    still_open = 0
    for pull in open_pulls:
        marker = marker_of(pull.body)
        if not ours(pull) or marker is None:
            continue
        status = script_status.get(marker.script)
        if marker.fingerprint in wanted or marker.base != base or pull.base != base:
            still_open += 1  # kept: updated below, or not ours to judge
            continue
        if status == "healthy":
            actions.append(Close(pull, f"`{marker.script}` now gets every gradient on `{base}`; "
                                       f"this fix is no longer needed."))
        elif status == "repaired":
            actions.append(Close(pull, f"`{marker.script}` needs a different fix now; "
                                       f"a new pull request carries it."))
        else:  # not examined this time, or could not be judged: leave it to the maintainers
            still_open += 1

    for fix in fixes:
        pull = open_for.get(fix.branch)
        if pull is not None:
            actions.append(Update(fix, pull))
            continue
        refused = [p for p in closed_for.get(fix.branch, ()) if _declined(p, fix)]
        if refused:
            actions.append(Declined(fix, refused[0]))
        elif still_open >= max_open:
            actions.append(Capped(fix, max_open))
        else:
            actions.append(Create(fix))
            still_open += 1
    return actions


def _declined(pull: PullRequest, fix: FixSet) -> bool:
    marker = marker_of(pull.body)
    return (pull.state == "closed" and not pull.merged and marker is not None
            and marker.fingerprint == fix.fingerprint and not marker.closed_by_gradfix)
