"""The bot's settings: flags first, then ``[tool.gradfix.bot]``, then what GitHub Actions provides.

Credentials are read here once and removed from this process's environment, so neither the
probed training scripts nor any other child process inherits them.
"""

from __future__ import annotations

import json
import os
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path

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
    return BotSettings(
        repo=repo,
        api_url=api_url,
        token_env=flags.get("token_env") or config.get("token-env") or "GITHUB_TOKEN",
        app_id=flags.get("app_id") or env.get(APP_ID_ENV) or None,
        app_key_file=flags.get("app_key_file"),
        remote=flags.get("remote") or config.get("remote") or "origin",
        base=flags.get("base") or config.get("base") or None,
        max_open=max_open if max_open is not None else config.get("max-open", 5),
        dry_run=bool(flags.get("dry_run")),
        read_only=bool(flags.get("read_only")) or from_fork(env),
        patch_out=Path(flags.get("patch_out") or "gradfix.patch"),
    )


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
    token = env.pop(settings.token_env, None) or None
    key = env.pop(APP_KEY_ENV, None) or None
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
