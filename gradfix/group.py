"""One diagnostic per cause: the findings that share a gradient call, a cause and its line.

A 30-layer model whose forward pass runs before the tape has 60 variables without a gradient and
one thing to fix. The text output says it once (``train.py:10: 60 variables of 'encoder' have no
gradient — computed before the tape starts (line 6)``); JSON and SARIF keep every variable, and
``--verbose`` lists them under the line. One or two variables keep a line each (``kernel`` and
``bias`` of one layer read best by name).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gradfix.types import Finding, SourceRecord

GROUP_MIN = 3  # fewer variables sharing a cause are named one per line


@dataclass(frozen=True)
class Group:
    """Findings with one cause at one gradient call, in the order the probe saw them."""

    findings: tuple[Finding, ...]

    @property
    def first(self) -> Finding:
        return self.findings[0]

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(f.variable for f in self.findings)

    @property
    def owner(self) -> str:
        """The path all variable names share (``encoder`` for ``encoder/dense_2/kernel``...), or ''."""
        return common_prefix(self.variables)

    @property
    def label(self) -> str:
        """``w``; ``60 variables of 'encoder'``; ``3 variables (a, b, c)``."""
        if len(self.findings) == 1:
            return self.first.variable
        if self.owner:
            return f"{len(self.findings)} variables of '{self.owner}'"
        names = self.variables
        shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
        return f"{len(names)} variables ({shown})"


def full_name(src: SourceRecord) -> str:
    """The name to show for a source: the code's own name (``w``, ``self.w``), but the variable's
    full path (``encoder/dense_2/bias``) where the code's name is only its last part (``bias``,
    which two layers share)."""
    path = src.var_name.split(":")[0]
    if "/" in path and "/" not in src.name and "." not in src.name and path.rsplit("/", 1)[1] == src.name:
        return path
    return src.name


def _key(f: Finding) -> tuple:
    return (f.path, f.line, getattr(f, "cell", None), f.cause, f.cause_line, f.cause_path,
            getattr(f, "cause_cell", None), f.message)


def common_prefix(names: Iterable[str]) -> str:
    """The longest ``/``-separated path every name starts with and goes beyond."""
    parts = [n.split("/") for n in names]
    if len(parts) < 2:
        return ""
    prefix: list[str] = []
    for column in zip(*(p[:-1] for p in parts)):
        if len(set(column)) != 1:
            break
        prefix.append(column[0])
    return "/".join(prefix)


def group(findings: Iterable[Finding]) -> list[Group]:
    """Findings with the same call, cause, cause line and message, in first-seen order; a set of
    fewer than ``GROUP_MIN`` stays one group per finding."""
    findings = list(findings)
    buckets: dict[tuple, list[Finding]] = {}
    for f in findings:
        buckets.setdefault(_key(f), []).append(f)
    out: list[Group] = []
    for f in findings:
        members = buckets[_key(f)]
        if len(members) < GROUP_MIN:
            out.append(Group((f,)))
        elif members[0] is f:
            out.append(Group(tuple(members)))
    return out
