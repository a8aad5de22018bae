"""``apply --interactive``: one verified fix at a time, each decided by the user.

Files are examined one by one, right before their question, so each fix is verified against the
files as they are after the fixes already accepted (a shared helper module fixed for one script is
what the next script's fix is built and checked on). Unsafe fixes (they change values) are offered
after every safe one, marked as such. The loop is pure: examining, writing, asking
and showing come in as functions; the CLI supplies the prompts and the printing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from gradfix.diff import display_path
from gradfix.group import GROUP_MIN, common_prefix, full_name
from gradfix.pairs import pairs
from gradfix.types import Outcome, Repaired, Skipped, Unrepaired

YES, NO, ALL, QUIT = "y", "n", "a", "q"


def review(targets: Sequence[Path], examine: Callable[[Path], Outcome], write: Callable[[Repaired], Outcome],
           ask: Callable[[Repaired], str], show: Callable[[Outcome], None]) -> list[Outcome]:
    """Examine each target; for a verified fix ask YES, NO, ALL (this and every later one) or QUIT
    (stop: later targets are not examined). Then, after every safe fix, each verified unsafe fix
    (one that changes values, shown as a suggestion) is offered the same way, its ALL covering only
    the unsafe ones. Returns the outcomes, written ones marked so."""
    outcomes: list[Outcome] = []
    accept_all = False
    for index, path in enumerate(targets):
        outcome = examine(path)
        if isinstance(outcome, Repaired):
            answer = ALL if accept_all else ask(outcome)
            if answer == QUIT:
                outcomes.append(outcome)
                outcomes += [Skipped(p, "not reviewed (quit)") for p in targets[index + 1:]]
                return outcomes
            if answer in (YES, ALL):
                outcome = write(outcome)
                accept_all = accept_all or answer == ALL
        show(outcome)
        outcomes.append(outcome)
    accept_all = False
    for index, outcome in enumerate(outcomes):
        if not (isinstance(outcome, Unrepaired) and outcome.suggestion is not None and not outcome.note):
            continue
        fix = unsafe_fix(outcome)
        answer = ALL if accept_all else ask(fix)
        if answer == QUIT:
            break
        if answer in (YES, ALL):
            accept_all = accept_all or answer == ALL
            done = write(fix)
            outcomes[index] = done if not isinstance(done, Repaired) or done.written else outcome
            show(outcomes[index])
    return outcomes


def unsafe_fix(outcome: Unrepaired) -> Repaired:
    """An Unrepaired file's verified unsafe suggestion as a fix to accept or decline."""
    assert outcome.suggestion is not None
    return Repaired(outcome.path, outcome.probe, outcome.findings, outcome.suggestion, outcome.tried,
                    suppressed=outcome.suppressed)


def evidence_lines(outcome: Repaired, verbose: bool = False) -> list[str]:
    """The proof of a fix in a few lines: each variable's gradient before and after, at which step
    of which gradient call (a call reached several times at one step is numbered), then the loss.
    Three or more variables of one call that fared alike are one line, unless ``verbose``."""
    calls: dict[int, list] = {}
    for p in pairs(outcome.probe, outcome.verdict.result):
        calls.setdefault(id(p.call), []).append(p)
    seen: dict[tuple, int] = {}
    lines = []
    for found in calls.values():
        call = found[0].call
        key = (call.path, call.line, call.step)
        seen[key] = seen.get(key, 0) + 1
        nth = f", call {seen[key]}" if seen[key] > 1 else ""
        where = f"  {display_path(Path(call.path))}:{call.line} (step {call.step}{nth})"
        rows = [(full_name(p.before), _was(p), _now(p)) for p in found]
        if verbose or len(rows) < GROUP_MIN:
            lines += [f"{where}  {name}: gradient {was} -> {now}" for name, was, now in rows]
            continue
        alike: dict[tuple[str, str], list[str]] = {}
        for name, was, now in rows:
            alike.setdefault((_kind(was), _kind(now)), []).append(name)
        for (was, now), names in alike.items():
            owner = common_prefix(names)
            who = names[0] if len(names) == 1 else f"{len(names)} variables" + (f" of '{owner}'" if owner else "")
            lines.append(f"{where}  {who}: gradient {was} -> {now}")
    loss_after = outcome.verdict.result.first_loss if outcome.verdict.result else None
    lines.append(f"  loss: {outcome.probe.first_loss} -> {loss_after}")
    return lines


def _was(p) -> str:
    src = p.before
    return "None" if not src.has_gradient else f"{src.norm:.4g}" if src.norm is not None else "present"


def _now(p) -> str:
    new = p.after
    return ("no longer differentiated" if p.dropped else "None" if new is None or not new.has_gradient
            else f"{new.norm:.4g}" if new.norm is not None else "present")


def _kind(value: str) -> str:
    """A norm reads as "present" when several variables are summed up in one line."""
    return value if value in ("None", "present", "no longer differentiated") else "present"
