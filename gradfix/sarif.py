"""SARIF 2.1.0 for code scanning (GitHub, IDE viewers). Pure: outcomes in, JSON text out.

One run; one rule per cause word (plus ``zero_gradient``). Each cause of missing gradients is a
result at its ``tape.gradient`` call (the variables it covers in ``properties.variables``: 60
variables of one model computed before the tape are one result, as in the text output), with the
cause's line as a related location and a fingerprint that survives edits elsewhere in the file (it
hashes path, variable — or the variables' common owner — and cause, not the line). A verified fix is a
SARIF ``fix`` whose replacements, applied to the file as gradfix read it, give the patched file
exactly. A file gradfix could not run is a tool execution notification, not a result: it says
nothing about the code's gradients, and code scanning would otherwise keep it as an alert.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from gradfix import __version__
from gradfix.diff import display_path
from gradfix.emit import STATUS, SUPPRESSED, finding_line, fix_tail, group_line
from gradfix.group import Group, full_name, group
from gradfix.types import (
    Cause,
    Failed,
    FilePatch,
    Finding,
    Healthy,
    Outcome,
    Repaired,
    Safety,
    Unrepaired,
    Verdict,
)

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT = "gradfix/v1"
ZERO_GRADIENT = "zero_gradient"
COULD_NOT_RUN = "could_not_run"

# cause -> (rule name, short description, full description, how gradfix repairs it)
RULES: dict[str, tuple[str, str, str, str]] = {
    Cause.OUTSIDE_TAPE.value: (
        "OutsideTape", "Forward pass computed outside the GradientTape",
        "The value the loss depends on was computed before `with tf.GradientTape()` started (or the loss "
        "after it ended), so the tape recorded no path from the variable to the loss and "
        "`tape.gradient` returns None for it.",
        "`hoist-into-tape` (safe) moves the computation into the tape's block."),
    Cause.NUMPY_IN_GRAPH.value: (
        "NumpyInGraph", "NumPy or Python math on the loss path",
        "NumPy functions, `.numpy()`, `float()` or `math.*` on the way from the variable to the loss "
        "turn tensors into host values the tape cannot record, so the variable gets no gradient.",
        "`numpy-to-tf` (safe) rewrites the NumPy calls as TensorFlow ops."),
    Cause.NON_DIFFERENTIABLE_OP.value: (
        "NonDifferentiableOp", "Non-differentiable operation on the loss path",
        "`tf.round`, `floor`, `sign`, `argmax`, integer round trips or thresholds have no gradient, "
        "so nothing flows back to the variables before them.",
        "`straight-through` (safe) keeps the forward value and passes the gradient through; "
        "`soft-surrogate` (unsafe) replaces an argmax lookup by a softmax-weighted sum."),
    Cause.ASSIGN_OR_SCATTER.value: (
        "AssignOrScatter", "Computed value written into a variable inside the tape",
        "`assign`, sliced `assign` or `tf.Variable(f(w))` inside the tape stores a value without a "
        "gradient path: reading the variable back does not lead to `w`.",
        "`scatter-to-mask` (safe) builds the buffer as a tensor with `tf.tensor_scatter_nd_update`."),
    Cause.INT_DTYPE.value: (
        "IntDtype", "Integer variable or cast to an integer dtype",
        "Only floating-point values get gradients: an integer variable, `dtype=tf.int32` or a cast to an "
        "integer type ends the gradient path.",
        "`cast-to-float` (unsafe: changes values) makes the variable or the cast floating point."),
    Cause.UNWATCHED_TENSOR.value: (
        "UnwatchedTensor", "Gradient with respect to an unwatched tensor",
        "The tape watches trainable variables only; a gradient with respect to a plain tensor (inputs, "
        "interpolates for a gradient penalty, a `tf.constant` meant to train) is None unless watched.",
        "`watch-tensor` (safe) adds `tape.watch(x)` at the start of the tape."),
    Cause.UNWATCHED_VARIABLE.value: (
        "UnwatchedVariable", "Gradient with respect to a variable the tape does not watch",
        "A tape watches only trainable variables, and none at all when opened with "
        "`watch_accessed_variables=False`: a `trainable=False` variable, or the non-trainable state that "
        "`model.weights` and `model.variables` list (BatchNormalization's moving statistics), gets None.",
        "`watch-variable` (safe) adds `tape.watch(v)` or drops `watch_accessed_variables=False`; "
        "`trainable-sources` (safe) differentiates `model.trainable_variables`."),
    Cause.NO_VARIABLES.value: (
        "NoVariables", "Gradient call given no variables",
        "`tape.gradient` got an empty list of sources, so nothing trains and the optimizer fails (Keras 3: "
        "'not enough values to unpack'; older Keras: 'No gradients provided for any variable'). Usually "
        "`model.trainable = False`, the Keras 2 GAN recipe, which Keras 3 applies whenever the variables "
        "are listed.",
        "`late-variable-list` (safe) when the list was taken before the model was built; for a frozen "
        "model no codemod: set `trainable = True` for the step that trains it."),
    Cause.VARIABLE_REPLACED.value: (
        "VariableReplaced", "Variable replaced by a tensor",
        "`w = w - lr * g` rebinds the name to a tensor after the first step, so the next step "
        "differentiates with respect to a tensor the tape does not watch.",
        "`rebind-to-assign` (safe) updates the variable in place (`w.assign_sub(lr * g)`)."),
    Cause.LOSS_DISCONNECTED.value: (
        "LossDisconnected", "Loss does not depend on the variable",
        "The loss is computed without the variable: an unused head or layer, a loss from the labels "
        "only, or a host round trip (`tf.constant(np.mean(...))`, `model.predict`) that cuts the path.",
        "`numpy-to-tf` and `predict-to-call` (safe) repair host round trips; an unused variable is "
        "explained with the options, not rewritten."),
    Cause.OTHER.value: (
        "OtherMissingGradient", "Missing gradient (other cause)",
        "The variable got no gradient for a reason gradfix could not classify.",
        "No codemod applies; the finding names the variable and the gradient call."),
    ZERO_GRADIENT: (
        "ZeroGradient", "Gradient identically zero",
        "The variable gets a gradient, but it is exactly zero in the first training step: no error, but "
        "it will not train. After a fix, this means the error may have been silenced rather than fixed.",
        "Check the path from the variable to the loss."),
}
RULE_IDS = list(RULES)


class ZeroGradient(NamedTuple):
    """A variable that trains on nothing: where its gradient call is, and the warning's words."""

    path: str
    line: int | None
    cell: int | None  # a notebook cell; ``line`` then counts from the cell's start
    variable: str
    message: str


def finding_messages(outcome: Outcome, root: Path | None = None) -> list[tuple[Finding, str, bool]]:
    """``(finding, message, suppressed)`` for each finding of ``outcome``. The message is the text
    output's words for that one variable (``emit.finding_line``) less its ``path:line:`` prefix (less
    only ``path:`` in a notebook: ``cell 4:line 2: ...``), so every format says the same words."""
    tail = fix_tail(outcome)
    pairs = [(f, False) for f in getattr(outcome, "findings", ())]
    pairs += [(f, True) for f in getattr(outcome, "suppressed", ())]
    return [(f, _strip(f, finding_line(f, SUPPRESSED if quiet else tail, root), root), quiet) for f, quiet in pairs]


def group_messages(outcome: Outcome, root: Path | None = None) -> list[tuple[Group, str, bool]]:
    """``(group, message, suppressed)``: one per cause, as the text output's lines (``emit.group_line``)."""
    tail = fix_tail(outcome)
    out = []
    for quiet, findings in ((False, getattr(outcome, "findings", ())), (True, getattr(outcome, "suppressed", ()))):
        for g in group(findings):
            out.append((g, _strip(g.first, group_line(g, SUPPRESSED if quiet else tail, root), root), quiet))
    return out


def _strip(finding: Finding, line: str, root: Path | None) -> str:
    rest = line[len(display_path(Path(finding.path), root)) + 1:]
    return rest if _cell(finding) is not None else rest.split(": ", 1)[1]


def zero_gradients(outcome: Outcome) -> list[ZeroGradient]:
    """Variables whose gradient is identically zero: in a healthy first step, or after a fix."""
    if isinstance(outcome, Healthy):
        return [ZeroGradient(c.path, c.line, _cell(c), full_name(s),
                             f"{_in_cell(c)}the gradient of {full_name(s)} is identically zero (no error, but it will "
                             f"not train)")
                for c in outcome.probe.gradient_calls if c.step == 1 for s in c.sources
                if s.has_gradient and s.norm == 0.0]
    if isinstance(outcome, Repaired):
        calls = {f.variable: f for f in reversed(outcome.findings)}
        return [ZeroGradient(f.path, f.line, _cell(f), name,
                             f"{_in_cell(f)}the gradient of {name} is identically zero after the fix (the error "
                             f"may be silenced rather than fixed)")
                for name in outcome.verdict.zero_gradients for f in [calls.get(name, outcome.findings[0])]]
    return []


def _cell(place, prefix: str = "") -> int | None:
    """The notebook cell of a finding, gradient call or frame (None in a script)."""
    return getattr(place, prefix + "cell", None)


def _in_cell(place) -> str:
    """``cell 4:line 2: `` before a message about a place in a notebook cell, whose line is not a
    line of the file."""
    return f"cell {_cell(place)}:line {place.line}: " if _cell(place) is not None else ""


def failure_location(outcome: Failed) -> tuple[str, int | None]:
    """Where a file that could not be examined failed: the innermost user frame of the exception
    it raised (its line, unless in a notebook cell), else the file itself."""
    error = outcome.probe.error if outcome.probe else None
    if error is not None and error.stack:
        frame = error.stack[-1]
        return frame.path, frame.line if _cell(frame) is None else None
    return str(outcome.path), None


def pending_fix(outcome: Outcome) -> Verdict | None:
    """The verified fix not yet written: a repair to apply, or an unsafe one to review."""
    if isinstance(outcome, Repaired) and not outcome.written:
        return outcome.verdict
    if isinstance(outcome, Unrepaired):
        return outcome.suggestion
    return None


# --------------------------------------------------------------------------- replacements


def _lines(text: str) -> list[str]:
    """Lines with their ends, split at ``\\n`` only (SARIF's newline sequences are ``\\r\\n`` and
    ``\\n``; ``str.splitlines`` would also split at form feeds and other characters)."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset, columns in code points."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def replacements(before: str, after: str) -> list[dict]:
    """SARIF replacements, one per changed hunk of lines, that turn ``before`` into ``after``.

    Each deleted region runs from the start of its first line to the start of the line after its
    last (an empty region for a pure insertion), so inserted text carries its own line ends; at the
    end of a file without a final newline the region ends at the end of the last line."""
    old, new = _lines(before), _lines(after)
    starts = [0]
    for line in old:
        starts.append(starts[-1] + len(line))
    out = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        (start_line, start_col), (end_line, end_col) = _position(before, starts[i1]), _position(before, starts[i2])
        out.append({"deletedRegion": {"startLine": start_line, "startColumn": start_col,
                                      "endLine": end_line, "endColumn": end_col},
                    "insertedContent": {"text": "".join(new[j1:j2])}})
    return out


# --------------------------------------------------------------------------- SARIF objects


def _artifact(path: str | Path, root: Path) -> dict:
    """Relative to ``%SRCROOT%`` when below it (what code scanning needs), else an absolute file URI."""
    name = display_path(Path(path), root)
    if Path(name).is_absolute():
        return {"uri": Path(name).as_uri()}
    return {"uri": quote(name), "uriBaseId": SRCROOT}


def _location(path: str | Path, line: int | None, root: Path, cell: int | None = None, **extra) -> dict:
    """A line of a file; in a notebook cell, the file with the cell and its line as properties (a
    cell's line is not a line of the notebook's JSON)."""
    physical: dict = {"artifactLocation": _artifact(path, root)}
    if line is not None and cell is None:
        physical["region"] = {"startLine": line}
    location = {**extra, "physicalLocation": physical}
    if cell is not None:
        location["properties"] = {"cell": cell, "lineInCell": line}
    return location


def _number(value: float | None) -> float | str | None:
    """JSON has no NaN or infinity; a diverged loss is still worth reporting, as text."""
    return value if value is None or math.isfinite(value) else str(value)


def _fix(outcome: Repaired | Unrepaired, verdict: Verdict, root: Path) -> dict:
    proposal = verdict.proposal
    before = outcome.probe.first_loss
    after = verdict.result.first_loss if verdict.result else None
    loss = f"; first loss {before:g} before, {after:g} after" if before is not None and after is not None else ""
    verified = f"verified by running the training step: every variable gets a finite gradient{loss}"
    if proposal.safety is Safety.UNSAFE:
        text = (f"{proposal.label} (unsafe: changes values), {verified}. Review it; "
                f"`gradfix apply --unsafe-fixes` writes it.")
    else:
        text = f"{proposal.label} (safe: keeps every value), {verified}. `gradfix apply` writes it."
    return {
        "description": {"text": text},
        "artifactChanges": [_change(patch, root) for patch in proposal.patches],
        "properties": {"codemods": list(proposal.codemods), "safety": proposal.safety.value, "verified": True,
                       "lossBefore": _number(before), "lossAfter": _number(after), "notes": list(proposal.notes),
                       "zeroGradients": list(verdict.zero_gradients)},
    }


def _change(patch: FilePatch, root: Path) -> dict:
    return {"artifactLocation": _artifact(patch.path, root), "replacements": replacements(patch.before, patch.after)}


def _fingerprint(result: dict, variable: str, seen: dict[tuple, int]) -> dict:
    """Path, variable and rule; a counter tells apart repeats of the same triple within a run."""
    key = (result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], variable, result["ruleId"])
    seen[key] = seen.get(key, 0) + 1
    digest = hashlib.sha256("\0".join((*key, str(seen[key]))).encode()).hexdigest()
    return {FINGERPRINT: digest[:32]}


def _results(outcome: Outcome, root: Path, seen: dict[tuple, int]) -> list[dict]:
    out = []
    verdict = pending_fix(outcome)
    fix = _fix(outcome, verdict, root) if verdict is not None else None
    for g, message, suppressed in group_messages(outcome, root):
        finding = g.first
        result: dict = {"ruleId": finding.cause.value, "ruleIndex": RULE_IDS.index(finding.cause.value),
                        "level": "error", "message": {"text": message},
                        "locations": [_location(finding.path, finding.line, root, _cell(finding))]}
        anchor = finding.variable if len(g.findings) == 1 else g.owner or g.label
        result["partialFingerprints"] = _fingerprint(result, anchor, seen)
        if finding.cause_line is not None:
            verb = "has" if len(g.findings) == 1 else "have"
            result["relatedLocations"] = [_location(
                finding.cause_path or finding.path, finding.cause_line, root, _cell(finding, "cause_"), id=1,
                message={"text": f"why {g.label} {verb} no gradient: {finding.message}"})]
        if suppressed:
            result["suppressions"] = [{"kind": "inSource", "justification": "# gradfix: ignore"}]
        elif fix is not None:
            result["fixes"] = [fix]
        result["properties"] = {"variable": anchor, "variables": list(g.variables), "status": STATUS[type(outcome)]}
        out.append(result)
    for zero in zero_gradients(outcome):
        result = {"ruleId": ZERO_GRADIENT, "ruleIndex": RULE_IDS.index(ZERO_GRADIENT), "level": "warning",
                  "message": {"text": zero.message}, "locations": [_location(zero.path, zero.line, root, zero.cell)]}
        result["partialFingerprints"] = _fingerprint(result, zero.variable, seen)
        result["properties"] = {"variable": zero.variable, "status": STATUS[type(outcome)]}
        out.append(result)
    return out


def _notification(outcome: Failed, root: Path) -> dict:
    path, line = failure_location(outcome)
    return {"level": "error", "message": {"text": outcome.error}, "descriptor": {"id": COULD_NOT_RUN, "index": 0},
            "locations": [_location(path, line, root)]}


def _rule(rule_id: str) -> dict:
    name, short, full, repair = RULES[rule_id]
    level = "warning" if rule_id == ZERO_GRADIENT else "error"
    return {
        "id": rule_id, "name": name,
        "shortDescription": {"text": short}, "fullDescription": {"text": full},
        "help": {"text": f"{full}\nRepair: {repair}\nSee `gradfix codemods` for each codemod's examples.",
                 "markdown": f"{full}\n\n**Repair:** {repair}\n\nSee `gradfix codemods` for each codemod's "
                             f"examples."},
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["tensorflow", "gradients", "correctness"], "precision": "very-high",
                       "problem.severity": level},
    }


def _driver() -> dict:
    return {
        "name": "gradfix", "version": __version__, "semanticVersion": __version__,
        "rules": [_rule(rule_id) for rule_id in RULE_IDS],
        "notifications": [{
            "id": COULD_NOT_RUN, "name": "CouldNotRun",
            "shortDescription": {"text": "The script could not be examined"},
            "fullDescription": {"text": "The script failed, timed out or ended before computing any gradient, "
                                        "so gradfix could not check its gradients."},
            "defaultConfiguration": {"level": "error"}}],
    }


def to_sarif(outcomes: Sequence[Outcome], root: Path | None = None) -> str:
    """The SARIF log of one gradfix run; paths relative to ``root`` (default: the current folder),
    which should be the repository root for code scanning."""
    root = (root or Path.cwd()).resolve()
    seen: dict[tuple, int] = {}
    results = [r for outcome in outcomes for r in _results(outcome, root, seen)]
    notifications = [_notification(o, root) for o in outcomes if isinstance(o, Failed)]
    run = {
        "tool": {"driver": _driver()},
        "invocations": [{"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}],
        "originalUriBaseIds": {SRCROOT: {"uri": root.as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2, allow_nan=False)
