"""unwatched_tensor: a tape created with ``watch_accessed_variables=False`` (so only what is watched
explicitly is recorded)."""
from __future__ import annotations

import libcst as cst

from ..base import Example, MutatingTransformer, Operator, Unchanged


class _T(MutatingTransformer):
    def leave_Call(self, original_node, updated_node):
        if self.done or not self.is_name(original_node.func, "tensorflow.GradientTape"):
            return updated_node
        if any(a.keyword is not None and a.keyword.value == "watch_accessed_variables" for a in original_node.args):
            return updated_node
        if self.hit(original_node):
            args = list(updated_node.args)
            if args:
                args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            args.append(cst.Arg(keyword=cst.Name("watch_accessed_variables"), value=cst.Name("False"),
                                equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                                      whitespace_after=cst.SimpleWhitespace(""))))
            return updated_node.with_changes(args=args)
        return updated_node


class UnwatchVariables(Operator):
    NAME = "unwatch_variables"
    CATEGORY = "unwatched_tensor"
    DESCRIPTION = "Create the tape with watch_accessed_variables=False."
    Transformer = _T
    EXAMPLES = (
        Example(
            before="""\
import tensorflow as tf2

with tf2.GradientTape(persistent=True) as tape:
    y = f(x)
""",
            after=("""\
import tensorflow as tf2

with tf2.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
    y = f(x)
""",),
            title="alias",
        ),
        Example(
            before="""\
from tensorflow import GradientTape
tape = GradientTape()
""",
            after=("""\
from tensorflow import GradientTape
tape = GradientTape(watch_accessed_variables=False)
""",),
            title="tape object, from-import",
        ),
        Unchanged("""\
import tensorflow as tf
with tf.GradientTape(watch_accessed_variables=True) as tape:
    y = f(x)
""", title="already set"),
    )
