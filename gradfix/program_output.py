"""The program's own words: the last lines a script printed before it failed, made safe to show.

A script that stops before its first gradient usually says why itself (argparse's "the following
arguments are required: --epochs", a missing data file). The probe keeps the run's stdout and
stderr; this picks the last few lines, without TensorFlow's start-up chatter, terminal escape
sequences or other control characters (a script's output must not drive the user's terminal),
each line and the whole capped.
"""

from __future__ import annotations

import re

MAX_LINES = 12
MAX_WIDTH = 240

_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NOISE = (
    re.compile(r"^[IWEF]\d{4} [\d:.]+\s+\d+ \S+:\d+\] "),  # absl/C++ log lines
    re.compile(r"^WARNING: All log messages before absl::InitializeLog\(\) is called"),
    re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] (tensorflow|external)/"),  # TF's C++ logging
    re.compile(r"^To enable the following instructions: .* rebuild TensorFlow"),
)


def scrub(line: str) -> str:
    """``line`` without escape sequences and control characters (tabs become spaces), capped."""
    line = _CONTROL.sub("", _ESCAPES.sub("", line.replace("\t", "    "))).rstrip()
    return line if len(line) <= MAX_WIDTH else line[:MAX_WIDTH - 1] + "…"


def tail(output: str, lines: int = MAX_LINES) -> list[str]:
    """The last ``lines`` meaningful lines of a run's output, scrubbed; [] when it printed nothing."""
    kept = [scrub(raw) for raw in output.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    kept = [line for line in kept if line.strip() and not any(p.match(line) for p in _NOISE)]
    return kept[-lines:]
