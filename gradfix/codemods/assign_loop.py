"""Rebuild a list of variables written in a loop inside the tape as a list of tensors.

``for f, p, g in zip(fast, params, grads): f.assign(p - lr * g)`` (MAML's adapted weights kept in
reused variables) cuts the outer tape: ``assign`` is not differentiable, so the query loss computed
from ``fast`` gets no gradient. ``fast = [p - lr * g for f, p, g in zip(fast, params, grads)]``
holds the same values as tensors the tape records."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access_path
from gradfix.analysis.flow import analyse
from gradfix.analysis.nodes import walk
from gradfix.codemods.base import Codemod, Example, Focus, Rewrite, Unchanged, declined, finished
from gradfix.types import Cause, Safety


class AssignLoopToList(Codemod):
    NAME = "assign-loop-to-list"
    DESCRIPTION = ("Inside a tape, replace a loop that assigns each variable of a list (f.assign(...) for f in "
                   "zip(fast, ...)) by a list of the new tensors")
    CAUSES = (Cause.ASSIGN_OR_SCATTER, Cause.LOSS_DISCONNECTED)
    SAFETY = Safety.SAFE  # the same values, held as tensors instead of written into variables
    EXAMPLES = (
        Example(
            title="MAML's adapted weights written into reused variables",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                params = [tf.Variable(1.0), tf.Variable(2.0)]
                fast = [tf.Variable(0.0), tf.Variable(0.0)]
                with tf.GradientTape() as outer:
                    with tf.GradientTape() as inner:
                        inner_loss = params[0] * params[1]
                    grads = inner.gradient(inner_loss, params)
                    for f, p, g in zip(fast, params, grads):
                        f.assign(p - 0.1 * g)
                    loss = fast[0] * fast[1]
                meta = outer.gradient(loss, params)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                params = [tf.Variable(1.0), tf.Variable(2.0)]
                fast = [tf.Variable(0.0), tf.Variable(0.0)]
                with tf.GradientTape() as outer:
                    with tf.GradientTape() as inner:
                        inner_loss = params[0] * params[1]
                    grads = inner.gradient(inner_loss, params)
                    fast = [p - 0.1 * g for f, p, g in zip(fast, params, grads)]
                    loss = fast[0] * fast[1]
                meta = outer.gradient(loss, params)
                """
            ),
        ),
        Example(
            title="from-import; a plain loop over the list",
            before=textwrap.dedent(
                """\
                from tensorflow import GradientTape, Variable
                w = Variable(3.0)
                state = [Variable(0.0), Variable(0.0)]
                with GradientTape() as tape:
                    for s in state:
                        s.assign(w * 2.0)
                    loss = state[0] + state[1]
                grads = tape.gradient(loss, w)
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import GradientTape, Variable
                w = Variable(3.0)
                state = [Variable(0.0), Variable(0.0)]
                with GradientTape() as tape:
                    state = [w * 2.0 for s in state]
                    loss = state[0] + state[1]
                grads = tape.gradient(loss, w)
                """
            ),
        ),
        Unchanged(
            title="a loop outside any tape (an optimizer step), a loop that does more than assign",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                ws = [tf.Variable(1.0)]
                for w in ws:
                    w.assign(w * 0.5)
                with tf.GradientTape() as tape:
                    for w in ws:
                        w.assign(w * 0.5)
                        print(w)
                    loss = ws[0] * 2.0
                grads = tape.gradient(loss, ws)
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        loops: dict[int, cst.Assign] = {}
        for call in flow.focused(focus):
            for node in walk(call.tape.node.body):
                if isinstance(node, cst.For):
                    new = _as_list(node)
                    if new is not None:
                        loops[id(node)] = new
        if not loops:
            return declined(source)
        module = flow.module.visit(_Replace(loops))
        return finished(source, module.code, ("variables written in a loop inside the tape are now a list of "
                                              "tensors the tape records",))


def _as_list(loop: cst.For) -> Optional[cst.Assign]:
    """``L = [E for T in I]`` for ``for T in I: F.assign(E)`` where ``F`` is the loop's (first)
    target and ``I`` is ``L`` or ``zip(L, ...)`` with ``L`` a name; None otherwise."""
    if loop.orelse is not None or loop.asynchronous is not None or not isinstance(loop.body, cst.IndentedBlock):
        return None
    if len(loop.body.body) != 1:
        return None
    stmt = loop.body.body[0]
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr)):
        return None
    call = stmt.body[0].value
    if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "assign"
            and len(call.args) == 1 and call.args[0].keyword is None):
        return None
    target = loop.target
    first = target.elements[0].value if isinstance(target, (cst.Tuple, cst.List)) and target.elements else target
    if not isinstance(first, cst.Name) or access_path(call.func.value) != first.value:
        return None
    it = loop.iter
    if isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value == "zip" and it.args:
        if not isinstance(target, (cst.Tuple, cst.List)):
            return None
        listed = it.args[0].value
    elif isinstance(target, cst.Name):
        listed = it
    else:
        return None
    if not isinstance(listed, cst.Name):
        return None
    comp = cst.ListComp(elt=call.args[0].value,
                        for_in=cst.CompFor(target=target.with_changes(lpar=(), rpar=()), iter=it))
    return cst.Assign([cst.AssignTarget(cst.Name(listed.value))], comp)


class _Replace(cst.CSTTransformer):
    def __init__(self, loops: dict[int, cst.Assign]) -> None:
        super().__init__()
        self.loops = loops

    def leave_For(self, original: cst.For, updated: cst.For):
        new = self.loops.get(id(original))
        if new is None:
            return updated
        return cst.SimpleStatementLine([new], leading_lines=updated.leading_lines)
