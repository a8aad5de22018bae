"""Watch plain tensors that are sources of ``tape.gradient``: a tape only watches variables."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access_path, expr_reads
from gradfix.analysis.bindings import WEIGHT_ATTRS, binding, kind
from gradfix.analysis.flow import Flow, GradientCall, analyse
from gradfix.analysis.nodes import calls_in
from gradfix.codemods.base import (
    Codemod,
    Example,
    Focus,
    Rewrite,
    Unchanged,
    declined,
    finished,
)
from gradfix.types import Cause, Safety

_Spot = tuple[int, int]  # (id of the block, index to insert before)


class WatchTensor(Codemod):
    NAME = "watch-tensor"
    DESCRIPTION = "Add tape.watch(x) for plain-tensor sources of tape.gradient"
    CAUSES = (Cause.UNWATCHED_TENSOR,)
    SAFETY = Safety.SAFE  # watching records operations; it changes no value
    EXAMPLES = (
        Example(
            title="saliency: gradient with respect to a constant input",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
                image = tf.constant([[0.5, 1.0, 2.0]])
                with tf.GradientTape() as tape:
                    score = tf.reduce_max(model(image))
                saliency = tape.gradient(score, image)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
                image = tf.constant([[0.5, 1.0, 2.0]])
                with tf.GradientTape() as tape:
                    tape.watch(image)
                    score = tf.reduce_max(model(image))
                saliency = tape.gradient(score, image)
                """
            ),
        ),
        Example(
            title="alias, from-import, gradient penalty on an inner tape",
            before=textwrap.dedent(
                """\
                import tensorflow as tf2
                from tensorflow import GradientTape
                critic = tf2.keras.Sequential([tf2.keras.layers.Dense(1)])
                def penalty(real, fake):
                    alpha = tf2.random.uniform([real.shape[0], 1])
                    with GradientTape() as outer:
                        with GradientTape() as inner:
                            mixed = alpha * real + (1.0 - alpha) * fake
                            score = critic(mixed)
                        g = inner.gradient(score, mixed)
                        loss = tf2.reduce_mean((tf2.norm(g, axis=1) - 1.0) ** 2)
                    return outer.gradient(loss, critic.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf2
                from tensorflow import GradientTape
                critic = tf2.keras.Sequential([tf2.keras.layers.Dense(1)])
                def penalty(real, fake):
                    alpha = tf2.random.uniform([real.shape[0], 1])
                    with GradientTape() as outer:
                        with GradientTape() as inner:
                            mixed = alpha * real + (1.0 - alpha) * fake
                            inner.watch(mixed)
                            score = critic(mixed)
                        g = inner.gradient(score, mixed)
                        loss = tf2.reduce_mean((tf2.norm(g, axis=1) - 1.0) ** 2)
                    return outer.gradient(loss, critic.trainable_variables)
                """
            ),
        ),
        Unchanged(
            title="variables need no watch; watched tensors are left alone",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(1.0)
                x = tf.constant(2.0)
                with tf.GradientTape(persistent=True) as tape:
                    tape.watch(x)
                    loss = w * x
                grads = tape.gradient(loss, [w, x])
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        wanted = focus.variables if focus is not None else frozenset()
        inserts: dict[_Spot, list[cst.SimpleStatementLine]] = {}
        done: set[tuple[int, str]] = set()
        notes: list[str] = []
        try:
            for call in flow.focused(focus):
                for path in _sources(flow, call):
                    if wanted and path not in wanted:
                        continue
                    key = (id(call.tape.node), path)
                    if key in done or _watched(call, path):
                        continue
                    spot, note = _spot(flow, call, path)
                    if note:
                        notes.append(f"line {call.line}: {path} {note}")
                    if spot is not None:
                        done.add(key)
                        inserts.setdefault(spot, []).append(_watch(call.tape.name, path))
        except Exception as error:  # noqa: BLE001 - unknown shapes of code: decline
            return declined(source, f"could not analyse: {error}")
        if not inserts:
            return declined(source, *notes)
        try:
            module = flow.module.visit(_Inserter(inserts))
        except Exception as error:  # noqa: BLE001 - decline on shapes we did not foresee
            return declined(source, f"could not insert tape.watch: {error}")
        return finished(source, module.code, tuple(notes))


def _sources(flow: Flow, call: GradientCall) -> list[str]:
    """The paths given as sources, through one list/tuple binding (``xs = [a, b]``)."""
    positional = [a.value for a in call.node.args if a.keyword is None and not a.star][1:2]
    named = [a.value for a in call.node.args if a.keyword and a.keyword.value == "sources"]
    exprs = list(positional or named)
    out: list[str] = []
    while exprs:
        expr = exprs.pop(0)
        if isinstance(expr, (cst.List, cst.Tuple)):
            exprs[:0] = [e.value for e in expr.elements]
            continue
        path = access_path(expr)
        if path is None or path in out or path.rpartition(".")[2] in WEIGHT_ATTRS:
            continue
        found = binding(flow, call, path)
        if found is not None and isinstance(found.value, (cst.List, cst.Tuple)):
            exprs[:0] = [e.value for e in found.value.elements]
        else:
            out.append(path)
    return out


def _watched(call: GradientCall, path: str) -> bool:
    """Whether ``tape.watch(...)`` of ``path`` already runs on this tape."""
    for c in calls_in(call.tape.node.body):
        func = c.func
        if (isinstance(func, cst.Attribute) and func.attr.value == "watch"
                and access_path(func.value) == call.tape.name
                and any(path in expr_reads(a.value) for a in c.args)):  # fmt: skip
            return True
    return False


def _spot(flow: Flow, call: GradientCall, path: str) -> tuple[Optional[_Spot], str]:
    """Where to insert the watch of ``path`` (or None) and a note when declining for a reason."""
    found = binding(flow, call, path)
    what = kind(flow, call, found)
    if what == "variable":
        return None, ""
    if what != "tensor" or found is None:
        return None, "is not known to be a tensor; not watched" if what is None else \
            "is a NumPy or Python value, which a tape cannot watch; not watched"
    body = call.tape.node.body
    stmt = found.stmt
    if stmt is None or stmt.region in ("outer", "before"):
        return (id(body), 0), ""
    if stmt.region == "tape":
        if _reads_variables(flow, call, stmt):
            return None, ""  # computed on the tape from what it records already
        return (id(body), stmt.index + 1), ""
    return None, "is bound after the tape ends; not watched"


def _reads_variables(flow: Flow, call: GradientCall, stmt) -> bool:
    return any(kind(flow, call, binding(flow, call, p)) == "variable" for p in stmt.reads)


def _watch(tape: str, path: str) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=[cst.Expr(cst.parse_expression(f"{tape}.watch({path})"))])


class _Inserter(cst.CSTTransformer):
    def __init__(self, inserts: dict[_Spot, list[cst.SimpleStatementLine]]) -> None:
        super().__init__()
        self.inserts = inserts

    def leave_IndentedBlock(self, original, updated):
        return self._apply(original, updated)

    def leave_SimpleStatementSuite(self, original, updated):
        spots = [k for k in self.inserts if k[0] == id(original)]
        if not spots:
            return updated
        line = cst.SimpleStatementLine(body=updated.body, trailing_whitespace=updated.trailing_whitespace)
        block = cst.IndentedBlock(body=[line])  # the one-line body's trailing comment stays on it
        return self._apply(original, block)

    def _apply(self, original, updated):
        body = list(updated.body)
        for index in sorted((i for b, i in self.inserts if b == id(original)), reverse=True):
            body[index:index] = self.inserts[(id(original), index)]
        return updated.with_changes(body=body)
