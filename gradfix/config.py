"""``[tool.gradfix]`` in pyproject.toml: defaults for what the command line leaves unsaid.

The nearest pyproject.toml with a ``[tool.gradfix]`` table, from the working folder upwards, is
used (as Ruff does). A value given on the command line wins. A bad value is one error line naming
the key, never a silent fallback::

    [tool.gradfix]
    paths = ["train.py"]        # relative to the pyproject.toml's folder
    timeout = 120
    device = "cpu"
    unsafe-fixes = false
    args = ["--epochs", "1"]    # passed to every script
    script-args = {"tools/eval.py" = ["--steps", "2"]}  # per script (relative paths); wins over args
    allow-env = ["WANDB_MODE"]  # credential-like variables the scripts may see after all

    [tool.gradfix.bot]
    max-open = 5
    base = "main"
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gradfix.errors import GradfixError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class ConfigError(GradfixError):
    """A pyproject.toml that cannot be used; the message names the file and the key."""


def _choice(*allowed: str) -> Callable[[Any], bool]:
    return lambda v: v in allowed


def _positive(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0


def _count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _strings(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(s, str) for s in v)


def _args_table(v: Any) -> bool:
    return isinstance(v, dict) and all(isinstance(k, str) and k and _strings(a) for k, a in v.items())


def _string(v: Any) -> bool:
    return isinstance(v, str) and v != ""


# key -> (check, what the check wants, in words)
RUN_KEYS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "paths": (_strings, "a list of paths"),
    "timeout": (_positive, "a number of seconds > 0"),
    "device": (_choice("cpu", "gpu", "auto"), '"cpu", "gpu" or "auto"'),
    "isolation": (_choice("auto", "fork", "spawn"), '"auto", "fork" or "spawn"'),
    "python": (_string, "a path to an interpreter"),
    "jobs": (lambda v: _count(v) and v >= 1, "a whole number >= 1"),
    "unsafe-fixes": (lambda v: isinstance(v, bool), "true or false"),
    "args": (_strings, "a list of strings"),
    "script-args": (_args_table, 'a table of script paths to lists of strings, e.g. {"train.py" = ["--epochs", "1"]}'),
    "allow-env": (_strings, "a list of environment variable names"),
    "memory-limit": (lambda v: _count(v) and v >= 64, "a whole number of MiB >= 64"),
    "max-processes": (lambda v: _count(v) and v >= 1, "a whole number >= 1"),
}
BOT_KEYS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "max-open": (_count, "a whole number >= 0"),
    "base": (_string, "a branch name"),
    "remote": (_string, "a git remote name or URL"),
    "token-env": (_string, "the name of an environment variable"),
}


@dataclass(frozen=True)
class Config:
    """The validated table; ``root`` is the folder of the pyproject.toml it came from."""

    root: Path | None = None
    run: Mapping[str, Any] = field(default_factory=dict)
    bot: Mapping[str, Any] = field(default_factory=dict)

    def script_args(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """``script-args``: (resolved path, arguments) for each script named, relative to ``root``."""
        table = self.run.get("script-args", {})
        return tuple((str((self.root / p if self.root else Path(p)).resolve()), tuple(a)) for p, a in table.items())

    def paths(self) -> list[Path]:
        assert self.root is not None or not self.run.get("paths")
        return [self.root / p for p in self.run.get("paths", ())]


def find(start: Path | None = None) -> Path | None:
    """The nearest pyproject.toml with a [tool.gradfix] table, from ``start`` upwards."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if path.is_file() and b"[tool.gradfix" in path.read_bytes():
            return path
    return None


def load(path: Path | None) -> Config:
    """Read and validate ``path`` (None: an empty Config). Raises ConfigError."""
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    table = data.get("tool", {}).get("gradfix", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.gradfix] must be a table")
    bot = table.get("bot", {})
    if not isinstance(bot, dict):
        raise ConfigError(f"{path}: [tool.gradfix.bot] must be a table")
    run = {k: v for k, v in table.items() if k != "bot"}
    _validate(path, "tool.gradfix", run, RUN_KEYS)
    _validate(path, "tool.gradfix.bot", bot, BOT_KEYS)
    return Config(path.parent, run, bot)


def _validate(path: Path, section: str, table: Mapping[str, Any], keys: Mapping[str, tuple]) -> None:
    for key, value in table.items():
        if key not in keys:
            known = ", ".join(sorted(keys))
            raise ConfigError(f"{path}: [{section}] unknown key {key!r} (known: {known})")
        check, wanted = keys[key]
        if not check(value):
            raise ConfigError(f"{path}: [{section}] {key} must be {wanted}, not {value!r}")
