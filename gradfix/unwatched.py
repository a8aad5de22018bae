"""Explaining variables a tape never watched, and gradient calls given no variables at all.

A tape watches trainable variables as they are read, unless it was opened with
``watch_accessed_variables=False``. A non-trainable variable (``trainable=False``, or
BatchNormalization's moving statistics that ``model.weights`` lists) is never watched. Freezing a
Keras 3 layer (``layer.trainable = False``) leaves its variables watched, but takes them out of
``trainable_variables``: a frozen model's list is empty.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from gradfix.analysis.access import access_path
from gradfix.analysis.bindings import (
    assignments,
    definition_line,
    early_list,
    freezes,
    lists_all_weights,
    sources_expr,
)
from gradfix.analysis.flow import Flow
from gradfix.analysis.names import TRAINABLE_ATTRS
from gradfix.analysis.nodes import walk
from gradfix.evidence import gradient_call_at
from gradfix.types import Cause, GradientCall, SourceRecord

Explanation = tuple[Cause, str, Optional[int], None]


def unwatched_variable(call: GradientCall, src: SourceRecord, fcall, flow: Optional[Flow]) -> Explanation:
    """Why the tape did not watch this variable, most specific reason first."""
    if not call.watch_accessed:
        line = fcall.tape.line if fcall is not None else None
        return (Cause.UNWATCHED_VARIABLE, "the tape was opened with watch_accessed_variables=False and "
                "never watches it: only what tape.watch(...) names is recorded", line, None)
    layer = src.layer or (src.var_name.rpartition("/")[0] if "/" in src.var_name else "")
    if layer and fcall is not None and flow is not None and lists_all_weights(flow, fcall):
        return (Cause.UNWATCHED_VARIABLE, f"it is non-trainable state of layer '{layer}' (such as "
                "BatchNormalization's moving statistics, updated by assignment, not by gradients); "
                "model.weights and model.variables list it, but only trainable variables get gradients: "
                "differentiate model.trainable_variables", fcall.line, None)
    line = definition_line(flow, src.name)
    if line is None and "." in src.name:  # layer.t: where a class binds self.t
        line = definition_line(flow, "self." + src.name.rpartition(".")[2])
    return (Cause.UNWATCHED_VARIABLE, "it was created with trainable=False, and a tape only watches "
            "trainable variables on its own", line, None)


def _made_frozen(flow: Flow, owners: set[str]) -> Optional[tuple[str, cst.Assign]]:
    """``owner = Layer(..., trainable=False)``: the assignment that creates an owner frozen."""
    for owner in sorted(owners):
        for node in assignments(flow.module, owner):
            value = node.value if isinstance(node, cst.Assign) else None
            if isinstance(value, cst.Call) and any(
                    a.keyword is not None and a.keyword.value == "trainable" and isinstance(a.value, cst.Name)
                    and a.value.value == "False" for a in value.args):
                return owner, node
    return None


def no_variables(flow: Optional[Flow], call: GradientCall) -> tuple[str, str, Optional[int]]:
    """A gradient call given an empty list of sources: what the list is, and a ``m.trainable =
    False`` that empties it (the Keras 2 GAN recipe freezes the discriminator so, and Keras 3
    reads the flag each time the variables are listed)."""
    fcall = gradient_call_at(flow, call.line) if flow else None
    expr = sources_expr(fcall) if fcall is not None else None
    if flow is None or expr is None:
        return "sources", "tape.gradient was given no variables at all, so nothing trains", None
    text = " ".join(flow.module.code_for_node(expr).split())
    early = early_list(flow, fcall)
    listed = early[1] if early is not None else expr  # params = model.trainable_variables: model
    owners = {access_path(n.value) or "" for n in walk(listed)
              if isinstance(n, cst.Attribute) and n.attr.value in TRAINABLE_ATTRS} - {""}
    made = _made_frozen(flow, owners)
    if made is not None:
        owner, node = made
        return text, (f"it is an empty list, so nothing trains: {owner} is created with trainable=False; "
                      "drop that argument to train it, or stop differentiating it"), flow.line(node)
    frozen = freezes(flow, owners) if owners else None
    if frozen is not None:
        owner = " ".join(flow.module.code_for_node(frozen.targets[0].target.value).split())
        return text, (f"it is an empty list, so nothing trains: `{owner}.trainable = False` freezes "
                      f"{owner} (Keras 3 reads the flag whenever the variables are listed); set "
                      f"{owner}.trainable = True before this step and False again where it must stay "
                      "frozen, or mark the call `# gradfix: ignore[no_variables]`"), flow.line(frozen)
    if early is not None:
        found, value = early
        code = " ".join(flow.module.code_for_node(value).split())
        return text, (f"it is an empty list: `{text} = {code}` ran before the model was built (Keras "
                      "creates a model's variables on its first call), and a list taken then stays empty; "
                      f"read {code} at the gradient call instead"), found.stmt.line if found.stmt else None
    return text, ("it is an empty list, so nothing trains (a model with no trainable weights: every "
                  "layer frozen, or nothing built yet)"), None
