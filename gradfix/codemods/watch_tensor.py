"""Watch plain tensors that are sources of ``tape.gradient``: a tape only watches variables."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.bindings import binding, kind
from gradfix.analysis.flow import Flow, GradientCall, analyse
from gradfix.codemods.base import (
    Codemod,
    Example,
    Focus,
    Rewrite,
    Unchanged,
    declined,
    finished,
)
from gradfix.codemods.watching import Inserter, Spot, already_watched, source_paths, watch_statement
from gradfix.types import Cause, Safety


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
        inserts: dict[Spot, list[cst.SimpleStatementLine]] = {}
        done: set[tuple[int, str]] = set()
        notes: list[str] = []
        try:
            for call in flow.focused(focus):
                for path in source_paths(flow, call):
                    if wanted and path not in wanted:
                        continue
                    key = (id(call.tape.node), path)
                    if key in done or already_watched(call, path):
                        continue
                    spot, note = _spot(flow, call, path)
                    if note:
                        notes.append(f"line {call.line}: {path} {note}")
                    if spot is not None:
                        done.add(key)
                        inserts.setdefault(spot, []).append(watch_statement(call.tape.name, path))
        except Exception as error:  # noqa: BLE001 - unknown shapes of code: decline
            return declined(source, f"could not analyse: {error}")
        if not inserts:
            return declined(source, *notes)
        try:
            module = flow.module.visit(Inserter(inserts))
        except Exception as error:  # noqa: BLE001 - decline on shapes we did not foresee
            return declined(source, f"could not insert tape.watch: {error}")
        return finished(source, module.code, tuple(notes))


def _spot(flow: Flow, call: GradientCall, path: str) -> tuple[Optional[Spot], str]:
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
