"""Compute from the tensor the tape watches, not from the array it was copied from.

``x_t = tf.convert_to_tensor(x)`` then ``tape.watch(x_t)`` and ``model(x)`` inside the tape: the
model converts ``x`` again, into a new tensor the tape never saw, so ``tape.gradient(loss, x_t)``
is None. Inside the tape, reads of ``x`` become reads of ``x_t`` (the same values)."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.bindings import binding
from gradfix.analysis.flow import analyse
from gradfix.analysis.nodes import naming_names, walk
from gradfix.codemods.base import Codemod, Example, Focus, Rewrite, Unchanged, declined, finished
from gradfix.codemods.watching import source_paths
from gradfix.types import Cause, Safety

_COPIES = frozenset({"convert_to_tensor", "constant", "identity", "Variable"})


class ReadWatchedCopy(Codemod):
    NAME = "read-watched-copy"
    DESCRIPTION = ("Inside the tape, read the tensor that is watched (x_t = tf.convert_to_tensor(x)) instead of the "
                   "array it copies")
    CAUSES = (Cause.UNWATCHED_TENSOR, Cause.LOSS_DISCONNECTED)
    SAFETY = Safety.SAFE  # the copy holds the same values
    EXAMPLES = (
        Example(
            title="input attribution: the watched copy is not what the model reads",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                def attribution(images):
                    images_t = tf.convert_to_tensor(images)
                    with tf.GradientTape() as tape:
                        tape.watch(images_t)
                        loss = tf.reduce_sum(model(images))
                    return tape.gradient(loss, images_t)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                def attribution(images):
                    images_t = tf.convert_to_tensor(images)
                    with tf.GradientTape() as tape:
                        tape.watch(images_t)
                        loss = tf.reduce_sum(model(images_t))
                    return tape.gradient(loss, images_t)
                """
            ),
        ),
        Example(
            title="from-import of constant; NumPy data copied once, read again in the tape",
            before=textwrap.dedent(
                """\
                from tensorflow import GradientTape, constant, reduce_sum
                import numpy as np
                x = np.ones((2, 3), dtype=np.float32)
                x_tensor = constant(x)
                with GradientTape() as tape:
                    tape.watch(x_tensor)
                    y = reduce_sum(x * 2.0)
                g = tape.gradient(y, x_tensor)
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import GradientTape, constant, reduce_sum
                import numpy as np
                x = np.ones((2, 3), dtype=np.float32)
                x_tensor = constant(x)
                with GradientTape() as tape:
                    tape.watch(x_tensor)
                    y = reduce_sum(x_tensor * 2.0)
                g = tape.gradient(y, x_tensor)
                """
            ),
        ),
        Unchanged(
            title="the copy is already read; a copy made with a cast (values may change)",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                x = tf.ones((2, 2), dtype=tf.float64)
                xt = tf.convert_to_tensor(x)
                xf = tf.cast(x, tf.float32)
                with tf.GradientTape() as tape:
                    tape.watch([xt, xf])
                    y = tf.reduce_sum(xt) + tf.reduce_sum(tf.cast(x, tf.float32))
                g = tape.gradient(y, [xt, xf])
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        wanted = focus.variables if focus is not None else None
        renames: dict[int, dict[str, str]] = {}  # id(tape body) -> {original name: watched copy}
        for call in flow.focused(focus):
            for path in source_paths(flow, call):
                if "." in path or (wanted is not None and path not in wanted):
                    continue
                found = binding(flow, call, path)
                original = _copied_name(flow, found.value if found is not None else None)
                if original is None or found.stmt is None or found.stmt.region not in ("outer", "before"):
                    continue
                body = call.tape.node.body
                reads_original = any(isinstance(n, cst.Name) and n.value == original for n in walk(body))
                if reads_original and _only_watches(body, path):
                    renames.setdefault(id(body), {})[original] = path
        if not renames:
            return declined(source)
        module = flow.module.visit(_Rename(renames))
        if module.code == source:
            return declined(source)
        return finished(source, module.code, tuple(f"the tape now reads {new}, the tensor it watches, for {old}"
                                                   for names in renames.values() for old, new in names.items()))


def _copied_name(flow, value) -> Optional[str]:
    """``x`` for ``tf.convert_to_tensor(x)``, ``tf.constant(x)``, ``tf.identity(x)`` (no dtype)."""
    if not isinstance(value, cst.Call) or len(value.args) != 1 or value.args[0].keyword is not None:
        return None
    if not any(q.startswith("tensorflow.") and q.rpartition(".")[2] in _COPIES for q in flow.names.of(value.func)):
        return None
    arg = value.args[0].value
    return arg.value if isinstance(arg, cst.Name) else None


def _only_watches(body: cst.CSTNode, path: str) -> bool:
    """Every read of ``path`` in the tape is inside ``tape.watch(...)``."""
    watched = {id(n) for c in walk(body) if isinstance(c, cst.Call) and isinstance(c.func, cst.Attribute)
               and c.func.attr.value == "watch" for n in walk(c)}
    return all(id(n) in watched for n in walk(body) if isinstance(n, cst.Name) and n.value == path)


class _Rename(cst.CSTTransformer):
    def __init__(self, renames: dict[int, dict[str, str]]) -> None:
        super().__init__()
        self.renames = renames
        self.active: list[dict[str, str]] = []
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
        if self.active and id(original) not in self.skip and original.value in self.active[-1]:
            return updated.with_changes(value=self.active[-1][original.value])
        return updated
