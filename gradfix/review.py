"""``apply --interactive``: one verified fix at a time, each decided by the user.

Files are examined one by one, right before their question, so each fix is verified against the
files as they are after the fixes already accepted (a shared helper module fixed for one script is
what the next script's fix is built and checked on). The loop is pure: examining, writing, asking
and showing come in as functions; the CLI supplies the prompts and the printing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from gradfix.diff import display_path
from gradfix.pairs import pairs
from gradfix.types import Outcome, Repaired, Skipped

YES, NO, ALL, QUIT = "y", "n", "a", "q"


def review(targets: Sequence[Path], examine: Callable[[Path], Outcome], write: Callable[[Repaired], Outcome],
           ask: Callable[[Repaired], str], show: Callable[[Outcome], None]) -> list[Outcome]:
    """Examine each target; for a verified fix ask YES, NO, ALL (this and every later one) or QUIT
    (stop: later targets are not examined). Returns the outcomes, written ones marked so."""
    outcomes: list[Outcome] = []
    accept_all = False
    for index, path in enumerate(targets):
        outcome = examine(path)
        if isinstance(outcome, Repaired):
            answer = ALL if accept_all else ask(outcome)
            if answer == QUIT:
                outcomes.append(outcome)
                outcomes += [Skipped(p, "not reviewed (quit)") for p in targets[index + 1:]]
                break
            if answer in (YES, ALL):
                outcome = write(outcome)
                accept_all = accept_all or answer == ALL
        show(outcome)
        outcomes.append(outcome)
    return outcomes


def evidence_lines(outcome: Repaired) -> list[str]:
    """The proof of a fix in a few lines: each variable's gradient before and after, the loss."""
    lines = []
    for p in pairs(outcome.probe, outcome.verdict.result):
        src, new = p.before, p.after
        was = "None" if not src.has_gradient else f"{src.norm:.4g}" if src.norm is not None else "present"
        now = ("no longer differentiated" if p.dropped else "None" if new is None or not new.has_gradient
               else f"{new.norm:.4g}" if new.norm is not None else "present")
        lines.append(f"  {display_path(Path(p.call.path))}:{p.call.line}  {src.name}: gradient {was} -> {now}")
    loss_after = outcome.verdict.result.first_loss if outcome.verdict.result else None
    lines.append(f"  loss: {outcome.probe.first_loss} -> {loss_after}")
    return lines
