"""Python lists that accumulate tensors (``losses = []`` ... ``losses.append(l)``), and whether
their elements are scalars, so ``np.sum(losses)`` can become ``tf.add_n(losses)``.

    lists = TensorLists(names, module)
    lists.is_list(expr)        # a list display, a comprehension, or a name bound to one
    lists.scalar_elements(expr)  # every element visibly a full reduction (a scalar)
"""

from __future__ import annotations

import libcst as cst

from gradfix.analysis.access import access_path
from gradfix.analysis.names import Names
from gradfix.analysis.nodes import walk
from gradfix.analysis.ops import op_of

_LISTS = (cst.List, cst.ListComp)
_REDUCTIONS = frozenset({"mean", "sum", "max", "min", "prod", "amax", "amin", "std", "var"})


class TensorLists:
    def __init__(self, names: Names, module: cst.Module) -> None:
        self.names = names
        self.elements: dict[str, list[cst.BaseExpression]] = {}  # list name -> what goes in
        self.values: dict[str, list[cst.BaseExpression]] = {}  # name -> every value assigned
        for node in walk(module):
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    if isinstance(target.target, cst.Name):
                        self.values.setdefault(target.target.value, []).append(node.value)
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
                receiver = access_path(node.func.value)
                if receiver and node.func.attr.value == "append" and len(node.args) == 1:
                    self.elements.setdefault(receiver, []).append(node.args[0].value)
        for name, values in self.values.items():
            if values and all(isinstance(v, _LISTS) for v in values):
                for v in values:
                    if isinstance(v, cst.List):
                        self.elements.setdefault(name, []).extend(e.value for e in v.elements)
                    else:
                        self.elements.setdefault(name, []).append(v.elt)
            else:
                self.elements.pop(name, None)

    def is_list(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, _LISTS):
            return True
        return isinstance(expr, cst.Name) and all(
            isinstance(v, _LISTS) for v in self.values.get(expr.value, [None])
        )

    def scalar_elements(self, expr: cst.BaseExpression) -> bool:
        """Every element is a full reduction (``tf.reduce_mean(x)``, ``np.sum(x)``) or a name bound
        only to one."""
        if isinstance(expr, cst.List):
            items = [e.value for e in expr.elements]
        elif isinstance(expr, cst.ListComp):
            items = [expr.elt]
        elif isinstance(expr, cst.Name):
            items = self.elements.get(expr.value, [])
        else:
            return False
        return bool(items) and all(self._scalar(item, 3) for item in items)

    def _scalar(self, expr: cst.BaseExpression, depth: int) -> bool:
        if isinstance(expr, cst.Name) and depth:
            values = self.values.get(expr.value, [])
            return bool(values) and all(self._scalar(v, depth - 1) for v in values)
        if not isinstance(expr, cst.Call) or len(expr.args) != 1 or expr.args[0].keyword:
            return False
        found = op_of(self.names, expr)
        if found is not None:
            return found.name.startswith("reduce_") or found.name in _REDUCTIONS
        return any(q.startswith("numpy.") and q[6:] in _REDUCTIONS for q in self.names.of(expr.func))
