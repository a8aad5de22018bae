"""Judging a candidate by running it (DESIGN.md section 4)."""

from __future__ import annotations

import math
from dataclasses import replace

from gradfix.types import ProbeResult, Proposal, Safety, Verdict

REL_TOL = 1e-5
ABS_TOL = 1e-7


def losses_equal(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return True  # nothing to compare: only eager scalars are compared
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def failure(result: ProbeResult, original: ProbeResult, exempt: frozenset[str] = frozenset()) -> str | None:
    """Why ``result`` does not show a working training step, or None when it does. Variables in
    ``exempt`` (suppressed by ``# gradfix: ignore``) may stay without a gradient."""
    if result.status == "timeout":
        return "the patched program timed out"
    if result.status in ("crashed", "limit") and result.error:
        return f"the patched program {result.error.message}"
    if result.status != "ok":
        return f"the patched program did not finish its step ({result.status})"
    if result.error is not None:
        where = f" at line {result.error.stack[-1].line}" if result.error.stack else ""
        return f"the patched program raised {result.error.type}{where}: {result.error.message}"
    if result.exit_code not in (None, 0):
        return f"the patched program exited with status {result.exit_code}"
    if not result.gradient_calls:
        return "the patched program computed no gradient"
    if len(result.gradient_calls) < len(original.gradient_calls):
        return (f"the patched program reached {len(result.gradient_calls)} gradient call(s), "
                f"the original {len(original.gradient_calls)}")
    missing = [s.name for c in _strict_calls(result, original) for s in c.sources
               if not s.has_gradient and s.name not in exempt]
    if missing:
        return f"still no gradient for {', '.join(dict.fromkeys(missing))}"
    infinite = [s.name for c in result.gradient_calls for s in c.sources if not s.finite]
    if infinite:
        return f"non-finite gradient for {', '.join(dict.fromkeys(infinite))}"
    return None


def _strict_calls(result: ProbeResult, original: ProbeResult) -> list:
    """The gradient calls whose every source must get a gradient: those the original reached, and
    new ones (reached only once the fix let the program go further) that got no gradient at all.
    A new call where only some sources lack a gradient (a bias that cancels out of a derivative,
    say) does not block the fix that got the program there; the verdict reports it."""
    reached = len(original.gradient_calls)
    return [c for i, c in enumerate(result.gradient_calls)
            if i < reached or all(not s.has_gradient for s in c.sources)]


def _leftovers(result: ProbeResult, original: ProbeResult) -> list[str]:
    strict = {id(c) for c in _strict_calls(result, original)}
    return [f"{s.name} (line {c.line})" for c in result.gradient_calls if id(c) not in strict
            for s in c.sources if not s.has_gradient]


def judge(proposal: Proposal, result: ProbeResult, original: ProbeResult,
          exempt: frozenset[str] = frozenset()) -> Verdict:
    """Accept or reject ``proposal`` by its run. A safe proposal whose run is right in every way but
    its first loss is not what it claimed to be: it is kept as an *unsafe* proposal, with a note
    saying how the loss moved, so it needs --unsafe-fixes like any value-changing fix."""
    reason = failure(result, original, exempt)
    zeros = tuple(dict.fromkeys(
        s.name for c in result.gradient_calls for s in c.sources if s.has_gradient and s.norm == 0.0
    ))
    if reason is None and proposal.safety is Safety.SAFE and not losses_equal(original.first_loss,
                                                                             result.first_loss):
        note = (f"{proposal.label} changes the first loss from {original.first_loss:.9g} to "
                f"{result.first_loss:.9g} (e.g. layers that behave differently in training), so it is "
                f"treated as unsafe")
        proposal = replace(proposal, safety=Safety.UNSAFE, notes=(*proposal.notes, note))
    leftovers = _leftovers(result, original) if reason is None else []
    if leftovers:
        note = (f"the program now gets further; at a gradient call the original never reached, "
                f"{', '.join(dict.fromkeys(leftovers))} still get no gradient (run `gradfix check` "
                f"on the result for an explanation)")
        proposal = replace(proposal, notes=(*proposal.notes, note))
    return Verdict(proposal, accepted=reason is None, reason=reason or "verified", result=result,
                   zero_gradients=zeros)
