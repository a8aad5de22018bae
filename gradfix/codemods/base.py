"""What every codemod is: a self-describing rewrite of one module's source text."""

from __future__ import annotations

import abc
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, ClassVar, Optional

from gradfix.errors import strict
from gradfix.types import Cause, Safety

if TYPE_CHECKING:
    import libcst as cst


@dataclass(frozen=True)
class Focus:
    """Where the probe saw missing gradients in this file.

    ``lines``: lines of the gradient calls whose sources got ``None`` (for ``model.fit`` the line
    of the user's call that led into Keras, e.g. ``model.fit(...)``). ``variables``: names of the
    sources without a gradient. ``functions``: first lines (``co_firstlineno``: the first decorator
    or the ``def``) of the functions of this file that ran during the failing step with at least
    one tensor or variable argument — custom losses, layers' ``call``, helpers, ``train_step`` —
    so a codemod can repair code the loss went through even when no tape is in this file.
    ``starved``: lines of the gradient calls where *every* source got ``None`` (nothing reaches the
    loss, so a gradient blocked on purpose elsewhere cannot be what the user relies on). ``host``:
    names of sources that were NumPy arrays or Python numbers, which a tape cannot watch.
    ``integer``: names of sources (tensors or arrays, not variables) of an integer dtype.
    ``None`` instead of a Focus means "every gradient call in the file"."""

    lines: frozenset[int] = frozenset()
    variables: frozenset[str] = frozenset()
    functions: frozenset[int] = frozenset()
    starved: frozenset[int] = frozenset()
    host: frozenset[str] = frozenset()  # names of sources the probe saw as NumPy arrays or Python values
    integer: frozenset[str] = frozenset()  # names of tensor/array sources of integer dtype (not variables)

    def moved(self, before: str, after: str) -> "Focus":
        """The same focus on ``after``, a rewrite of ``before``: its lines follow the lines a rewrite
        added or removed above them (a composed codemod sees the text its predecessor wrote)."""
        from gradfix.sites import LineMap

        if before == after:
            return self
        lines = LineMap.of([("<module>", before, after)])

        def at(numbers: frozenset[int]) -> frozenset[int]:
            return frozenset(lines.lines("<module>", n)[0] for n in numbers)

        return replace(self, lines=at(self.lines), functions=at(self.functions), starved=at(self.starved))


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
    # gives an op a gradient of the codemod's own making: a fix whose missing gradients all come out
    # identically zero only silenced the error, and is rejected (verify.judge)
    SURROGATE: ClassVar[bool] = False
    EXAMPLES: ClassVar[tuple[Example, ...]]

    @abc.abstractmethod
    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        """Return the rewritten source. Never raises for code it does not understand: declines."""


def declined(source: str, *notes: str) -> Rewrite:
    """The answer of a codemod that leaves ``source`` alone (with an optional reason)."""
    return Rewrite(code=source, changed=False, notes=tuple(notes))


def finished(source: str, code: str, notes: tuple[str, ...] = ()) -> Rewrite:
    """The answer for a rewrite that produced ``code`` from ``source``. A rewrite that would lose or
    alter a comment is declined instead: users' words are never dropped (the property tests found
    replacements of calls whose arguments carried comments)."""
    lost = _comments(source) - _comments(code) if code != source else None
    if lost:
        return declined(source, f"the rewrite would drop the comment {next(iter(lost))!r}")
    return Rewrite(code=code, changed=code != source, notes=notes)


def _comments(text: str) -> "Counter[str]":
    import io
    import tokenize
    from collections import Counter

    try:
        return Counter(t.string for t in tokenize.generate_tokens(io.StringIO(text).readline)
                       if t.type == tokenize.COMMENT)
    except (tokenize.TokenError, SyntaxError):
        return Counter()


def apply_transformer(source: str, module: "cst.Module", transformer: "cst.CSTTransformer") -> Rewrite:
    """Visit ``module`` with ``transformer``; add ``import tensorflow as tf`` when the rewrite
    introduced TF calls into a module without it; decline (never raise) on an unforeseen shape.
    The transformer's ``notes`` (collected while visiting) become the Rewrite's notes."""
    from gradfix.analysis.names import ensure_tf_import, tf_alias

    try:
        new = module.visit(transformer)
        if getattr(transformer, "changed", new is not module) and tf_alias(new) is None:
            new = ensure_tf_import(new)
    except Exception as error:  # noqa: BLE001 - decline on shapes we did not foresee
        if strict():
            raise
        return declined(source, f"could not rewrite: {error}")
    return finished(source, new.code, tuple(dict.fromkeys(getattr(transformer, "notes", ()))))


class CallTargetsCodemod(Codemod):
    """A codemod that picks nodes for each focused gradient call (``targets``: their ids, or their
    ids mapped to what the transformer needs for each, such as a replacement) and rewrites them
    with one transformer (``transformer(picked)``, a dict id -> payload); it declines when none is picked
    and on code it cannot analyse."""

    @abc.abstractmethod
    def targets(self, flow, call, focus: Optional[Focus]) -> "set[int] | Mapping[int, object]":
        """Ids of the nodes to rewrite for one gradient call of ``flow``."""

    @abc.abstractmethod
    def transformer(self, targets: "Mapping[int, object]") -> "cst.CSTTransformer":
        """The transformer that rewrites the nodes whose ids are the keys of ``targets``."""

    def module_targets(self, flow, focus: Optional[Focus]) -> set[int]:
        """Ids of nodes to rewrite that no gradient call of this file leads to (``model.fit``:
        the functions the probe saw run, ``focus.functions``). None by default."""
        return set()

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        from gradfix.analysis.flow import analyse

        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        targets: dict[int, object] = {}
        try:
            for call in flow.focused(focus):
                picked = self.targets(flow, call, focus)
                targets.update(picked if isinstance(picked, Mapping) else dict.fromkeys(picked))
            targets.update(dict.fromkeys(self.module_targets(flow, focus)))
        except Exception as error:  # noqa: BLE001 - unknown shapes of code: decline
            if strict():
                raise
            return declined(source, f"could not analyse: {error}")
        if not targets:
            return declined(source)
        try:
            module = flow.module.visit(self.transformer(targets))
        except Exception as error:  # noqa: BLE001 - decline on shapes we did not foresee
            if strict():
                raise
            return declined(source, f"could not rewrite: {error}")
        return finished(source, module.code)


class RegionCodemod(Codemod):
    """A codemod that rewrites calls inside the gradient regions (tape paths, the same-file
    functions they call, and the functions the probe saw run on the tape) with one transformer
    class, ``TRANSFORMER(flow, regions, tf_spelling)``. ``WITH_DATA``: whether parameters that hold
    data (``y_true``, ``labels``) count as tensor-derived."""

    TRANSFORMER: ClassVar[type]
    WITH_DATA: ClassVar[bool] = True

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        from gradfix.analysis.flow import analyse
        from gradfix.analysis.names import tf_spelling
        from gradfix.analysis.regions import gradient_regions

        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        regions = gradient_regions(flow, focus, with_data=self.WITH_DATA)
        if not regions:
            return declined(source)
        return apply_transformer(source, flow.module, self.TRANSFORMER(flow, regions, tf_spelling(flow.module)))
