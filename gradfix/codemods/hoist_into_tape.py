"""Move the computation of the loss into the ``tf.GradientTape`` block that differentiates it."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access, expr_reads, related
from gradfix.analysis.flow import GradientCall, Stmt, analyse
from gradfix.analysis.hoisting import outer_conflict
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

_SETUP_METHODS = frozenset({"compile", "build", "fit", "load_weights", "summary", "evaluate"})


@dataclass
class _Plan:
    """Statements of one block to move into the ``with`` at ``index``."""

    index: int
    before: set[int] = field(default_factory=set)
    after: set[int] = field(default_factory=set)
    outer: list[Stmt] = field(default_factory=list)  # from enclosing blocks, e.g. before a loop


class HoistIntoTape(Codemod):
    NAME = "hoist-into-tape"
    DESCRIPTION = "Move statements that compute the loss from trainable variables into the tape"
    CAUSES = (Cause.OUTSIDE_TAPE, Cause.LOSS_DISCONNECTED)
    SAFETY = Safety.SAFE  # the moved statements run in the same order, one block deeper
    EXAMPLES = (
        Example(
            title="forward pass before the tape",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(1.0)
                x = tf.constant(2.0)
                y = w * x
                with tf.GradientTape() as tape:
                    loss = y ** 2
                grads = tape.gradient(loss, w)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(1.0)
                x = tf.constant(2.0)
                with tf.GradientTape() as tape:
                    y = w * x
                    loss = y ** 2
                grads = tape.gradient(loss, w)
                """
            ),
        ),
        Example(
            title="alias, keras model and loss after the tape",
            before=textwrap.dedent(
                """\
                import tensorflow as tf2
                model = tf2.keras.Sequential([tf2.keras.layers.Dense(1)])
                def step(x, y):
                    pred = model(x)
                    with tf2.GradientTape() as tape:
                        err = pred - y
                    loss = tf2.reduce_mean(err ** 2)
                    return tape.gradient(loss, model.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf2
                model = tf2.keras.Sequential([tf2.keras.layers.Dense(1)])
                def step(x, y):
                    with tf2.GradientTape() as tape:
                        pred = model(x)
                        err = pred - y
                        loss = tf2.reduce_mean(err ** 2)
                    return tape.gradient(loss, model.trainable_variables)
                """
            ),
        ),
        Example(
            title="from import, attribute sources, unrelated statements stay",
            before=textwrap.dedent(
                """\
                from tensorflow import GradientTape, Variable
                class Net:
                    def __init__(self):
                        self.w = Variable(2.0)
                    def step(self, x):
                        h = self.w * x
                        log = []
                        z = h + 1.0
                        with GradientTape(persistent=True) as tape:
                            loss = z * z
                        return tape.gradient(loss, [self.w])
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import GradientTape, Variable
                class Net:
                    def __init__(self):
                        self.w = Variable(2.0)
                    def step(self, x):
                        log = []
                        with GradientTape(persistent=True) as tape:
                            h = self.w * x
                            z = h + 1.0
                            loss = z * z
                        return tape.gradient(loss, [self.w])
                """
            ),
        ),
        Example(
            title="forward pass before the training loop",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                x, y = tf.ones((4, 3)), tf.zeros((4, 1))
                pred = model(x)
                for epoch in range(10):
                    with tf.GradientTape() as tape:
                        loss = tf.reduce_mean((pred - y) ** 2)
                    grads = tape.gradient(loss, model.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                x, y = tf.ones((4, 3)), tf.zeros((4, 1))
                for epoch in range(10):
                    with tf.GradientTape() as tape:
                        pred = model(x)
                        loss = tf.reduce_mean((pred - y) ** 2)
                    grads = tape.gradient(loss, model.trainable_variables)
                """
            ),
        ),
        Example(
            title="the moved statement reads a watched tensor: it goes after the tape.watch",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                x = tf.constant([1.0, 2.0])
                y = x ** 2
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    loss = tf.reduce_sum(y)
                dx = tape.gradient(loss, x)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                x = tf.constant([1.0, 2.0])
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    y = x ** 2
                    loss = tf.reduce_sum(y)
                dx = tape.gradient(loss, x)
                """
            ),
        ),
        Example(
            title="the target computed again after the tape: the repeat goes, the tape's value is differentiated",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                x = tf.ones((2, 3))
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(model(x))

                loss = tf.reduce_sum(model(x))
                grads = tape.gradient(loss, model.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                x = tf.ones((2, 3))
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(model(x))
                grads = tape.gradient(loss, model.trainable_variables)
                """
            ),
        ),
        Example(
            title="the forward pass read by a local loss function (a closure) called in the tape",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                net = tf.keras.layers.Dense(1)
                def train_step(x, y):
                    output = net(x)
                    def loss_fn():
                        return tf.reduce_mean((y - output) ** 2)
                    with tf.GradientTape() as tape:
                        loss = loss_fn()
                    return tape.gradient(loss, net.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                net = tf.keras.layers.Dense(1)
                def train_step(x, y):
                    def loss_fn():
                        return tf.reduce_mean((y - output) ** 2)
                    with tf.GradientTape() as tape:
                        output = net(x)
                        loss = loss_fn()
                    return tape.gradient(loss, net.trainable_variables)
                """
            ),
        ),
        Unchanged(
            title="the value computed before the loop is read after it",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(1.0)
                y = w * 2.0
                for epoch in range(3):
                    with tf.GradientTape() as tape:
                        loss = y ** 2
                    grads = tape.gradient(loss, w)
                print(y)
                """
            ),
        ),
        Unchanged(
            title="already inside the tape; construction and data stay outside",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                import numpy as np
                w = tf.Variable(np.ones(3, dtype=np.float32))
                x = tf.constant(np.arange(3.0, dtype=np.float32))
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(w * x)
                grads = tape.gradient(loss, [w])
                """
            ),
        ),
        Unchanged(
            title="a statement in between uses the value: moving would change it",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(1.0)
                y = w * 2.0
                history = [y]
                with tf.GradientTape() as tape:
                    loss = y ** 2
                grads = tape.gradient(loss, w)
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        plans: dict[int, tuple[cst.CSTNode, _Plan]] = {}
        notes: list[str] = []
        claimed: set[int] = set()
        for call in flow.focused(focus):
            before, after = _movable(call, flow), [s for s in call.path if s.region == "after"]
            outer = _movable(call, flow, region="outer")
            if not before and not after and not outer:
                continue
            if any(not isinstance(s.node, cst.SimpleStatementLine) for s in after):
                notes.append(f"line {call.line}: the loss is computed in a compound statement after the tape")
                continue
            block = call.tape.block
            key = id(call.tape.node)
            _, plan = plans.setdefault(key, (block, _Plan(call.tape.index)))
            new_outer = [s for s in outer if all(s.node is not o.node for o in plan.outer)]
            candidate = _Plan(plan.index, plan.before | {s.index for s in before},
                              plan.after | {s.index for s in after}, plan.outer + new_outer)  # fmt: skip
            ids = {id(s.node) for s in before + after + outer}
            mine = {id(block.body[i]) for i in plan.before | plan.after} | {id(s.node) for s in plan.outer}
            if ids & claimed - mine:
                notes.append(f"line {call.line}: statements are shared with another tape")
                continue
            conflict = _conflict(call, candidate) or outer_conflict(flow, call, candidate.outer,
                                                                    candidate.before)
            if conflict:
                notes.append(f"line {call.line}: line {conflict} uses what would move; left alone")
                continue
            plans[key] = (block, candidate)
            claimed |= ids
        if not any(p.before or p.after or p.outer for _, p in plans.values()):
            return declined(source, *notes)
        by_block: dict[int, list[_Plan]] = {}
        drops: dict[int, set[int]] = {}
        for block, plan in plans.values():
            by_block.setdefault(id(block), []).append(plan)
            for stmt in plan.outer:
                drops.setdefault(id(stmt.block), set()).add(stmt.index)
        try:
            module = flow.module.visit(_Mover(by_block, drops))
        except Exception as error:  # noqa: BLE001 - decline on shapes we did not foresee
            return declined(source, f"could not move statements: {error}")
        return finished(source, module.code, tuple(notes))


def _movable(call: GradientCall, flow, region: str = "before") -> list[Stmt]:
    """Path statements before the tape (in its block, or in an enclosing one for ``outer``)
    that compute from trainables."""
    out = []
    for stmt in call.path:
        if stmt.region != region or not stmt.trainable:
            continue
        if not isinstance(stmt.node, cst.SimpleStatementLine) or related(stmt.writes, call.sources):
            continue
        if any(_is_setup(flow, c) for c in calls_in(stmt.node)):
            continue
        out.append(stmt)
    return out


def _is_setup(flow, call: cst.Call) -> bool:
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in _SETUP_METHODS:
        return True
    return flow.names.is_constructor(call)



def _conflict(call: GradientCall, plan: _Plan) -> Optional[int]:
    """The line of a statement that the move would reorder against a moved one, if any."""
    block_stmts = {s.index: s for s in call.sequence if s.block is call.tape.block}
    moved_before = [block_stmts[i] for i in sorted(plan.before)]
    moved_after = [block_stmts[i] for i in sorted(plan.after)]
    items = set().union(*(expr_reads(it.item) for it in call.tape.node.items))
    for m in moved_before:
        if related(items, m.writes):
            return call.tape.line
        for j in range(m.index + 1, plan.index):
            other = block_stmts.get(j)
            if other is not None and j not in plan.before and _clash(other, m):
                return other.line
    for m in moved_after:
        for j in range(plan.index + 1, m.index):
            other = block_stmts.get(j)
            if other is not None and j not in plan.after and _clash(other, m):
                return other.line
    return None


def _clash(other: Stmt, moved: Stmt) -> bool:
    if isinstance(other.node, (cst.FunctionDef, cst.ClassDef)):  # its body reads when it is called
        return related(other.writes, moved.reads | moved.writes)
    return related(other.reads, moved.writes) or related(other.writes, moved.reads | moved.writes)


class _Mover(cst.CSTTransformer):
    def __init__(self, plans: dict[int, list[_Plan]], drops: dict[int, set[int]]) -> None:
        self.plans, self.drops = plans, drops

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        return self._apply(original, updated)

    def leave_IndentedBlock(self, original, updated):
        return self._apply(original, updated)

    def _apply(self, original, updated):
        plans = self.plans.get(id(original), [])
        if not plans and id(original) not in self.drops:
            return updated
        body = list(updated.body)
        for plan in plans:
            body[plan.index] = _filled(body, plan)
        drop = set().union(self.drops.get(id(original), set()), *(p.before | p.after for p in plans))
        return updated.with_changes(body=[s for i, s in enumerate(body) if i not in drop])


def _filled(body: list, plan: _Plan) -> cst.With:
    """The ``with`` at ``plan.index`` with the planned statements moved into it."""
    with_node = body[plan.index]
    head = [_relined(s.node) for s in plan.outer] + [_relined(body[i]) for i in sorted(plan.before)]
    if head:
        head[0] = head[0].with_changes(
            leading_lines=[line for line in head[0].leading_lines if line.comment]
        )
    inner = with_node.body
    # a statement after the tape that repeats one of the tape's own (a second forward pass for the
    # target) is dropped, not moved in: the target is the value the tape recorded
    inside = list(inner.body) if isinstance(inner, cst.IndentedBlock) else []
    tail = [_relined(body[i]) for i in sorted(plan.after)
            if _bare(body[i]) not in {_bare(s) for s in inside}]
    if isinstance(inner, cst.SimpleStatementSuite):
        line = cst.SimpleStatementLine(body=inner.body, trailing_whitespace=inner.trailing_whitespace)
        inner = cst.IndentedBlock(body=[line])  # the one-line body's trailing comment stays on it
    body_now = list(inner.body)
    at = _after_watches(body_now, head)
    return with_node.with_changes(body=inner.with_changes(body=body_now[:at] + head + body_now[at:] + tail))


def _after_watches(body: list, head: list) -> int:
    """Where the moved statements go in the tape's body: after its leading ``tape.watch(x)`` calls
    (a moved statement that reads ``x`` must run once ``x`` is watched), but before a watch of
    something they compute."""
    written = frozenset().union(*(access(s).writes for s in head)) if head else frozenset()
    at = 0
    for stmt in body:
        call = stmt.body[0].value if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 \
            and isinstance(stmt.body[0], cst.Expr) else None
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "watch"):
            break
        if related(access(stmt).reads, written):
            break
        at += 1
    return at


def _bare(stmt: cst.BaseStatement) -> str:
    """A statement's code without the blank lines and comments above it."""
    return cst.Module([]).code_for_node(stmt.with_changes(leading_lines=()))


def _relined(stmt: cst.BaseStatement) -> cst.BaseStatement:
    """Blank lines of a moved statement stay blank (no indentation whitespace on them)."""
    lines = [line if line.comment else line.with_changes(indent=False) for line in stmt.leading_lines]
    return stmt.with_changes(leading_lines=lines)
