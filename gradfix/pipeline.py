"""One file through load -> detect -> diagnose -> propose -> verify; the result is a value."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from gradfix.analysis.flow import analyse
from gradfix.codemods import REGISTRY
from gradfix.codemods.base import Codemod
from gradfix.diagnose import diagnose
from gradfix.errors import InputError
from gradfix.load import SourceFile, load
from gradfix.propose import propose
from gradfix.runner import Runner
from gradfix.runner.snapshot import Snapshot
from gradfix.sites import LineMap, expected
from gradfix.suppress import split
from gradfix.types import (
    Failed,
    FilePatch,
    Healthy,
    Outcome,
    ProbeResult,
    Proposal,
    Repaired,
    RunOptions,
    Safety,
    Unrepaired,
    Verdict,
)
from gradfix.verify import STEPS, judge, losses_equal, ran_its_course


def _failure(path: Path, probe: ProbeResult, timeout: float) -> Failed | None:
    """A run that tells us nothing about gradients is an input error for this file."""
    if probe.status == "timeout":
        return Failed(path, f"{path}: timed out after {timeout:g} s before the first step ended "
                            f"(raise --timeout)", probe)
    if probe.status == "device-error" and probe.error:
        return Failed(path, f"{path}: {probe.error.message}", probe)
    if probe.status == "limit" and probe.error:
        flag = "--memory-limit" if "memory" in probe.error.message else "--max-processes"
        return Failed(path, f"{path}: the program {probe.error.message} (raise {flag})", probe)
    if probe.status == "crashed" and probe.error:
        return Failed(path, f"{path}: the program {probe.error.message}", probe)
    if probe.status != "ok":
        detail = probe.error.message if probe.error else probe.status
        return Failed(path, f"{path}: the program crashed ({detail})", probe)
    if probe.gradient_calls:
        return None
    if probe.error is not None:
        where = probe.error.stack[-1] if probe.error.stack else None
        loc = f" at {where.path}:{where.line}" if where else ""
        return Failed(path, f"{path}: the script raised {probe.error.type}{loc} before computing any "
                            f"gradient: {probe.error.message}", probe)
    if probe.exit_code not in (None, 0):
        return Failed(path, f"{path}: the script exited with status {probe.exit_code} before computing "
                            f"any gradient", probe)
    return Failed(path, f"{path}: the script never computed a gradient (no GradientTape.gradient call ran)",
                  probe, no_gradient=True)


def _is_healthy(probe: ProbeResult) -> bool:
    return probe.missing_count == 0 and not any(c.error or c.empty for c in probe.gradient_calls)


def _user_files(script: Path, probe: ProbeResult, source: SourceFile | None = None) -> dict[Path, SourceFile]:
    """The script (``source`` when given) plus the project's own files the gradient calls and the
    traceback went through."""
    project = script.parent.resolve()
    files = {script.resolve(): source or load(script)}
    frames = [f for c in probe.gradient_calls for f in c.stack]
    frames += list(probe.error.stack) if probe.error else []
    frames += list(probe.functions)
    for frame in frames:
        path = Path(frame.path).resolve()
        if path in files or path.suffix != ".py" or project not in path.parents:
            continue
        try:
            files[path] = load(path)
        except InputError:
            continue
    return files


def _combine(base: Mapping[Path, str], texts: Mapping[Path, str], prior: tuple[Proposal, ...],
             cand: Proposal) -> Proposal:
    """The whole change from the original texts: earlier rounds' fixes plus this candidate."""
    new = dict(texts)
    for patch in cand.patches:
        new[patch.path] = patch.after
    names = tuple(n for p in (*prior, cand) for n in p.codemods)
    unsafe = any(p.safety is Safety.UNSAFE for p in (*prior, cand))
    notes = tuple(n for p in (*prior, cand) for n in p.notes)
    patches = tuple(FilePatch(p, base[p], new[p]) for p in base if new[p] != base[p])
    return Proposal(names, Safety.UNSAFE if unsafe else Safety.SAFE, patches, notes)


def repair(script: Path, runner: Runner, options: RunOptions,
           codemods: Sequence[Codemod] = REGISTRY, source: SourceFile | None = None) -> Outcome:
    """Examine ``script`` and find the smallest verified fix. Never writes; never raises for a
    problem of this one program (that is a Failed value).

    The original is run with every ``tf.function`` eager (line numbers, loss values, NumPy calls
    that a graph would refuse), falling back to the program's own mode where the eager run fails
    and shows no missing gradient. Candidates are verified in the program's own mode (verify.py).

    ``source``: the script's text, for a script that exists only in the sandbox (a notebook's
    program): it is written into every run's copy of the project, the user's folder never sees it."""
    own = {script.resolve(): source.data} if source is not None else {}
    runs = _Runs(script, runner, options, own)
    try:
        outcome = _repair(script, runs, options, codemods, source)
    except BaseException:
        runs.close(talk=False)  # interrupted: the zygote may be mid-run, the keeper ends with it
        raise
    runs.close()
    return outcome


def _repair(script: Path, runs: "_Runs", options: RunOptions, codemods: Sequence[Codemod],
            source: SourceFile | None) -> Outcome:
    own = runs.own
    try:
        text = (source or load(script)).text
        # The static analysis every later stage needs runs while the child runs the script.
        threading.Thread(target=analyse, args=(text,), daemon=True).start()
        original = runs.original()
        failed = _failure(script, original, options.timeout)
        if failed:
            return failed
        if _is_healthy(original):
            return Healthy(script, original)
        sources = _user_files(script, original, source)
    except InputError as exc:
        return Failed(script, str(exc))
    base = {p: s.text for p, s in sources.items()}
    try:
        findings, quiet = split(diagnose(original, base), base)
    except InputError as exc:  # the static analysis could not finish (analysis/budget.py)
        return Failed(script, f"{script}: {exc}", original)
    if not findings:
        return Healthy(script, original, quiet)
    exempt = frozenset(f.variable for f in quiet)
    texts, probe, prior = dict(base), original, ()
    tried: list[Verdict] = []
    suggestion: Verdict | None = None
    for _ in range(max(1, options.max_rounds)):
        best: Verdict | None = None
        silenced: Verdict | None = None  # verified, but its surrogate gradients are all zero
        round_findings = findings if probe is original else split(diagnose(probe, texts), texts)[0]
        for cand in propose(texts, round_findings, probe, codemods):
            whole = _combine(base, texts, prior, cand)
            patches = {**own, **{p.path: sources[p.path].encode(p.after) for p in whole.patches}}
            verdict = runs.verify(whole, patches, exempt)
            tried.append(verdict)
            if verdict.accepted:
                usable = verdict.proposal.safety is Safety.SAFE or options.unsafe_fixes
                if usable and verdict.silenced:
                    silenced = silenced or verdict  # taken only if nothing better verifies
                elif usable:
                    return Repaired(script, original, findings, verdict, tuple(tried), suppressed=quiet)
                else:
                    suggestion = suggestion or verdict
            elif _progress(verdict.result, probe) and (best is None or _better(verdict.result, best.result)):
                best = verdict
        if silenced is not None:
            return Repaired(script, original, findings, silenced, tuple(tried), suppressed=quiet)
        if suggestion is not None or best is None:
            break
        texts = {p: t for p, t in base.items()}
        for patch in best.proposal.patches:
            texts[patch.path] = patch.after
        partial = {**own, **{p.path: sources[p.path].encode(p.after) for p in best.proposal.patches}}
        probe, prior = runs.diagnose(partial), (best.proposal,)
    return Unrepaired(script, original, findings, tuple(tried), suggestion, quiet)


class _Runs:
    """The runs of one file's repair: the original (eager for diagnosis, in its own mode when that
    is needed) and each candidate in the program's own mode.

    The original run keeps a snapshot of the script's setup (runner/snapshot.py); every later run
    resumes from it where ``gradfix.resume`` finds that sound, and runs whole otherwise."""

    def __init__(self, script: Path, runner: Runner, options: RunOptions, own: dict[Path, bytes]) -> None:
        self.script, self.runner, self.options, self.own = script, runner, options, own
        self.first: ProbeResult | None = None
        self._own_mode: ProbeResult | None = None
        self.snapshot: Snapshot | None = None

    def _call(self, patches: dict[Path, bytes] | None, how: dict):
        return lambda: self.runner.run(self.script, self.options.script_args, self.options.timeout,
                                       patches=patches or None, **how)

    def run(self, patches: dict[Path, bytes] | None, **how) -> ProbeResult:
        if self.snapshot is not None:
            resumed = self.snapshot.run(self._call(patches, how), patches)
            if resumed is not None:
                return resumed
        return self._call(patches, how)()

    def close(self, talk: bool = True) -> None:
        if self.snapshot is not None:
            self.snapshot.close(talk)

    def diagnose(self, patches: dict[Path, bytes] | None, keep: bool = False) -> ProbeResult:
        """A run for diagnosis: eager, unless that fails where the program's own mode does not.
        ``keep``: the original's first run, which keeps the snapshot."""
        if keep:
            script = self.script.resolve()
            eager, self.snapshot = Snapshot.keep(self.runner, script, self._call(patches, {"eager": True}),
                                                 self.own.get(script))
        else:
            eager = self.run(patches, eager=True)
        if eager.missing_count or any(c.error for c in eager.gradient_calls) or ran_its_course(eager):
            return eager
        plain = self.run(patches, eager=False)
        further = len(plain.gradient_calls) > len(eager.gradient_calls) or plain.missing_count
        return plain if ran_its_course(plain) or further else eager

    def original(self) -> ProbeResult:
        self.first = self.diagnose(self.own, keep=True)
        if not self.first.eager:
            self._own_mode = self.first
        return self.first

    def own_mode(self) -> ProbeResult:
        """The original in its own mode (run once, when a loss must be compared in that mode)."""
        if self._own_mode is None:
            self._own_mode = self.run(self.own, eager=False)
        return self._own_mode

    def verify(self, whole: Proposal, patches: dict[Path, bytes], exempt: frozenset[str]) -> Verdict:
        lines = LineMap.of((p.path, p.before, p.after) for p in whole.patches)
        result = self.run(patches, eager=False, expect=expected(self.first, lines), steps=STEPS)
        verdict = judge(whole, result, self.first, exempt, lines)
        if (verdict.accepted and whole.safety is Safety.SAFE and verdict.proposal.safety is Safety.UNSAFE
                and self.first.eager):
            # The loss moved between the eager original and the traced candidate: compare it with
            # the original traced as well (random ops draw differently in the two modes).
            own = self.own_mode().first_loss
            if own is not None:
                verdict = judge(whole, result, self.first, exempt, lines, baseline_loss=own)
            if verdict.proposal.safety is Safety.UNSAFE and self.first.first_loss is not None:
                # The original fails in its own mode before any loss (NumPy a graph refuses): run
                # the candidate eagerly too, like the original was, and compare the two eager losses.
                eager = self.run(patches, eager=True, expect=expected(self.first, lines), steps=1)
                if eager.status == "ok" and losses_equal(self.first.first_loss, eager.first_loss):
                    verdict = judge(whole, result, self.first, exempt, lines, baseline_loss=result.first_loss)
        return verdict


def _progress(result: ProbeResult | None, before: ProbeResult) -> bool:
    """A partial fix: the program got as far and fewer sources lack a gradient."""
    return (result is not None and result.status == "ok" and len(result.gradient_calls) >= len(before.gradient_calls)
            and (result.missing_count < before.missing_count
                 or len(result.gradient_calls) > len(before.gradient_calls)))


def _better(a: ProbeResult, b: ProbeResult | None) -> bool:
    return b is None or (a.missing_count, -len(a.gradient_calls)) < (b.missing_count, -len(b.gradient_calls))


def write_fix(outcome: Repaired) -> Repaired:
    """Write a verified fix to disk, all files or none (raises WriteError, nothing written)."""
    from dataclasses import replace

    from gradfix.write import WriteError, write_all

    changes = []
    for patch in outcome.verdict.proposal.patches:
        try:
            current = load(patch.path)
        except InputError as exc:
            raise WriteError(f"{exc}; nothing written") from exc
        if current.text != patch.before:
            raise WriteError(f"{patch.path}: changed on disk since gradfix read it; nothing written")
        changes.append((patch.path, current.data, current.encode(patch.after)))
    write_all(changes)
    return replace(outcome, written=True)
