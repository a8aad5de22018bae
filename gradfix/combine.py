"""A folder's fixes that change the same file are verified together before anything is written.

Each script's fix is verified against the original tree. Two scripts that import one module can
each get a fix of it; written together they make a program neither run has seen. So, before any
write, the fixes are grouped by the files they share, and each group is settled:

1. the group's changes are merged per file (identical changes are one; changes to different lines
   are both kept; changes to the same lines conflict);
2. a merge is verified for every script of the group, each run with the whole merged change in its
   own mode and judged against its own original (verify.py): all pass, and the merge is every
   script's fix;
3. otherwise the first script (in path order) keeps its own fix, provided every other script of the
   group runs no worse with it (no new error, no more missing gradients); the others get no fix
   this time — their fixes wait for the next `gradfix apply`, which verifies them on the new tree.
   A fix that would harm another script of the group is written for none of them.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from pathlib import Path

from gradfix.sites import LineMap, expected
from gradfix.types import FilePatch, Outcome, ProbeResult, Proposal, Repaired, RunOptions, Safety, Unrepaired
from gradfix.verify import STEPS, judge


def groups(outcomes: list[Outcome]) -> list[list[int]]:
    """Indexes of the repaired outcomes, grouped when their fixes share a file (transitively)."""
    fixed = [i for i, o in enumerate(outcomes) if isinstance(o, Repaired)]
    owner: dict[Path, int] = {}
    parent = {i: i for i in fixed}

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in fixed:
        for patch in outcomes[i].verdict.proposal.patches:
            path = Path(patch.path).resolve()
            if path in owner:
                parent[root(i)] = root(owner[path])
            else:
                owner[path] = i
    found: dict[int, list[int]] = {}
    for i in fixed:
        found.setdefault(root(i), []).append(i)
    return [g for g in found.values() if len(g) > 1]


def merge_text(base: str, afters: list[str]) -> str | None:
    """The changes of every text in ``afters`` (each an edit of ``base``) applied together; None
    when two of them change the same lines differently."""
    distinct = list(dict.fromkeys(afters))
    if len(distinct) == 1:
        return distinct[0]
    old = base.splitlines(keepends=True)
    edits: list[tuple[int, int, list[str]]] = []  # (from, to) lines of base -> new lines
    for text in distinct:
        new = text.splitlines(keepends=True)
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
            if tag != "equal":
                edits.append((i1, i2, new[j1:j2]))
    edits = sorted(set((a, b, tuple(lines)) for a, b, lines in edits))
    for (a1, b1, _), (a2, b2, _) in zip(edits, edits[1:]):
        if a2 < b1 or (a1 == a2):  # overlapping, or two insertions at one place
            return None
    out, at = [], 0
    for a, b, lines in edits:
        out.extend(old[at:a])
        out.extend(lines)
        at = b
    out.extend(old[at:])
    return "".join(out)


def merged(proposals: list[Proposal]) -> Proposal | None:
    by_path: dict[Path, list[FilePatch]] = {}
    for proposal in proposals:
        for patch in proposal.patches:
            by_path.setdefault(Path(patch.path).resolve(), []).append(patch)
    patches = []
    for path, group in by_path.items():
        text = merge_text(group[0].before, [p.after for p in group])
        if text is None:
            return None
        patches.append(FilePatch(group[0].path, group[0].before, text))
    unsafe = any(p.safety is Safety.UNSAFE for p in proposals)
    return Proposal(tuple(dict.fromkeys(n for p in proposals for n in p.codemods)),
                    Safety.UNSAFE if unsafe else Safety.SAFE, tuple(patches),
                    tuple(dict.fromkeys(n for p in proposals for n in p.notes)))


def _encode(patches) -> dict[Path, bytes]:
    from gradfix.load import load

    return {Path(p.path): load(Path(p.path)).encode(p.after) for p in patches}


def _verify(outcome: Repaired, proposal: Proposal, runner, options: RunOptions):
    lines = LineMap.of((p.path, p.before, p.after) for p in proposal.patches)
    result = runner.run(outcome.path, options.script_args, options.timeout, patches=_encode(proposal.patches),
                        eager=False, expect=expected(outcome.probe, lines), steps=STEPS)
    return judge(proposal, result, outcome.probe, lines=lines)


def _no_worse(outcome: Repaired, proposal: Proposal, runner, options: RunOptions) -> bool:
    """Whether ``outcome``'s script, run with another script's fix, is no worse than before it."""
    before: ProbeResult = outcome.probe
    after = runner.run(outcome.path, options.script_args, options.timeout, patches=_encode(proposal.patches),
                       eager=before.eager)
    return (after.status == "ok" and (after.error is None or before.error is not None)
            and bool(after.gradient_calls) and after.missing_count <= before.missing_count)


def settle(outcomes: list[Outcome], runner, options: RunOptions) -> list[Outcome]:
    """``outcomes`` with each group of fixes that share a file settled (see the module doc)."""
    out = list(outcomes)
    for group in groups(outcomes):
        members = [out[i] for i in group]
        combined = merged([m.verdict.proposal for m in members])
        if combined is not None:
            verdicts = [_verify(m, combined, runner, options) for m in members]
            if all(v.accepted for v in verdicts) and (combined.safety is Safety.SAFE or options.unsafe_fixes):
                # the first script carries the whole change (one diff, written once); the others
                # say that their fix is part of it
                for n, (i, m, v) in enumerate(zip(group, members, verdicts)):
                    mine = combined if n == 0 else replace(
                        combined, patches=(), notes=(*combined.notes, f"written with the fix of {members[0].path}"))
                    out[i] = replace(m, verdict=replace(v, proposal=mine))
                continue
        first, rest = members[0], members[1:]
        keep = all(_no_worse(m, first.verdict.proposal, runner, options) for m in rest)
        shared = ", ".join(sorted({str(p.path) for p in first.verdict.proposal.patches}))
        for i, m in zip(group, members):
            if m is first and keep:
                continue
            why = (f"its fix changes {shared} as the fix of {first.path} does, and the two could not be "
                   f"verified together; run `gradfix apply` again to fix it on the new tree") if keep else (
                   f"fixes of several scripts change {shared} and could not be verified together; nothing "
                   f"written for them")
            out[i] = Unrepaired(m.path, m.probe, m.findings, m.tried, None, m.suppressed, note=why)
    return out
