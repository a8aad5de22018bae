"""Inline suppression: ``# gradfix: ignore`` or ``# gradfix: ignore[cause, ...]``.

A missing gradient the user means (a frozen branch, a variable trained elsewhere) is silenced by
that comment on the line of its ``tape.gradient`` call or on the line its cause points to. Only
the causes named are silenced (all, without brackets). Suppressed variables are reported as such,
and verification no longer asks for their gradients.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from gradfix.types import Finding

_COMMENT = re.compile(r"#\s*gradfix:\s*ignore(?:\[([^\]]*)\])?", re.IGNORECASE)
ALL = frozenset({"*"})


@lru_cache(maxsize=64)
def directives(text: str) -> dict[int, frozenset[str]]:
    """Line number -> causes silenced there (``ALL`` for a bare ignore); comments only, not strings."""
    found: dict[int, frozenset[str]] = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return found
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        match = _COMMENT.search(tok.string)
        if match:
            causes = match.group(1)
            names = frozenset(c.strip().lower() for c in causes.split(",") if c.strip()) if causes else ALL
            found[tok.start[0]] = found.get(tok.start[0], frozenset()) | names
    return found


def _silenced(texts: Mapping[Path, str], path: str | None, line: int | None, cause: str) -> bool:
    if path is None or line is None:
        return False
    text = texts.get(Path(path).resolve())
    if text is None:
        return False
    causes = directives(text).get(line)
    return causes is not None and (causes == ALL or "*" in causes or cause in causes)


def split(findings: Iterable[Finding], texts: Mapping[Path, str]) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """(active, suppressed) findings, given the texts of the user's files (resolved paths)."""
    texts = {Path(p).resolve(): t for p, t in texts.items()}
    active, quiet = [], []
    for f in findings:
        hushed = (_silenced(texts, f.path, f.line, f.cause.value)
                  or _silenced(texts, f.cause_path or f.path, f.cause_line, f.cause.value))
        (quiet if hushed else active).append(f)
    return tuple(active), tuple(quiet)
