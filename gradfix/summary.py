"""The one line that ends a run: what was found, fixed, left, suppressed and not checked, said
exactly (never "Found 0 missing gradients in 1 file" for a file that could not be checked)."""

from __future__ import annotations

from collections.abc import Sequence

from gradfix.group import group
from gradfix.types import Failed, Outcome, Repaired, Skipped, Unrepaired


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def summary(outcomes: Sequence[Outcome], applied: bool, dry_run: bool = False) -> str:
    """One line that says exactly what happened: what was found, fixed, left, and not checked."""
    faulty = [o for o in outcomes if isinstance(o, (Repaired, Unrepaired))]
    missing = sum(len(o.findings) for o in faulty)
    causes = sum(len(group(o.findings)) for o in faulty)
    fixed = sum(len(o.findings) for o in faulty if isinstance(o, Repaired) and o.written)
    fixable = sum(len(o.findings) for o in faulty if isinstance(o, Repaired) and not o.written)
    unsafe = sum(len(o.findings) for o in faulty if isinstance(o, Unrepaired) and o.suggestion is not None)
    unfixed = sum(len(o.findings) for o in faulty if isinstance(o, Unrepaired) and o.suggestion is None)
    quiet = sum(len(getattr(o, "suppressed", ())) for o in outcomes)
    errors = sum(isinstance(o, Failed) for o in outcomes)
    skipped = sum(isinstance(o, Skipped) for o in outcomes)
    checked = len(outcomes) - skipped - errors
    tail = f" ({skipped} skipped: no gradient computed when run)" if skipped else ""
    not_checked = f"{_plural(errors, 'file')} could not be checked"
    if missing == 0:
        if checked == 0 and errors:
            return f"{not_checked[0].upper()}{not_checked[1:]}{tail}."
        head = "All gradients present" if not quiet else "No missing gradients to fix"
        detail = _plural(checked, "file") + " checked" + (f", {quiet} suppressed by # gradfix: ignore" if quiet else "")
        return f"{head} ({detail}){tail}" + (f"; {not_checked}" if errors else "") + "."
    where = _plural(checked, "file") if len(faulty) == checked else f"{len(faulty)} of {_plural(checked, 'file')} checked"
    head = f"Found {_plural(missing, 'missing gradient')}" + (f" ({_plural(causes, 'cause')})" if causes != missing else "")
    parts = [f"{head} in {where}"]
    if applied:
        parts.append(f"{fixed} fixed")
    if fixable:
        parts.append(f"{fixable} fixable with `gradfix apply`" if not applied
                     else f"{fixable} fixable, not written")
    if unsafe:
        parts.append(f"{unsafe} with an unsafe fix to review (--unsafe-fixes)")
    if unfixed:
        parts.append(f"{unfixed} without a verified fix")
    if quiet:
        parts.append(f"{quiet} suppressed by # gradfix: ignore")
    if errors:
        parts.append(not_checked)
    line = "Found " + ", ".join(parts)[len("Found "):] + tail + "."
    return line + (" Nothing written (--dry-run)." if dry_run and fixable else "")
