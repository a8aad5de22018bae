"""Watch plain tensors that are sources of ``tape.gradient``: a tape only watches variables."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.bindings import binding, kind, sources_expr
from gradfix.analysis.flow import Flow, GradientCall, analyse
from gradfix.analysis.names import ensure_tf_import, tf_alias, tf_spelling
from gradfix.analysis.nodes import fresh_name, naming_names, walk
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
    DESCRIPTION = ("Add tape.watch(x) for plain-tensor sources of tape.gradient (NumPy and Python "
                   "sources are converted with tf.convert_to_tensor first)")
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
        Example(
            title="a NumPy image (the probe saw an array): converted once, watched, the original kept",
            before=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
                image = np.random.rand(1, 3).astype("float32")
                with tf.GradientTape() as tape:
                    score = tf.reduce_max(model(image))
                saliency = tape.gradient(score, image)
                """
            ),
            after=textwrap.dedent(
                """\
                import numpy as np
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
                image = np.random.rand(1, 3).astype("float32")
                image_t = tf.convert_to_tensor(image)
                with tf.GradientTape() as tape:
                    tape.watch(image_t)
                    score = tf.reduce_max(model(image_t))
                saliency = tape.gradient(score, image_t)
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
        if any(w.startswith("<") for w in wanted):  # an unnamed source ("<tensor>"): any may be it
            wanted = frozenset()
        host = focus.host if focus is not None else frozenset()
        inserts: dict[Spot, list[cst.SimpleStatementLine]] = {}
        renames: dict[int, tuple[str, str]] = {}
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
                    if path in host or kind(flow, call, binding(flow, call, path)) == "host":
                        note = _convert(flow, call, path, inserts, renames)
                        if note:
                            notes.append(f"line {call.line}: {path} {note}")
                        done.add(key)
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
            module = flow.module.visit(_Watcher(inserts, renames))
            if renames and tf_alias(module) is None:
                module = ensure_tf_import(module)
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


def _convert(flow: Flow, call: GradientCall, path: str, inserts: dict, renames: dict) -> str:
    """A NumPy array or Python number as a source: ``x_t = tf.convert_to_tensor(x)`` just before
    the tape, ``tape.watch(x_t)`` first in it, and ``x_t`` for ``x`` in the tape and the sources.
    The program's own ``x`` stays what it was. Returns a note when it declines."""
    found = binding(flow, call, path)
    if "." in path:
        return "is a NumPy or Python value held in an attribute; not converted"
    if found is not None and found.stmt is not None and found.stmt.region in ("tape", "after"):
        return "is a NumPy or Python value made inside the tape; not converted"
    sources = sources_expr(call)
    if sources is None or not any(isinstance(n, cst.Name) and n.value == path for n in walk(sources)):
        return "is a NumPy or Python value passed through a list; not converted"
    tensor = fresh_name(flow.module, f"{path}_t")
    convert = cst.parse_statement(f"{tensor} = {tf_spelling(flow.module)}.convert_to_tensor({path})")
    inserts.setdefault((id(call.tape.block), call.tape.index), []).append(convert)
    inserts.setdefault((id(call.tape.node.body), 0), []).append(watch_statement(call.tape.name, tensor))
    renames[id(call.tape.node.body)] = renames[id(sources)] = (path, tensor)
    return ""


class _Watcher(Inserter):
    """Insert statements, and read ``new`` for ``old`` below the nodes named in ``renames``."""

    def __init__(self, inserts: dict[Spot, list[cst.SimpleStatementLine]],
                 renames: dict[int, tuple[str, str]]) -> None:
        super().__init__(inserts)
        self.renames = renames
        self.active: list[tuple[str, str]] = []
        self.skip: set[int] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self.renames:
            self.active.append(self.renames[id(node)])
        self.skip.update(id(n) for n in naming_names(node))
        return super().on_visit(node)

    def on_leave(self, original, updated):
        result = super().on_leave(original, updated)
        if id(original) in self.renames:
            self.active.pop()
        return result

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        for old, new in self.active:
            if original.value == old and id(original) not in self.skip:
                return updated.with_changes(value=new)
        return updated


def _reads_variables(flow: Flow, call: GradientCall, stmt) -> bool:
    return any(kind(flow, call, binding(flow, call, p)) == "variable" for p in stmt.reads)
