"""What a single-file run is doing, on one terminal line: running the original, verifying candidate
k, diagnosing a partial fix, with the seconds spent so far.

The pipeline needs no change for this: the runner it is given is wrapped, and each run it asks for
is named from its arguments (a run with sites to expect verifies a candidate; a script's original
is its first run and any later run with the same files). The CLI shows it only when stderr is a terminal,
so a pipe or a CI log sees nothing of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from gradfix.program_output import scrub

Show = Callable[[str], None]


class Watched:
    """A Runner that says what each run is before it starts; everything else is the runner's."""

    def __init__(self, runner, show: Show, clock: Callable[[], float] = time.monotonic) -> None:
        self._runner, self._show, self._clock = runner, show, clock
        self._start = clock()
        self._first: dict[Path, tuple] = {}  # per script: the patches of its original run
        self._candidates: dict[Path, int] = {}

    def __getattr__(self, name: str):
        return getattr(self._runner, name)

    def __enter__(self) -> "Watched":
        return self

    def __exit__(self, *exc) -> None:
        self._runner.__exit__(*exc)

    def what(self, script: Path, patches: dict | None, eager: bool | None, expect) -> str:
        """The words for one run (see the module doc)."""
        script = Path(script).resolve()
        key = tuple(sorted((str(p), b) for p, b in (patches or {}).items()))
        first = self._first.setdefault(script, key)
        if expect is not None:
            self._candidates[script] = self._candidates.get(script, 0) + 1
            return f"verifying candidate fix {self._candidates[script]} (the patched program, several steps)"
        if key == first:
            return "running the original" + (" (eager, to diagnose)" if eager else " in its own mode")
        return "diagnosing what a partial fix left"

    def run(self, script, args=(), timeout=120.0, patches=None, project=None, **how):
        words = self.what(script, patches, how.get("eager"), how.get("expect"))
        self._show(f"{scrub(Path(script).name)}: {words} … {self._clock() - self._start:.0f} s")
        return self._runner.run(script, args, timeout, patches, project, **how)


def terminal_line(echo: Callable[[str], None]) -> Show:
    """Show each message in place on one terminal line (``\\r`` + erase line)."""
    return lambda message: echo(f"\r\033[K{message}")
