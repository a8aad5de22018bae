"""One file, start to end: repair it and, when asked, write the fix (the unit of a scan)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gradfix.errors import GradfixError
from gradfix.types import Failed, Outcome, Repaired, RunOptions, Skipped


def examine(path: Path, runner, options: RunOptions, write: bool) -> Outcome:
    """``repair`` (``repair_notebook`` for a ``.ipynb``) then, with ``write``, ``write_fix``; a write
    that cannot happen is a Failed value. The script runs with the arguments configured for it
    (``[tool.gradfix.script-args]``, see ``RunOptions.for_script``)."""
    from gradfix.notebook import is_notebook, repair_notebook
    from gradfix.pipeline import repair, write_fix  # libcst is imported only when work starts

    options = options.for_script(path)
    outcome = (repair_notebook if is_notebook(path) else repair)(path, runner, options)
    if write and isinstance(outcome, Repaired):
        try:
            outcome = write_fix(outcome)
        except GradfixError as exc:
            outcome = Failed(path, str(exc), outcome.probe)
    return outcome


def skip_if_found(outcome: Outcome, named: set[Path]) -> Outcome:
    """A file a folder scan found (it mentions GradientTape, fit or train_step) that computes no
    gradient when run is a module, not a training script: skipped, not an error. A file the user
    named is reported as the error it is."""
    if isinstance(outcome, Failed) and outcome.no_gradient and Path(outcome.path).resolve() not in named:
        return Skipped(outcome.path, "computes no gradient when run")
    return outcome


def finish(outcomes: list[Outcome], runner_factory, options: RunOptions, write: bool,
           on_write: Callable[[Path], None] | None = None) -> list[Outcome]:
    """A folder's outcomes, examined without writing: fixes that share a file settled together
    (combine.py, with a runner from ``runner_factory`` when there is such a group), then, with
    ``write``, each fix written (``on_write`` told each file, so an interruption can say what is
    on disk); a write that cannot happen is that file's Failed value."""
    from gradfix.combine import groups, settle
    from gradfix.pipeline import write_fix

    if groups(outcomes):
        with runner_factory() as runner:
            outcomes = settle(outcomes, runner, options)
    if not write:
        return outcomes
    written = []
    for outcome in outcomes:
        if isinstance(outcome, Repaired):
            try:
                outcome = write_fix(outcome)
            except GradfixError as exc:
                outcome = Failed(outcome.path, str(exc), outcome.probe)
            else:
                for patch in outcome.verdict.proposal.patches:
                    (on_write or (lambda _path: None))(patch.path)
        written.append(outcome)
    return written
