"""What every codemod is: a self-describing rewrite of one module's source text."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import ClassVar, Optional

from gradfix.types import Cause, Safety


@dataclass(frozen=True)
class Focus:
    """Where the probe saw missing gradients in this file.

    ``lines``: lines of the gradient calls whose sources got ``None`` (for ``model.fit`` the line
    of the user's call that led into Keras, e.g. ``model.fit(...)``). ``variables``: names of the
    sources without a gradient. ``functions``: first lines (``co_firstlineno``: the first decorator
    or the ``def``) of the functions of this file that ran during the failing step with at least
    one tensor or variable argument — custom losses, layers' ``call``, helpers, ``train_step`` —
    so a codemod can repair code the loss went through even when no tape is in this file.
    ``None`` instead of a Focus means "every gradient call in the file"."""

    lines: frozenset[int] = frozenset()
    variables: frozenset[str] = frozenset()
    functions: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Example:
    """A before/after pair; ``after == before`` means the codemod must leave the code alone."""

    before: str
    after: str
    title: str = ""


def Unchanged(code: str, title: str = "") -> Example:
    return Example(before=code, after=code, title=title)


@dataclass(frozen=True)
class Rewrite:
    """A codemod's answer: the new source (equal to the old one when it declined) and notes."""

    code: str
    changed: bool
    notes: tuple[str, ...] = field(default=())


class Codemod(abc.ABC):
    NAME: ClassVar[str]
    DESCRIPTION: ClassVar[str]
    CAUSES: ClassVar[tuple[Cause, ...]]
    SAFETY: ClassVar[Safety]
    EXAMPLES: ClassVar[tuple[Example, ...]]

    @abc.abstractmethod
    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        """Return the rewritten source. Never raises for code it does not understand: declines."""


def declined(source: str, *notes: str) -> Rewrite:
    """The answer of a codemod that leaves ``source`` alone (with an optional reason)."""
    return Rewrite(code=source, changed=False, notes=tuple(notes))


def finished(source: str, code: str, notes: tuple[str, ...] = ()) -> Rewrite:
    """The answer for a rewrite that produced ``code`` from ``source``."""
    return Rewrite(code=code, changed=code != source, notes=notes)
