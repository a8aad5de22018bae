"""numpy_in_graph: an intermediate tensor of the tape body turned into a NumPy array, with
``.numpy()`` or ``np.array(...)`` (alternating by site), as done to inspect or post-process it."""
from __future__ import annotations

import libcst as cst

from ..base import Example, MutatingTransformer, Operator, Unchanged


class _T(MutatingTransformer):
    def leave_Assign(self, original_node, updated_node):
        if self.done or len(original_node.targets) != 1 or not isinstance(original_node.targets[0].target, cst.Name):
            return updated_node
        if not isinstance(original_node.value, (cst.Call, cst.BinaryOperation)) or not self.in_tape(original_node):
            return updated_node
        n = len(self.sites)
        if self.hit(original_node):
            value = updated_node.value
            if n % 2 == 0:
                if isinstance(value, cst.BinaryOperation):
                    value = value.with_changes(
                        lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
                new = cst.Call(func=cst.Attribute(value=value, attr=cst.Name("numpy")))
            else:
                new = cst.Call(func=cst.Attribute(value=cst.Name(self.np()), attr=cst.Name("array")),
                               args=[cst.Arg(value)])
            return updated_node.with_changes(value=new)
        return updated_node


class TensorToNumpy(Operator):
    NAME = "tensor_to_numpy"
    CATEGORY = "numpy_in_graph"
    DESCRIPTION = "Turn an intermediate tensor of the tape body into a NumPy array (.numpy() or np.array)."
    Transformer = _T
    EXAMPLES = (
        Example(
            before="""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    h = model(x)
    loss = h * h
""",
            after=("""\
import tensorflow as tf2

with tf2.GradientTape() as tape:
    h = model(x).numpy()
    loss = h * h
""", """\
import tensorflow as tf2
import numpy as np

with tf2.GradientTape() as tape:
    h = model(x)
    loss = np.array(h * h)
"""),
            title="alias",
        ),
        Example(
            before="""\
from tensorflow import GradientTape
import numpy as onp
with GradientTape() as g:
    loss = a - b
""",
            after=("""\
from tensorflow import GradientTape
import numpy as onp
with GradientTape() as g:
    loss = (a - b).numpy()
""",),
            title="from-import",
        ),
        Unchanged("""\
import tensorflow as tf
h = model(x)
with tf.GradientTape() as tape:
    loss = 3
""", title="outside the tape, a literal"),
    )
