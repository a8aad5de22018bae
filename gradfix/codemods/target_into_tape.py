"""Compute a gradient target inside the tape: ``tape.gradient(a + b, ...)`` after ``with`` ends.

An operation written into the gradient call (a sum of losses, a mean, an index) runs after the tape
stopped recording, so the tape never saw it and every variable gets ``None``. The expression moves
to a new name assigned at the end of the tape's body; the call differentiates that name.
"""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import expr_reads, related
from gradfix.analysis.flow import Flow, GradientCall, analyse
from gradfix.analysis.nodes import fresh_name
from gradfix.codemods.base import Codemod, Example, Focus, Rewrite, Unchanged, declined, finished
from gradfix.codemods.watching import Inserter, Spot
from gradfix.types import Cause, Safety


class TargetIntoTape(Codemod):
    NAME = "target-into-tape"
    DESCRIPTION = "Compute an expression written as the target of tape.gradient inside the tape"
    CAUSES = (Cause.OUTSIDE_TAPE,)
    SAFETY = Safety.SAFE  # the same expression, evaluated earlier from the same values
    EXAMPLES = (
        Example(
            title="a sum of two losses written into the gradient call",
            before=textwrap.dedent(
                """\
                from tensorflow import GradientTape, Variable
                w = Variable(1.0)
                with GradientTape() as tape:
                    data_loss = (w - 3.0) ** 2
                    penalty = 0.1 * w ** 2
                grad = tape.gradient(data_loss + penalty, w)
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import GradientTape, Variable
                w = Variable(1.0)
                with GradientTape() as tape:
                    data_loss = (w - 3.0) ** 2
                    penalty = 0.1 * w ** 2
                    total_loss = data_loss + penalty
                grad = tape.gradient(total_loss, w)
                """
            ),
        ),
        Example(
            title="alias, a mean of per-example losses, two calls on a persistent tape",
            before=textwrap.dedent(
                """\
                import tensorflow as tf2
                a, b = tf2.Variable(1.0), tf2.Variable(2.0)
                with tf2.GradientTape(persistent=True) as tape:
                    per_example = tf2.stack([a * 2.0, a * b])
                ga = tape.gradient(tf2.reduce_mean(per_example), a)
                gb = tape.gradient(per_example[1], b)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf2
                a, b = tf2.Variable(1.0), tf2.Variable(2.0)
                with tf2.GradientTape(persistent=True) as tape:
                    per_example = tf2.stack([a * 2.0, a * b])
                    total_loss = tf2.reduce_mean(per_example)
                    total_loss2 = per_example[1]
                ga = tape.gradient(total_loss, a)
                gb = tape.gradient(total_loss2, b)
                """
            ),
        ),
        Unchanged(
            title="a target computed inside the tape, or inside a call made on the tape",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(1.0)
                with tf.GradientTape() as tape:
                    loss = w * w
                    inner = tape.gradient(loss * 2.0, w)
                grad = tape.gradient(loss, w)
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        inserts: dict[Spot, list[cst.SimpleStatementLine]] = {}
        names: dict[int, str] = {}
        notes: list[str] = []
        taken: set[str] = set()
        try:
            for call in flow.focused(focus):
                if not call.computes_target_after_tape():
                    continue
                note = _move(flow, call, inserts, names, taken)
                if note:
                    notes.append(f"line {call.line}: {note}")
        except Exception as error:  # noqa: BLE001 - unknown shapes of code: decline
            return declined(source, f"could not analyse: {error}")
        if not names:
            return declined(source, *notes)
        try:
            module = flow.module.visit(_Mover(inserts, names))
        except Exception as error:  # noqa: BLE001 - decline on shapes we did not foresee
            return declined(source, f"could not rewrite: {error}")
        return finished(source, module.code, tuple(notes))


def _move(flow: Flow, call: GradientCall, inserts: dict, names: dict[int, str], taken: set[str]) -> str:
    """Plan ``<name> = <target>`` at the end of the tape body; a note when it cannot move."""
    body = call.tape.node.body
    if not isinstance(body, cst.IndentedBlock):
        return "the tape's body is on one line; target not moved"
    late = {w for s in call.sequence if s.region == "after" for w in s.writes}
    if related(expr_reads(call.target), late):
        return "the target reads values made after the tape; not moved"
    name = fresh_name(flow.module, "total_loss")
    k = 2
    while name in taken:
        name, k = fresh_name(flow.module, f"total_loss{k}"), k + 1
    taken.add(name)
    code = flow.module.code_for_node(call.target)
    inserts.setdefault((id(body), len(body.body)), []).append(cst.parse_statement(f"{name} = {code}"))
    names[id(call.target)] = name
    return ""


class _Mover(Inserter):
    """Insert the assignments and put the new names where the targets were."""

    def __init__(self, inserts: dict[Spot, list[cst.SimpleStatementLine]], names: dict[int, str]) -> None:
        super().__init__(inserts)
        self.names = names

    def on_leave(self, original, updated):
        if id(original) in self.names:
            return cst.Name(self.names[id(original)])
        return super().on_leave(original, updated)
