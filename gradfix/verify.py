"""Judging a candidate by running it (DESIGN.md section 4, as issue "Runs that tell the truth" set it).

A candidate's run is made in the program's own mode (graph where the user's code is traced) and
lasts ``STEPS`` arrivals at every gradient call site the original reached. It passes when:
1. the program raised nothing, exited with status 0 (with ``--run``: the command's status), and did
   not time out or crash;
2. every site the original reached (matched by file, function and line, see sites.py) was reached
   ``STEPS`` times — fewer only where the program itself ends sooner, or where the original,
   running its course, reached it fewer times;
3. at every one of those arrivals every source got a gradient (``# gradfix: ignore`` exempts a
   variable), every gradient was finite, and the variables were the same objects (none created at
   every call);
4. a site the fix newly reaches gives at least one source a gradient (a partial one is reported);
5. for a safe fix, the first loss equals the original's (relative tolerance ``REL_TOL``). A loss that
   cannot be compared (missing, a list, non-finite) fails the safe claim closed: the fix is kept
   as unsafe, with a note, as one whose loss moved.
"""

from __future__ import annotations

import math
from dataclasses import replace

from gradfix.sites import LineMap, matching, same_site, sites
from gradfix.types import ProbeResult, Proposal, Safety, Verdict

REL_TOL = 1e-5
ABS_TOL = 1e-7
STEPS = 3  # optimizer steps a candidate must run at every site (all, if the program has fewer)
NO_LINES = LineMap({})


def losses_equal(a: float | None, b: float | None) -> bool:
    """Whether two first losses are the same value; False when either cannot be compared."""
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
        return False
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def ran_its_course(result: ProbeResult) -> bool:
    """The run was not cut short by an error: it ended, or the probe stopped it having seen enough."""
    return result.status == "ok" and result.error is None and result.exit_code in (None, 0)


def _where(site) -> str:
    frame = site.frame
    return f"line {frame.line}" if frame else "a gradient call"


def _run_failure(result: ProbeResult) -> str | None:
    if result.status == "timeout":
        return "the patched program timed out"
    if result.status in ("crashed", "limit") and result.error:
        return f"the patched program {result.error.message}"
    if result.status != "ok":
        return f"the patched program did not finish its step ({result.status})"
    if result.error is not None:
        where = f" at line {result.error.stack[-1].line}" if result.error.stack else ""
        step = _step_of(result)
        return f"the patched program raised {result.error.type}{where}{step}: {result.error.message}"
    if result.exit_code not in (None, 0):
        return f"the patched program exited with status {result.exit_code}"
    if not result.gradient_calls and not result.sites:
        return "the patched program computed no gradient"
    return None


def _step_of(result: ProbeResult) -> str:
    most = max((s.arrivals for s in result.sites), default=0)
    return f" (after {most} step{'s' if most != 1 else ''})" if most else ""


def failure(result: ProbeResult, original: ProbeResult, exempt: frozenset[str] = frozenset(),
            lines: LineMap = NO_LINES, steps: int = STEPS) -> str | None:
    """Why ``result`` does not show working training steps, or None when it does. Variables in
    ``exempt`` (suppressed by ``# gradfix: ignore``) may stay without a gradient."""
    reason = _run_failure(result)
    if reason:
        return reason
    original_whole = ran_its_course(original)
    for site, found in matching(original, result, lines):
        if not found:
            return f"the patched program never reached the gradient call at {_where(site)}"
        arrivals = sum(s.arrivals for s in found)
        need = 1 if result.ended else min(steps, site.arrivals) if original_whole else steps
        if arrivals < need and all(s.monitored for s in found):  # under XLA steps are not counted
            return (f"the patched program reached the gradient call at {_where(site)} {arrivals} "
                    f"time(s), not the {need} steps it must run")
        missing = [n for s in found for n in s.missing if n not in exempt]
        if missing:
            return f"still no gradient for {', '.join(dict.fromkeys(missing))}"
        infinite = [n for s in found for n in s.nonfinite]
        if infinite:
            return f"non-finite gradient for {', '.join(dict.fromkeys(infinite))}"
        if any(s.fresh_variables for s in found):
            return (f"the patched program creates new variables at every step (gradient call at "
                    f"{_where(site)}): the optimizer would train a different set each time")
    for site in _new_sites(result, original, lines):
        if site.missing and len(site.missing) >= len(_names(result, site)):
            return f"still no gradient for {', '.join(site.missing)} (at a gradient call the fix reaches)"
        if site.nonfinite:
            return f"non-finite gradient for {', '.join(site.nonfinite)}"
    return None


def _names(result: ProbeResult, site) -> set[str]:
    """The sources' names at ``site``, from its described calls."""
    frame = site.frame
    names = {s.name for c in result.gradient_calls if frame and (c.path, c.line) == (frame.path, frame.line)
             for s in c.sources}
    return names or set(site.missing)


def _new_sites(result: ProbeResult, original: ProbeResult, lines: LineMap) -> list:
    """Sites the patched run reached that the original never did (the fix let it go further)."""
    theirs = sites(original)
    return [s for s in sites(result) if not any(same_site(o, s, lines) for o in theirs)]


def _leftovers(result: ProbeResult, original: ProbeResult, lines: LineMap) -> list[str]:
    return [f"{name} ({_where(site)})" for site in _new_sites(result, original, lines) for name in site.missing]


def judge(proposal: Proposal, result: ProbeResult, original: ProbeResult,
          exempt: frozenset[str] = frozenset(), lines: LineMap = NO_LINES,
          baseline_loss: float | None = None, steps: int = STEPS) -> Verdict:
    """Accept or reject ``proposal`` by its run. A safe proposal whose run is right in every way but
    whose first loss is not the original's (``baseline_loss``, default the original's first loss),
    or cannot be compared with it, is kept as an *unsafe* proposal with a note, so it needs
    --unsafe-fixes like any value-changing fix."""
    reason = failure(result, original, exempt, lines, steps)
    zeros = tuple(dict.fromkeys(
        s.name for c in result.gradient_calls for s in c.sources if s.has_gradient and s.norm == 0.0
    ))
    silenced = (_silenced(original, zeros, exempt) or "") if reason is None and _surrogate(proposal) else ""
    before = original.first_loss if baseline_loss is None else baseline_loss
    after = result.first_loss
    if reason is None and proposal.safety is Safety.SAFE and not losses_equal(before, after):
        if before is None or after is None or not (math.isfinite(before) and math.isfinite(after)):
            note = (f"{proposal.label}: the first loss could not be compared with the original's "
                    f"({_loss(before)} before, {_loss(after)} after), so it is treated as unsafe")
        else:
            note = (f"{proposal.label} changes the first loss from {before:.9g} to {after:.9g} (e.g. "
                    f"layers that behave differently in training), so it is treated as unsafe")
        proposal = replace(proposal, safety=Safety.UNSAFE, notes=(*proposal.notes, note))
    leftovers = _leftovers(result, original, lines) if reason is None else []
    if leftovers:
        note = (f"the program now gets further; at a gradient call the original never reached, "
                f"{', '.join(dict.fromkeys(leftovers))} still get no gradient (run `gradfix check` "
                f"on the result for an explanation)")
        proposal = replace(proposal, notes=(*proposal.notes, note))
    return Verdict(proposal, accepted=reason is None, reason=reason or "verified", result=result,
                   zero_gradients=zeros, silenced=silenced)


def _surrogate(proposal: Proposal) -> bool:
    """Whether the fix gives some op a gradient of its own making (straight-through, softmax
    surrogates): a zero gradient there is the surrogate's failure, not the user's loss's nature (a
    faithful rewrite, e.g. NumPy to TensorFlow, may rightly give the loss's true zero gradient)."""
    from gradfix.codemods import get

    for name in proposal.codemods:
        try:
            if get(name).SURROGATE:
                return True
        except KeyError:
            continue
    return False


def _silenced(original: ProbeResult, zeros: tuple[str, ...], exempt: frozenset[str]) -> str | None:
    """Why a fix only silenced the error: every variable that had no gradient now has one that is
    identically zero (a straight-through value a loss clips, a mask that is never open), so it would
    still not train. None when at least one of them gets a non-zero gradient."""
    missing = {s.name for c in original.gradient_calls for s in c.sources if not s.has_gradient} - exempt
    if missing and missing <= set(zeros):
        names = sorted(missing)
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        return f"the gradient of {shown} is identically zero after the fix: the error is silenced, not fixed"
    return None


def _loss(value: float | None) -> str:
    return "none" if value is None else f"{value:.9g}"
