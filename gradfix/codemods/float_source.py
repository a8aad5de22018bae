"""Differentiate with respect to a float copy of an integer tensor source (uint8 images, int data).

A tape gives ``None`` for a source of integer dtype even when it watches it and the first op casts
it to float. Casting the source itself to float32 just before the tape keeps every value (an
integer is exact in float32 up to 2**24) and gives it a gradient."""

from __future__ import annotations

import re
import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.bindings import binding
from gradfix.analysis.flow import analyse
from gradfix.analysis.names import ensure_tf_import, tf_spelling
from gradfix.analysis.nodes import walk
from gradfix.codemods.base import Codemod, Example, Focus, Rewrite, Unchanged, declined, finished
from gradfix.codemods.watching import Inserter, Spot, source_paths
from gradfix.types import Cause, Safety

_INT_SPELLING = re.compile(r"\b(u?int(8|16|32|64))\b")


class FloatSource(Codemod):
    NAME = "float-source"
    DESCRIPTION = "Cast an integer tensor that a gradient is taken with respect to to float32 before the tape"
    CAUSES = (Cause.INT_DTYPE,)
    SAFETY = Safety.SAFE  # integers are exact in float32 (below 2**24): every value is kept
    EXAMPLES = (
        Example(
            title="saliency of a uint8 image that the model casts itself",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
                image = tf.constant([[0, 128, 255]], dtype=tf.uint8)
                with tf.GradientTape() as tape:
                    tape.watch(image)
                    score = model(tf.cast(image, tf.float32))[0, 1]
                saliency = tape.gradient(score, image)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
                image = tf.constant([[0, 128, 255]], dtype=tf.uint8)
                image = tf.cast(image, tf.float32)
                with tf.GradientTape() as tape:
                    tape.watch(image)
                    score = model(tf.cast(image, tf.float32))[0, 1]
                saliency = tape.gradient(score, image)
                """
            ),
        ),
        Example(
            title="from-import, integer data given with its inputs in a list",
            before=textwrap.dedent(
                """\
                from tensorflow import GradientTape, constant, int32
                import tensorflow as tf
                w = tf.Variable(2.0)
                counts = constant([1, 2, 3], dtype=int32)
                with GradientTape() as tape:
                    tape.watch(counts)
                    loss = tf.reduce_sum(w * tf.cast(counts, tf.float32))
                dw, dcounts = tape.gradient(loss, [w, counts])
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import GradientTape, constant, int32
                import tensorflow as tf
                w = tf.Variable(2.0)
                counts = constant([1, 2, 3], dtype=int32)
                counts = tf.cast(counts, tf.float32)
                with GradientTape() as tape:
                    tape.watch(counts)
                    loss = tf.reduce_sum(w * tf.cast(counts, tf.float32))
                dw, dcounts = tape.gradient(loss, [w, counts])
                """
            ),
        ),
        Unchanged(
            title="float sources, an integer variable (cast-to-float's), a source made in the tape",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                x = tf.constant([1.0, 2.0])
                step = tf.Variable(3, dtype=tf.int32)
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    ids = tf.constant([1, 2], dtype=tf.int32)
                    loss = tf.reduce_sum(x * tf.cast(ids, tf.float32))
                grads = tape.gradient(loss, [x, step, ids])
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        known = focus.integer if focus is not None else None
        inserts: dict[Spot, list[cst.SimpleStatementLine]] = {}
        cast: list[str] = []
        tf = tf_spelling(flow.module)
        try:
            for call in flow.focused(focus):
                for path in source_paths(flow, call):
                    if "." in path or path in cast:
                        continue
                    found = binding(flow, call, path)
                    if found is None or found.stmt is None or found.stmt.region not in ("outer", "before"):
                        continue
                    if known is not None and path not in known:
                        continue
                    if known is None and not _spelled_integer(found.value):
                        continue
                    line = cst.parse_statement(f"{path} = {tf}.cast({path}, {tf}.float32)")
                    inserts.setdefault((id(call.tape.block), call.tape.index), []).append(line)
                    cast.append(path)
        except Exception as error:  # noqa: BLE001 - unknown shapes of code: decline
            return declined(source, f"could not analyse: {error}")
        if not inserts:
            return declined(source)
        try:
            module = ensure_tf_import(flow.module.visit(Inserter(inserts)))
        except Exception as error:  # noqa: BLE001 - decline on shapes we did not foresee
            return declined(source, f"could not insert the cast: {error}")
        return finished(source, module.code, tuple(f"{p} is cast to float32 before the tape" for p in cast))


def _spelled_integer(value: Optional[cst.BaseExpression]) -> bool:
    """Without the run's dtypes: the value is a TensorFlow call given an integer dtype in its text
    (``tf.constant(..., dtype=tf.uint8)``), never a variable."""
    if not isinstance(value, cst.Call):
        return False
    text = cst.Module([]).code_for_node(value)
    return "Variable" not in text and any(
        isinstance(n, (cst.Name, cst.SimpleString)) and _INT_SPELLING.search(getattr(n, "value", ""))
        for n in walk(value))
