"""Each source of the first run beside the same source in the run of the patched program.

Sources are matched by TensorFlow's variable path (or their name), not by position: a fix may
drop sources (``model.weights`` -> ``model.trainable_weights`` drops BatchNormalization's moving
statistics) or reorder them, and the proof of a fix must not pair one variable with another. A
call that was given no sources at all pairs nothing with each source the fix gives it (``added``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Optional

from gradfix.types import GradientCall, ProbeResult, SourceRecord


@dataclass(frozen=True)
class Pair:
    call: GradientCall  # the gradient call of the first run
    before: SourceRecord
    after: Optional[SourceRecord]  # None: no patched run, or the fix no longer differentiates it
    dropped: bool  # the patched run reached this call, but the source is no longer among its sources
    added: bool = False  # the first run's call had no sources at all; the fix made this one a source


def _match(src: SourceRecord, others: tuple[SourceRecord, ...]) -> Optional[SourceRecord]:
    """The same source among ``others``: by TensorFlow's variable path, else by the name the code
    uses (a variable replaced by a tensor at step two has only that)."""
    if src.var_name:
        found = next((o for o in others if o.var_name == src.var_name), None)
        if found is not None:
            return found
    found = next((o for o in others if o.name == src.name), None)
    if found is not None:
        return found
    return None


def _site(call: GradientCall) -> tuple[str, str]:
    frame = call.stack[-1] if call.stack else None
    return (call.path, frame.function if frame else "")


def _counterpart(call: GradientCall, index: int, after_calls: tuple[GradientCall, ...]) -> Optional[GradientCall]:
    """The patched run's record of ``call``: at the same site (file and function: a fix moves
    lines), the one whose sources are most the same variables, preferring one that ran (a graph's
    first trace may never run); by position when nothing else identifies it."""
    same = [c for c in after_calls if _site(c) == _site(call)]
    if not same:
        return after_calls[index] if index < len(after_calls) else None
    keys = {s.var_name or s.name for s in call.sources}

    def score(c: GradientCall) -> tuple[int, bool]:
        return (len(keys & {s.var_name or s.name for s in c.sources}),
                any(s.norm is not None for s in c.sources))

    return max(same, key=score)


def pairs(before: ProbeResult, after: Optional[ProbeResult]) -> Iterator[Pair]:
    """In the first run's order, each gradient call of the first step, and a later step's where a
    source lacks a gradient there (a variable replaced by a tensor shows at step two); calls are
    matched by site, sources by identity (or by position when nothing identifies them and the fix
    kept their number)."""
    after_calls = after.gradient_calls if after else ()
    for i, call in enumerate(before.gradient_calls):
        if call.step != 1 and not call.missing:
            continue
        other = _counterpart(call, i, after_calls)
        others = other.sources if other else ()
        if call.empty:  # an empty list before the fix: each source now differentiated, from nothing
            for new in others:
                yield Pair(call, replace(new, has_gradient=False, norm=None, finite=True), new, False, True)
            continue
        same_count = len(others) == len(call.sources)
        for j, src in enumerate(call.sources):
            new = _match(src, others) or (others[j] if same_count else None)
            yield Pair(call, src, new, dropped=other is not None and new is None)
