"""The Forge interface on GitHub (or GitHub Enterprise), through PyGithub.

Authentication is a token, or a GitHub App (app id + private key) exchanged for an installation
token of the repository. Every failure becomes one GradfixError line with the secrets removed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from gradfix.bot.forge import PullRequest
from gradfix.bot.secrets import redact
from gradfix.errors import GradfixError

T = TypeVar("T")
USER_AGENT = "gradfix-bot"


class ForgeError(GradfixError):
    """The code host refused or failed a request."""


def _import_github():
    try:
        import github
    except ImportError:
        raise ForgeError("gradfix bot needs PyGithub: pip install 'gradfix[bot]'") from None
    return github


@contextmanager
def _translated(what: str) -> Iterator[None]:
    github = _import_github()
    try:
        yield
    except github.BadCredentialsException:
        raise ForgeError(f"{what}: GitHub rejected the credentials (401 Bad credentials)") from None
    except github.UnknownObjectException:
        raise ForgeError(f"{what}: not found (404); check --repo and the token's access") from None
    except github.GithubException as exc:
        message = exc.data.get("message", "") if isinstance(exc.data, dict) else str(exc.data)
        errors = exc.data.get("errors", []) if isinstance(exc.data, dict) else []
        detail = "; ".join(e.get("message") or f"{e.get('field')} {e.get('code')}" for e in errors
                           if isinstance(e, dict))
        raise ForgeError(redact(f"{what}: GitHub answered {exc.status} {message}"
                                + (f" ({detail})" if detail else ""))) from None
    except OSError as exc:  # connection refused, DNS, TLS
        raise ForgeError(redact(f"{what}: cannot reach GitHub ({exc})")) from None


def app_installation_token(api_url: str, app_id: str, private_key: str, repo: str) -> str:
    """A short-lived installation token of the GitHub App installed on ``repo``."""
    github = _import_github()
    owner, name = repo.split("/", 1)
    with _translated(f"GitHub App {app_id}"):
        try:
            auth = github.Auth.AppAuth(app_id, private_key)
        except ValueError as exc:
            raise ForgeError(f"GitHub App {app_id}: unusable private key ({exc})") from None
        integration = github.GithubIntegration(auth=auth, base_url=api_url, user_agent=USER_AGENT)
        installation = integration.get_repo_installation(owner, name)
        return integration.get_access_token(installation.id).token


class GitHubForge:
    """One repository on GitHub, as a Forge."""

    def __init__(self, api_url: str, repo: str, token: str):
        github = _import_github()
        self._owner = repo.split("/", 1)[0]
        self._client = github.Github(auth=github.Auth.Token(token), base_url=api_url, user_agent=USER_AGENT,
                                     per_page=100, retry=github.GithubRetry(total=3), timeout=30,
                                     seconds_between_requests=None, seconds_between_writes=None)
        with _translated(f"repository {repo}"):
            self._repo = self._client.get_repo(repo)

    @property
    def default_branch(self) -> str:
        return self._repo.default_branch

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        with _translated(what):
            return fn()

    def pulls(self, state: str, head: str | None = None) -> list[PullRequest]:
        kwargs = {"state": state}
        if head is not None:
            kwargs["head"] = f"{self._owner}:{head}"
        return self._call("listing pull requests", lambda: [_pull(p) for p in self._repo.get_pulls(**kwargs)])

    def create(self, head: str, base: str, title: str, body: str) -> PullRequest:
        return self._call(f"opening a pull request from {head}", lambda: _pull(
            self._repo.create_pull(base=base, head=head, title=title, body=body, maintainer_can_modify=True)))

    def update(self, number: int, *, title: str | None = None, body: str | None = None,
               state: str | None = None) -> PullRequest:
        fields = {k: v for k, v in (("title", title), ("body", body), ("state", state)) if v is not None}

        def edit():
            pull = self._repo.get_pull(number)
            pull.edit(**fields)  # PyGithub takes the PATCH answer's fields into ``pull``
            return _pull(pull)

        return self._call(f"updating pull request #{number}", edit)

    def comment(self, number: int, text: str) -> None:
        self._call(f"commenting on pull request #{number}",
                   lambda: self._repo.get_pull(number).create_issue_comment(text))


def _pull(p) -> PullRequest:
    return PullRequest(number=p.number, state=p.state, title=p.title or "", body=p.body or "",
                       head=p.head.ref, base=p.base.ref, merged=p.merged_at is not None, url=p.html_url)
