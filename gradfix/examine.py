"""One file, start to end: repair it and, when asked, write the fix (the unit of a scan)."""

from __future__ import annotations

from pathlib import Path

from gradfix.errors import GradfixError
from gradfix.types import Failed, Outcome, Repaired, RunOptions


def examine(path: Path, runner, options: RunOptions, write: bool) -> Outcome:
    """``repair`` then, with ``write``, ``write_fix``; a write that cannot happen is a Failed value."""
    from gradfix.pipeline import repair, write_fix  # libcst is imported only when work starts

    outcome = repair(path, runner, options)
    if write and isinstance(outcome, Repaired):
        try:
            outcome = write_fix(outcome)
        except GradfixError as exc:
            outcome = Failed(path, str(exc), outcome.probe)
    return outcome
