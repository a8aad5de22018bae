"""Carry a state variable's new value as a tensor inside the function that writes and reads it.

A forward pass that keeps state in a variable — a memory written with ``scatter_nd_update``, an
RNN state or a running value updated with ``assign``, a kernel re-normalised with ``assign`` in
``call`` — and reads it back after the write gets no gradient through it: ``assign`` and
``scatter_*`` are not differentiable, so what is read is a fresh constant. In the function that
does both, the new value is now computed as a tensor (``tf.tensor_scatter_nd_update``, ``+``),
the variable is still assigned it (its state after the call is unchanged), and the reads that
follow use the tensor."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access_path
from gradfix.analysis.flow import analyse
from gradfix.analysis.names import ensure_tf_import, tf_spelling
from gradfix.analysis.nodes import claim, walk
from gradfix.analysis.regions import gradient_regions
from gradfix.codemods.base import Codemod, Example, Focus, Rewrite, Unchanged, declined, finished
from gradfix.errors import strict
from gradfix.types import Cause, Safety

# variable write method -> how the new value is computed from the current one (None: the argument)
_WRITES = {
    "assign": None,
    "assign_add": "add",
    "assign_sub": "subtract",
    "scatter_nd_update": "tensor_scatter_nd_update",
    "scatter_nd_add": "tensor_scatter_nd_add",
    "scatter_nd_sub": "tensor_scatter_nd_sub",
}
_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)


class StateToTensor(Codemod):
    NAME = "state-to-tensor"
    DESCRIPTION = ("In a function that writes a state variable (assign, assign_add, scatter_nd_update) and then "
                   "reads it, compute the new value as a tensor, still assign it, and read the tensor")
    CAUSES = (Cause.ASSIGN_OR_SCATTER, Cause.LOSS_DISCONNECTED)
    SAFETY = Safety.SAFE  # the tensor holds the value the variable holds; the variable is still written
    EXAMPLES = (
        Example(
            title="a memory written with scatter_nd_update in a module's __call__, then read",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                class Writer(tf.Module):
                    def __init__(self):
                        self.dense = tf.keras.layers.Dense(4)
                        self.memory = tf.Variable(tf.zeros((3, 4)), trainable=False)
                    def __call__(self, x, slots):
                        writes = self.dense(x)
                        self.memory.scatter_nd_update(tf.reshape(slots, (-1, 1)), writes)
                        return tf.reduce_sum(self.memory, axis=-1)
                net = Writer()
                x, slots = tf.ones((3, 2)), tf.constant([0, 1, 2])
                net(x, slots)
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(net(x, slots))
                grads = tape.gradient(loss, net.dense.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                class Writer(tf.Module):
                    def __init__(self):
                        self.dense = tf.keras.layers.Dense(4)
                        self.memory = tf.Variable(tf.zeros((3, 4)), trainable=False)
                    def __call__(self, x, slots):
                        writes = self.dense(x)
                        memory_t = tf.tensor_scatter_nd_update(self.memory, tf.reshape(slots, (-1, 1)), writes)
                        self.memory.assign(memory_t)
                        return tf.reduce_sum(memory_t, axis=-1)
                net = Writer()
                x, slots = tf.ones((3, 2)), tf.constant([0, 1, 2])
                net(x, slots)
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(net(x, slots))
                grads = tape.gradient(loss, net.dense.trainable_variables)
                """
            ),
        ),
        Example(
            title="a recurrent state kept in a variable (from-import), read before and after its update in a loop",
            before=textwrap.dedent(
                """\
                from tensorflow import GradientTape, Variable, zeros, tanh, reduce_sum
                from tensorflow.keras import layers
                cell = layers.Dense(3)
                state = Variable(zeros((1, 3)), trainable=False)
                def unroll(xs):
                    total = 0.0
                    for x in xs:
                        state.assign(tanh(cell(x) + state))
                        total += reduce_sum(state)
                    return total
                xs = [zeros((1, 2)), zeros((1, 2))]
                with GradientTape() as tape:
                    loss = unroll(xs)
                grads = tape.gradient(loss, cell.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import GradientTape, Variable, zeros, tanh, reduce_sum
                from tensorflow.keras import layers
                import tensorflow as tf

                cell = layers.Dense(3)
                state = Variable(zeros((1, 3)), trainable=False)
                def unroll(xs):
                    total = 0.0
                    state_t = tf.convert_to_tensor(state)
                    for x in xs:
                        state_t = tanh(cell(x) + state_t)
                        state.assign(state_t)
                        total += reduce_sum(state_t)
                    return total
                xs = [zeros((1, 2)), zeros((1, 2))]
                with GradientTape() as tape:
                    loss = unroll(xs)
                grads = tape.gradient(loss, cell.trainable_variables)
                """
            ),
        ),
        Unchanged(
            title="a counter written and never read back, a write whose result is used",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                steps = tf.Variable(0)
                cache = tf.Variable(tf.zeros(2))
                dense = tf.keras.layers.Dense(2)
                def forward(x):
                    steps.assign_add(1)
                    y = cache.assign(dense(x))
                    return tf.reduce_sum(y + cache)
                with tf.GradientTape() as tape:
                    loss = forward(tf.ones((1, 2)))
                grads = tape.gradient(loss, dense.trainable_variables)
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        regions = gradient_regions(flow, focus)
        if not regions:
            return declined(source)
        plans: dict[int, list[str]] = {}  # id(function) -> state paths carried as tensors
        for function in (n for n in walk(flow.module) if isinstance(n, cst.FunctionDef)):
            if not isinstance(function.body, cst.IndentedBlock):
                continue
            if not any(id(n) in regions for n in walk(function.body)):
                continue
            paths = [p for p in _written(function) if _carried(function, p)]
            if paths:
                plans[id(function)] = paths
        if not plans:
            return declined(source)
        try:
            taken = {n.value for n in walk(flow.module) if isinstance(n, cst.Name)}
            transformer = _Carry(plans, tf_spelling(flow.module), taken)
            module = flow.module.visit(transformer)
            module = ensure_tf_import(module)
        except Exception as error:  # noqa: BLE001 - decline on shapes we did not foresee
            if strict():
                raise
            return declined(source, f"could not rewrite: {error}")
        if module.code == source:
            return declined(source)
        return finished(source, module.code, tuple(
            f"{p} is carried as a tensor after it is written (the variable is still assigned)"
            for paths in plans.values() for p in paths))


def _write(stmt: cst.CSTNode) -> Optional[tuple[str, str, cst.Call]]:
    """``(path, method, call)`` for a statement that is only ``path.method(...)``, a variable write."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr)):
        return None
    call = stmt.body[0].value
    if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value in _WRITES):
        return None
    path = access_path(call.func.value)
    return (path, call.func.attr.value, call) if path else None


def accesses(root: cst.CSTNode, path: str) -> list[cst.CSTNode]:
    """The ``Name``/``Attribute`` nodes under ``root`` that access ``path`` (an attribute's name,
    ``obj.state``, and a keyword, ``f(state=1)``, are not accesses of ``state``), in source order."""
    skip: set[int] = set()
    out: list[cst.CSTNode] = []
    for node in walk(root):
        if id(node) in skip:
            continue
        if isinstance(node, cst.Attribute):
            skip.add(id(node.attr))
        elif isinstance(node, cst.Arg) and node.keyword is not None:
            skip.add(id(node.keyword))
        if isinstance(node, (cst.Attribute, cst.Name)) and access_path(node) == path:
            out.append(node)
            skip |= {id(n) for n in walk(node)} - {id(node)}
    return out


def _written(function: cst.FunctionDef) -> list[str]:
    out: list[str] = []
    for node in walk(function.body):
        found = _write(node)
        if found and found[0] not in out:
            out.append(found[0])
    return out


def _carried(function: cst.FunctionDef, path: str) -> bool:
    """Whether ``path`` is worth carrying and can be: every access is a plain read or a write
    statement (no other use of a write's result, no rebinding, no access from a nested scope), and
    some read follows a write in the function's statement order."""
    writes = {id(w[2].func.value) for n in walk(function.body) if (w := _write(n)) and w[0] == path}
    if any(isinstance(n, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign)) and access_path(n.target) == path
           for n in walk(function.body)):
        return False
    seen_write = read_after = False
    for node in accesses(function.body, path):
        if id(node) in writes:
            seen_write = True
        elif _inside_write_func(node, function):
            return False
        else:
            read_after |= seen_write
    nested = [n for n in walk(function.body) if isinstance(n, _SCOPES)]
    if any(accesses(scope, path) for scope in nested):
        return False
    return read_after


def _inside_write_func(node: cst.CSTNode, function: cst.FunctionDef) -> bool:
    """Whether ``node`` is ``path`` used as the object of a write method outside a write
    statement (``y = v.assign(x)``)."""
    for parent in walk(function.body):
        if isinstance(parent, cst.Attribute) and parent.value is node and parent.attr.value in _WRITES:
            return True
    return False


class _Carry(cst.CSTTransformer):
    def __init__(self, plans: dict[int, list[str]], tf: str, taken: set[str]) -> None:
        super().__init__()
        self.plans, self.tf, self.taken = plans, tf, taken

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        paths = self.plans.get(id(original))
        if not paths:
            return updated
        body = updated.body
        for path in paths:
            body = self._carry(body, path)
        return updated.with_changes(body=body)

    def _fresh(self, path: str) -> str:
        return claim(self.taken, path.rsplit(".", 1)[-1] + "_t")

    def _carry(self, body: cst.IndentedBlock, path: str) -> cst.IndentedBlock:
        tensor = self._fresh(path)
        statements = list(body.body)
        first = next(i for i, s in enumerate(statements) if accesses(s, path))
        opening = _write(statements[first])
        out = statements[:first]
        if opening is None or opening[0] != path:
            init = cst.parse_statement(f"{tensor} = {self.tf}.convert_to_tensor({path})")
            out.append(init.with_changes(leading_lines=statements[first].leading_lines))
            statements[first] = statements[first].with_changes(leading_lines=())
            live = True
        else:
            live = False
        for stmt in statements[first:]:
            replaced = stmt.visit(_Rewrite(path, tensor, self.tf, live, stmt))
            out.extend(replaced.nodes if isinstance(replaced, cst.FlattenSentinel) else [replaced])
            live = True
        return body.with_changes(body=out)


class _Rewrite(cst.CSTTransformer):
    """In one statement: a write of ``path`` becomes ``tensor = <new value>`` and ``path.assign(tensor)``;
    reads of ``path`` read ``tensor`` once it holds the value (``live``)."""

    def __init__(self, path: str, tensor: str, tf: str, live: bool, statement: cst.CSTNode) -> None:
        super().__init__()
        self.path, self.tensor, self.tf, self.live = path, tensor, tf, live
        self.writes: set[int] = set()
        self.reads = {id(n) for n in accesses(statement, path)}

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        found = _write(node)
        if found and found[0] == self.path:
            self.writes.add(id(found[2].func.value))
        return True

    def leave_SimpleStatementLine(self, original, updated):
        found = _write(original)
        if not (found and found[0] == self.path):
            return updated
        call = updated.body[0].value
        method = found[1]
        args = [a.value for a in call.args]
        current = cst.Name(self.tensor) if self.live else cst.parse_expression(self.path)
        helper = _WRITES[method]
        if helper is None:
            value = args[0]
        elif method in ("assign_add", "assign_sub"):
            value = cst.BinaryOperation(current, cst.Add() if method == "assign_add" else cst.Subtract(), args[0])
        else:
            value = cst.Call(cst.parse_expression(f"{self.tf}.{helper}"), [cst.Arg(current), *call.args])
        self.live = True
        compute = cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(cst.Name(self.tensor))], value)],
                                          leading_lines=updated.leading_lines)
        keep = cst.parse_statement(f"{self.path}.assign({self.tensor})").with_changes(
            trailing_whitespace=updated.trailing_whitespace)
        return cst.FlattenSentinel([compute, keep])

    def leave_Attribute(self, original, updated):
        return self._read(original, updated)

    def leave_Name(self, original, updated):
        return self._read(original, updated)

    def _read(self, original, updated):
        if not self.live or id(original) in self.writes or id(original) not in self.reads:
            return updated
        return cst.Name(self.tensor)
