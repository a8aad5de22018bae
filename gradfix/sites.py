"""Gradient call sites across a patch: which site of a patched run is which site of the original.

A site is matched by its call — file, function and line — not by the order in which calls came.
A fix moves lines (a hoisted statement shifts the rest of its function), so the original line is
carried through the patch: a line the patch kept maps to its new number; a line the patch rewrote
maps to the lines that replaced it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from gradfix.types import Frame, ProbeResult, SiteRecord


@dataclass(frozen=True)
class LineMap:
    """Old line -> the new lines it became, per file, for one patch."""

    blocks: Mapping[str, tuple[tuple[str, int, int, int, int], ...]]  # path -> difflib opcodes

    @classmethod
    def of(cls, texts: Iterable[tuple[Path | str, str, str]]) -> "LineMap":
        """From (path, text before, text after) of each changed file."""
        blocks = {}
        for path, before, after in texts:
            matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False)
            blocks[str(Path(path).resolve())] = tuple(matcher.get_opcodes())
        return cls(blocks)

    def lines(self, path: str, line: int) -> tuple[int, int]:
        """The range of new lines (1-based, inclusive) that old ``line`` of ``path`` became."""
        ops = self.blocks.get(str(Path(path).resolve()))
        if not ops:
            return line, line
        index = line - 1
        for tag, i1, i2, j1, j2 in ops:
            if i1 <= index < i2 or (tag == "insert" and index == i1):
                if tag == "equal":
                    new = j1 + (index - i1) + 1
                    return new, new
                return j1 + 1, max(j1 + 1, j2)
        return line, line


def sites(result: ProbeResult) -> tuple[SiteRecord, ...]:
    """The run's sites; from its described calls where the run recorded none (older results)."""
    if result.sites:
        return result.sites
    grouped: dict[tuple, list] = {}
    for call in result.gradient_calls:
        stack = call.stack or (Frame(call.path, call.line, ""),)
        grouped.setdefault(tuple(stack), []).append(call)
    return tuple(
        SiteRecord(stack=stack, arrivals=len(calls),
                   missing=tuple(dict.fromkeys(s.name for c in calls for s in c.sources if not s.has_gradient)),
                   nonfinite=tuple(dict.fromkeys(s.name for c in calls for s in c.sources
                                                 if s.has_gradient and not s.finite)))
        for stack, calls in grouped.items())


def expected(original: ProbeResult, lines: LineMap) -> list[dict]:
    """Where the original's sites are in the patched program, as ``Runner.run(expect=...)`` takes."""
    specs = []
    for site in sites(original):
        frame = site.frame
        if frame is None or not frame.path:
            continue
        lo, hi = lines.lines(frame.path, frame.line)
        spec = {"path": frame.path, "function": frame.function, "lines": [lo, hi]}
        if spec not in specs:
            specs.append(spec)
    return specs


def same_site(original: SiteRecord, patched: SiteRecord, lines: LineMap) -> bool:
    a, b = original.frame, patched.frame
    if a is None or b is None:
        return a is b
    if Path(a.path).resolve() != Path(b.path).resolve() or a.function != b.function:
        return False
    lo, hi = lines.lines(a.path, a.line)
    return lo <= b.line <= hi


def matching(original: ProbeResult, patched: ProbeResult, lines: LineMap) -> list[tuple[SiteRecord, list[SiteRecord]]]:
    """Each site of the original with the patched run's sites that are the same call."""
    theirs = sites(patched)
    return [(site, [s for s in theirs if same_site(site, s, lines)]) for site in sites(original)]
