"""Turning findings into candidate patches: codemods alone and composed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from gradfix.codemods import REGISTRY
from gradfix.codemods.base import Codemod, Focus
from gradfix.types import Cause, FilePatch, Finding, ProbeResult, Proposal, Safety


def focus_by_file(probe: ProbeResult) -> dict[Path, Focus]:
    """Where the probe saw missing gradients, per file: the lines of the gradient calls, the names
    of the sources without a gradient, and the functions that ran while a tape was recording. A call
    given no sources at all counts as starved."""
    lines: dict[Path, set[int]] = {}
    names: dict[Path, set[str]] = {}
    functions: dict[Path, set[int]] = {}
    starved: dict[Path, set[int]] = {}
    host: dict[Path, set[str]] = {}
    integer: dict[Path, set[str]] = {}
    for call in probe.gradient_calls:
        missing = call.missing
        if not (missing or call.empty) or not call.path:
            continue
        path = Path(call.path).resolve()
        lines.setdefault(path, set()).add(call.line)
        names.setdefault(path, set()).update(s.name for s in missing)
        if len(missing) == len(call.sources):
            starved.setdefault(path, set()).add(call.line)
        host.setdefault(path, set()).update(s.name for s in missing if s.kind in ("numpy", "python"))
        integer.setdefault(path, set()).update(s.name for s in missing if not s.is_variable
                                               and s.dtype.lstrip("u").startswith("int"))
    if probe.missing_count:
        for frame in probe.functions:
            functions.setdefault(Path(frame.path).resolve(), set()).add(frame.line)
    return {p: Focus(frozenset(lines.get(p, ())), frozenset(names.get(p, ())), frozenset(functions.get(p, ())),
                     frozenset(starved.get(p, ())), frozenset(host.get(p, ())), frozenset(integer.get(p, ())))
            for p in {*lines, *functions}}


def _apply(codemods: Sequence[Codemod], texts: Mapping[Path, str],
           focus: Mapping[Path, Focus]) -> tuple[dict[Path, str], list[str], list[str]]:
    """Apply ``codemods`` in order to every file; return new texts, the names that changed
    something, and their notes."""
    current = dict(texts)
    where = dict(focus)
    used: list[str] = []
    notes: list[str] = []
    for mod in codemods:
        changed = False
        for path, text in current.items():
            rewrite = mod.rewrite(text, where.get(path))
            if rewrite.changed and rewrite.code != text:
                current[path] = rewrite.code
                if where.get(path) is not None:
                    where[path] = where[path].moved(text, rewrite.code)
                changed = True
            notes.extend(rewrite.notes)
        if changed:
            used.append(mod.NAME)
    return current, used, notes


def _proposal(texts: Mapping[Path, str], new: Mapping[Path, str], mods: Sequence[Codemod],
              used: Sequence[str], notes: Sequence[str]) -> Proposal:
    unsafe = any(m.SAFETY is Safety.UNSAFE for m in mods if m.NAME in used)
    patches = tuple(FilePatch(p, texts[p], new[p]) for p in texts if new[p] != texts[p])
    return Proposal(tuple(used), Safety.UNSAFE if unsafe else Safety.SAFE, patches, tuple(notes))


def changed_lines(proposal: Proposal) -> int:
    """Size of a proposal: lines removed plus lines added (a cheap diff measure)."""
    import difflib

    total = 0
    for patch in proposal.patches:
        for line in difflib.ndiff(patch.before.splitlines(), patch.after.splitlines()):
            if line[:1] in "+-":
                total += 1
    return total


def propose(texts: Mapping[Path, str], findings: Sequence[Finding], probe: ProbeResult,
            codemods: Sequence[Codemod] = REGISTRY) -> list[Proposal]:
    """Candidates, best first: every codemod alone, then the safe ones composed, then all composed.

    Best first means: codemods that address a diagnosed cause, safe before unsafe, smaller first.
    Candidates with identical results are proposed once."""
    focus = focus_by_file(probe)
    causes = {f.cause for f in findings}
    seen: set[tuple[tuple[Path, str], ...]] = set()
    out: list[Proposal] = []

    def add(mods: Sequence[Codemod]) -> None:
        new, used, notes = _apply(mods, texts, focus)
        if not used:
            return
        key = tuple(sorted((str(p), t) for p, t in new.items()))
        if key in seen:
            return
        seen.add(key)
        out.append(_proposal(texts, new, mods, used, notes))

    for mod in codemods:
        add([mod])
    add([m for m in codemods if m.SAFETY is Safety.SAFE])
    add(list(codemods))

    def rank(p: Proposal) -> tuple:
        relevant = any(c in causes for n in p.codemods for c in _causes(codemods, n))
        return (p.safety is Safety.UNSAFE, not relevant, changed_lines(p), len(p.codemods))

    return sorted(out, key=rank)


def _causes(codemods: Sequence[Codemod], name: str) -> tuple[Cause, ...]:
    for mod in codemods:
        if mod.NAME == name:
            return mod.CAUSES
    return ()
