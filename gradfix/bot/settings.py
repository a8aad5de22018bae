"""The bot's settings: flags first, then ``[tool.gradfix.bot]``, then what GitHub Actions provides.

The ``[tool.gradfix.bot]`` table lives in the repository the bot examines, which may come from
anyone: ``remote`` and ``token-env`` are never taken from it (where to send the token, and which
variable holds it, are the workflow's to say). ``remote`` is a remote's name or an https URL on the
code host that ``api_url`` names.

Credentials are read here once and removed from this process's environment; ``reexec`` makes
sure no process's initial environment holds them either.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from gradfix.bot.reexec import received
from gradfix.bot.secrets import register
from gradfix.errors import GradfixError

DEFAULT_API = "https://api.github.com"
APP_KEY_ENV = "GRADFIX_APP_PRIVATE_KEY"
APP_ID_ENV = "GRADFIX_APP_ID"


class SettingsError(GradfixError):
    """A setting the bot cannot work with."""


@dataclass(frozen=True)
class BotSettings:
    repo: str | None  # "owner/name"
    api_url: str
    token_env: str
    app_id: str | None
    app_key_file: Path | None
    remote: str
    base: str | None  # None: the checked-out branch, else the repository's default branch
    max_open: int
    dry_run: bool
    read_only: bool
    patch_out: Path


def resolve(flags: dict, config: dict, environ: MutableMapping[str, str] | None = None) -> BotSettings:
    """Settings from ``flags`` (None where not given), the ``[tool.gradfix.bot]`` table and the
    environment."""
    env = os.environ if environ is None else environ
    repo = flags.get("repo") or env.get("GITHUB_REPOSITORY") or None
    if repo is not None and (repo.count("/") != 1 or not all(repo.split("/"))):
        raise SettingsError(f"--repo {repo!r}: expected OWNER/NAME")
    api_url = (flags.get("api_url") or env.get("GITHUB_API_URL") or DEFAULT_API).rstrip("/")
    if not api_url.startswith(("https://", "http://")):
        raise SettingsError(f"--api-url {api_url!r}: expected an http(s) URL")
    max_open = flags.get("max_open")
    remote = flags.get("remote") or "origin"
    _check_remote(remote, code_hosts(api_url, env))
    return BotSettings(
        repo=repo,
        api_url=api_url,
        token_env=flags.get("token_env") or "GITHUB_TOKEN",
        app_id=flags.get("app_id") or env.get(APP_ID_ENV) or None,
        app_key_file=flags.get("app_key_file"),
        remote=remote,
        base=flags.get("base") or config.get("base") or None,
        max_open=max_open if max_open is not None else config.get("max-open", 5),
        dry_run=bool(flags.get("dry_run")),
        read_only=bool(flags.get("read_only")) or from_fork(env),
        patch_out=Path(flags.get("patch_out") or "gradfix.patch"),
    )


REMOTE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


def code_hosts(api_url: str, env: MutableMapping[str, str]) -> tuple[str, ...]:
    """The hosts that may receive the token over git: the web host of ``api_url``
    (api.github.com -> github.com; GitHub Enterprise: HOST/api/v3 -> HOST) and GITHUB_SERVER_URL's."""
    hosts = []
    api = urlsplit(api_url).hostname or ""
    hosts.append("github.com" if api == "api.github.com" else api)
    server = urlsplit(env.get("GITHUB_SERVER_URL", "")).hostname
    if server:
        hosts.append(server)
    return tuple(dict.fromkeys(h.lower() for h in hosts if h))


def _check_remote(remote: str, hosts: tuple[str, ...]) -> None:
    if REMOTE_NAME.match(remote) and "://" not in remote and ".." not in remote:
        return
    parts = urlsplit(remote)
    if parts.scheme == "https" and not parts.username and (parts.hostname or "").lower() in hosts:
        return
    raise SettingsError(f"--remote {remote!r}: expected a remote's name or an https URL on "
                        f"{' or '.join(hosts) or 'the code host'}")


def from_fork(env: MutableMapping[str, str]) -> bool:
    """Whether GitHub Actions runs this for a pull request from a fork (its token is read-only)."""
    if env.get("GITHUB_EVENT_NAME") not in ("pull_request", "pull_request_target"):
        return False
    try:
        with open(env.get("GITHUB_EVENT_PATH", ""), encoding="utf-8") as fh:
            event = json.load(fh)
        head = event["pull_request"]["head"]["repo"]["full_name"]
    except (OSError, ValueError, KeyError, TypeError):
        return True  # a pull request we cannot place is treated as untrusted
    return head != env.get("GITHUB_REPOSITORY")


@dataclass(frozen=True)
class Credentials:
    token: str | None
    app_id: str | None = None
    app_key: str | None = None


def take_credentials(settings: BotSettings, environ: MutableMapping[str, str] | None = None) -> Credentials:
    """Read the token (or the App's key) and remove it from the environment."""
    env = os.environ if environ is None else environ
    handed = received() if environ is None else {}  # from the environment before the re-exec
    token = env.pop(settings.token_env, None) or handed.get(settings.token_env) or None
    key = env.pop(APP_KEY_ENV, None) or handed.get(APP_KEY_ENV) or None
    if settings.app_key_file is not None:
        try:
            key = settings.app_key_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise SettingsError(f"--app-key-file {settings.app_key_file}: {exc.strerror}") from None
    for secret in (token, key):
        if secret:
            register(secret)
    if settings.app_id and not key:
        raise SettingsError(f"--app-id {settings.app_id}: no private key (set {APP_KEY_ENV} or --app-key-file)")
    return Credentials(token, settings.app_id if key else None, key if settings.app_id else None)
