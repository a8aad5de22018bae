"""``gradfix bot``: examine, turn each verified fix into a branch and a pull request, report.

Order: credentials and the repository first (a bad token fails in a second, before TensorFlow
starts), then the scripts, then the plan, then git and GitHub. What happened is returned as
Events; the CLI prints them.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gradfix.bot import markdown as md
from gradfix.bot.body import closed_body, marker_of, render
from gradfix.bot.fixset import FixSet, fix_set
from gradfix.bot.forge import Forge, PullRequest
from gradfix.bot.gitops import Git
from gradfix.bot.plan import Capped, Close, Create, Declined, Update, ours, plan
from gradfix.bot.secrets import register
from gradfix.bot.settings import BotSettings, Credentials, code_hosts
from gradfix.discover import discover
from gradfix.emit import STATUS, finding_line
from gradfix.errors import GradfixError
from gradfix.examine import examine, skip_if_found
from gradfix.types import Failed, Outcome, Repaired, RunOptions, Unrepaired


@dataclass(frozen=True)
class Event:
    """One thing the bot did (or, in a dry run, would do)."""

    kind: str  # created updated unchanged edited declined capped closed patch unrepaired error
    message: str
    branch: str = ""
    title: str = ""
    body: str = ""


@dataclass(frozen=True)
class BotRun:
    events: tuple[Event, ...]
    outcomes: tuple[Outcome, ...]

    @property
    def exit_code(self) -> int:
        """2: a script could not be examined; 1: faults remain without a pull request; else 0."""
        if any(isinstance(o, Failed) for o in self.outcomes):
            return 2
        if any(e.kind in ("capped", "unrepaired", "patch") for e in self.events):
            return 1
        return 0


def run_bot(paths: Sequence[Path], options: RunOptions, settings: BotSettings, creds: Credentials,
            jobs: int) -> BotRun:
    git = Git.at(Path.cwd(), creds.token, code_hosts(settings.api_url, os.environ))
    forge = None if settings.read_only else _forge(settings, creds, git)
    base = settings.base or git.branch() or os.environ.get("GITHUB_REF_NAME") or (
        forge.default_branch if forge is not None else None)
    if base is None:
        raise GradfixError("cannot tell the base branch (detached HEAD): pass --base BRANCH")
    base_sha = git.head()

    outcomes = _examine(paths, options, jobs)
    fixes = _fix_sets(outcomes, git, base)
    events = [Event("unrepaired", line) for o in outcomes if isinstance(o, Unrepaired)
              for line in _lines(o, git.root)]
    events += [Event("error", md.line(o.error)) for o in outcomes if isinstance(o, Failed)]
    if settings.read_only:
        return BotRun(tuple(events + _write_patch(fixes, settings.patch_out, git.root)), tuple(outcomes))

    status = {_rel(o.path, git.root): STATUS[type(o)] for o in outcomes}
    open_pulls = [p for p in forge.pulls("open") if ours(p)] if forge else []
    open_for: dict[str, PullRequest | None] = {}
    closed_for: dict[str, list[PullRequest]] = {}
    for fix in fixes:
        found = forge.pulls("open", head=fix.branch) if forge else []
        open_for[fix.branch] = found[0] if found else None
        if not found:
            closed_for[fix.branch] = forge.pulls("closed", head=fix.branch) if forge else []
    actions = plan(fixes, open_for, closed_for, open_pulls, status, base, settings.max_open)

    act = _Actor(git, forge, settings, base, base_sha, options.script_args)
    for action in actions:
        events.append(act(action))
    return BotRun(tuple(events), tuple(outcomes))


def _forge(settings: BotSettings, creds: Credentials, git: Git) -> Forge | None:
    from gradfix.bot.github import GitHubForge, app_installation_token

    if settings.repo is None:
        if settings.dry_run:
            return None
        raise GradfixError("no repository: pass --repo OWNER/NAME (GitHub Actions sets GITHUB_REPOSITORY)")
    token = creds.token
    if creds.app_id and creds.app_key:
        token = git.token = register(app_installation_token(settings.api_url, creds.app_id, creds.app_key,
                                                            settings.repo))
    if token is None:
        if settings.dry_run:
            return None
        raise GradfixError(f"no token: set {settings.token_env} (or --token-env NAME, or a GitHub App "
                           f"with --app-id and its private key)")
    return GitHubForge(settings.api_url, settings.repo, token)


def _examine(paths: Sequence[Path], options: RunOptions, jobs: int) -> list[Outcome]:
    from gradfix.scan import run_all

    targets = discover(paths)
    work = functools.partial(examine, options=options, write=False)
    named = {Path(p).resolve() for p in paths if not Path(p).is_dir()}
    return [skip_if_found(o, named) for o in (run_all(targets, options, work, jobs) if targets else [])]


def _rel(path: Path, root: Path) -> str:
    path = Path(path).resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()


def _lines(outcome: Repaired | Unrepaired, root: Path) -> list[str]:
    return [md.line(finding_line(f, "no verified fix", root)) for f in outcome.findings]


def _fix_sets(outcomes: Sequence[Outcome], git: Git, base: str) -> list[FixSet]:
    fixes: dict[str, FixSet] = {}
    for outcome in outcomes:
        if not isinstance(outcome, Repaired):
            continue
        outside = [p.path for p in outcome.verdict.proposal.patches
                   if not Path(p.path).resolve().is_relative_to(git.root)]
        if outside:
            raise GradfixError(f"{outside[0]}: the fix changes a file outside the repository {git.root}")
        fix = fix_set(outcome, git.root, base)
        dirty = git.uncommitted([c.path for c in fix.changes])
        if dirty:
            raise GradfixError(f"{dirty[0]}: has changes that are not committed; the bot builds its fix on "
                               f"the last commit, so commit or stash them first")
        fixes.setdefault(fix.fingerprint, fix)
    return list(fixes.values())


def _write_patch(fixes: Sequence[FixSet], out: Path, root: Path) -> list[Event]:
    """The patch file, written through no link: a fresh temporary file (O_EXCL, O_NOFOLLOW), then
    renamed over ``out`` (a link committed as ``out`` is replaced, its target left alone)."""
    if not fixes:
        return []
    text = "".join(f.diff(root) for f in fixes)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(tmp, flags, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise GradfixError(f"{out}: cannot write the patch ({exc.strerror})") from None
    return [Event("patch", f"read-only token (a pull request from a fork?): nothing pushed; wrote "
                           f"{len(fixes)} verified fix{'es' * (len(fixes) != 1)} to {out} — upload it as "
                           f"an artifact, or apply it with `git apply {out}`")]


class _Actor:
    """Carries out one planned action (or, in a dry run, describes it)."""

    def __init__(self, git: Git, forge: Forge | None, settings: BotSettings, base: str, base_sha: str,
                 script_args: tuple[str, ...]):
        self.git, self.forge, self.settings = git, forge, settings
        self.base, self.base_sha, self.args = base, base_sha, script_args

    def __call__(self, action) -> Event:
        dry = self.settings.dry_run
        if isinstance(action, Declined):
            return Event("declined", f"{md.line(action.fix.script)}: not proposed again; a maintainer closed "
                                     f"#{action.pull.number} without merging it", action.fix.branch)
        if isinstance(action, Capped):
            return Event("capped", f"{md.line(action.fix.script)}: not opened; {action.max_open} gradfix pull "
                                   f"requests are already open (--max-open)", action.fix.branch)
        if isinstance(action, Close):
            return self._close(action, dry)
        fix = action.fix
        title, body = fix.title, render(fix, self.git.root, self.base_sha, self.args)
        if dry:
            verb = "would update" if isinstance(action, Update) else "would create"
            number = f" #{action.pull.number}" if isinstance(action, Update) else ""
            return Event("updated" if isinstance(action, Update) else "created",
                         f"{verb} pull request{number} from {fix.branch}", fix.branch, title, body)
        pushed = self._push(fix)
        if pushed is None:
            number = f"#{action.pull.number}" if isinstance(action, Update) else fix.branch
            return Event("edited", f"{number} left alone: someone else pushed to {fix.branch} ({md.line(fix.script)})",
                         fix.branch)
        if isinstance(action, Create):
            pull = self.forge.create(fix.branch, self.base, title, body)
            return Event("created", f"opened #{pull.number} {pull.url} ({md.line(fix.script)})", fix.branch, title, body)
        assert isinstance(action, Update)
        pull = action.pull
        if pull.title != title or pull.body != body:
            self.forge.update(pull.number, title=title, body=body)
        elif not pushed:
            return Event("unchanged", f"#{pull.number} is up to date ({md.line(fix.script)})", fix.branch, title, body)
        return Event("updated", f"updated #{pull.number} {pull.url} ({md.line(fix.script)})", fix.branch, title, body)

    def _push(self, fix: FixSet) -> bool | None:
        """Push the fix commit: True when pushed, False when the branch already holds exactly it,
        None when someone else committed to the branch (then it is left as it is)."""
        message = _commit_message(fix, self.git.root)
        commit = self.git.commit(self.base_sha, fix.changes, message)
        remote = self.settings.remote
        current = self.git.remote_sha(remote, fix.branch)
        if current == commit:
            return False
        if current is not None and self.git.edited_by_others(remote, fix.branch):
            return None
        self.git.push(remote, commit, fix.branch, current)
        return True

    def _close(self, action: Close, dry: bool) -> Event:
        pull = action.pull
        if dry:
            return Event("closed", f"would close #{pull.number}: {action.reason}", pull.head)
        self.forge.comment(pull.number, f"Closing: {action.reason}")
        self.forge.update(pull.number, body=closed_body(pull.body, action.reason), state="closed")
        remote = self.settings.remote
        current = self.git.remote_sha(remote, pull.head)
        if current is not None and not self.git.edited_by_others(remote, pull.head):
            self.git.delete_branch(remote, pull.head, current)
        marker = marker_of(pull.body)
        return Event("closed", f"closed #{pull.number} ({md.line(marker.script if marker else pull.head)}): "
                               f"{action.reason}", pull.head)


def _commit_message(fix: FixSet, root: Path) -> str:
    """One line per finding, each made of one line (a name holding a newline cannot add a trailer)."""
    proposal = fix.outcome.verdict.proposal
    lines = [f"gradfix: fix missing gradients in {md.line(fix.script)}", ""]
    lines += [md.line(finding_line(f, f"fixed by {proposal.label}", root)) for f in fix.outcome.findings]
    lines += ["", f"Codemods: {', '.join(proposal.codemods)} ({proposal.safety.value}). Verified by running "
                  f"the step again: every variable gets a finite gradient.", "",
              f"Gradfix-Fingerprint: {fix.fingerprint}"]
    return "\n".join(lines) + "\n"
