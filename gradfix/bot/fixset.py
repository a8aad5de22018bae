"""A fix set: one verified repair of one training script, as the bot turns it into a pull request.

Its fingerprint names the branch (``gradfix/<fingerprint>``) and is recorded in the pull request's
body, so a later run recognises the same fix: same files, same causes, same base branch. It does
not depend on the base's commit, so a fix rebased onto a newer base keeps its branch and its pull
request.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from gradfix.diff import patch_diff
from gradfix.load import load
from gradfix.types import Repaired

BRANCH_PREFIX = "gradfix/"


@dataclass(frozen=True)
class FileChange:
    """The new content of one file, by its path in the repository (forward slashes)."""

    path: str
    before: str
    after: str
    data: bytes  # ``after`` encoded exactly as the file is (encoding, BOM, newlines)


@dataclass(frozen=True)
class FixSet:
    script: str  # the training script that was run, relative to the repository
    base: str  # base branch name
    outcome: Repaired
    changes: tuple[FileChange, ...]

    @property
    def causes(self) -> tuple[str, ...]:
        return tuple(sorted({f.cause.value for f in self.outcome.findings}))

    @property
    def fingerprint(self) -> str:
        key = {"files": sorted(c.path for c in self.changes), "causes": list(self.causes), "base": self.base}
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]

    @property
    def branch(self) -> str:
        return BRANCH_PREFIX + self.fingerprint

    @property
    def title(self) -> str:
        """One line, credentials removed, no code span, @mention or reference of its own (the
        variable names and the path come from the program and the repository)."""
        from gradfix.bot.markdown import line

        names = ", ".join(dict.fromkeys(f.variable for f in self.outcome.findings))
        if len(names) > 60:
            names = f"{len(self.outcome.findings)} variables"
        title = line(f"Fix missing gradients in {self.script} ({names})")
        return title.replace("`", "'").replace("@", "@\u200b").replace("#", "#\u200b")

    def diff(self, root: Path) -> str:
        return patch_diff(((root / c.path, c.before, c.after) for c in self.changes), root)


def fix_set(outcome: Repaired, root: Path, base: str) -> FixSet:
    """The fix set of a verified repair; paths are made relative to the repository ``root``."""
    changes = []
    for patch in outcome.verdict.proposal.patches:
        source = load(patch.path)
        rel = Path(patch.path).resolve().relative_to(root).as_posix()
        changes.append(FileChange(rel, patch.before, patch.after, source.encode(patch.after)))
    script = Path(outcome.path).resolve().relative_to(root).as_posix()
    return FixSet(script, base, outcome, tuple(sorted(changes, key=lambda c: c.path)))
