"""Make a loss callable compute the loss, not return one computed before.

``minimize(opt, lambda: cost, [w])`` (``tf.compat.v1`` optimizers, user helpers that open the tape
themselves) calls the function inside its tape; ``lambda: cost`` returns a tensor computed before
that tape opened, so nothing is recorded and every gradient is None. The statements that compute
``cost`` are repeated in a function that returns it, passed instead of the lambda (the statements
stay where they were, for the code that reads ``cost`` after)."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access
from gradfix.analysis.flow import analyse
from gradfix.analysis.nodes import claim, walk
from gradfix.codemods.base import Codemod, Example, Focus, Rewrite, Unchanged, declined, finished
from gradfix.types import Cause, Safety

_IMPURE = ("next", "print", "input", "open", "random", "shuffle", "append", "assign", "update_state")


class LossClosure(Codemod):
    NAME = "loss-closure"
    DESCRIPTION = ("Pass a function that computes the loss where a loss callable returns a value computed "
                   "before (lambda: cost)")
    CAUSES = (Cause.LOSS_DISCONNECTED, Cause.OUTSIDE_TAPE)
    SAFETY = Safety.SAFE  # the same statements, run again inside the caller's tape
    EXAMPLES = (
        Example(
            title="a maximum-likelihood fit through a minimize helper",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                from optim import minimize
                counts = tf.constant([1.0, 3.0])
                logits = tf.Variable(tf.zeros(2))
                for it in range(5):
                    log_p = tf.nn.log_softmax(logits)
                    cost = -tf.reduce_sum(counts * log_p)
                    minimize(lambda: cost, [logits])
                    print(float(cost))
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                from optim import minimize
                counts = tf.constant([1.0, 3.0])
                logits = tf.Variable(tf.zeros(2))
                for it in range(5):
                    log_p = tf.nn.log_softmax(logits)
                    cost = -tf.reduce_sum(counts * log_p)

                    def cost_fn():
                        log_p = tf.nn.log_softmax(logits)
                        cost = -tf.reduce_sum(counts * log_p)
                        return cost
                    minimize(cost_fn, [logits])
                    print(float(cost))
                """
            ),
        ),
        Example(
            title="a tf.compat.v1 optimizer given the output of a layer computed once (from-import)",
            before=textwrap.dedent(
                """\
                from tensorflow import compat, reduce_mean
                import tensorflow as tf
                layer = tf.keras.layers.Dense(2)
                x = tf.ones((1, 3))
                output = layer(x)
                opt = compat.v1.train.GradientDescentOptimizer(0.1)
                opt.minimize(lambda: reduce_mean(output ** 2), var_list=layer.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import compat, reduce_mean
                import tensorflow as tf
                layer = tf.keras.layers.Dense(2)
                x = tf.ones((1, 3))
                output = layer(x)
                opt = compat.v1.train.GradientDescentOptimizer(0.1)

                def loss_fn():
                    output = layer(x)
                    return reduce_mean(output ** 2)
                opt.minimize(loss_fn, var_list=layer.trainable_variables)
                """
            ),
        ),
        Unchanged(
            title="a lambda that computes, a value that reads the next batch",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(1.0)
                batches = iter([1.0, 2.0])
                def minimize(f, v):
                    return f
                minimize(lambda: w * 2.0, [w])
                b = next(batches)
                cost = w * b
                minimize(lambda: cost, [w])
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        taken = {n.value for n in walk(flow.module) if isinstance(n, cst.Name)}
        plans: dict[int, tuple[int, str, cst.FunctionDef]] = {}  # id(block) -> ...
        for block in (n for n in walk(flow.module) if isinstance(n, (cst.Module, cst.IndentedBlock))):
            body = list(block.body)
            for index, stmt in enumerate(body):
                found = _closure_arg(stmt)
                if found is None:
                    continue
                lam, reads = found
                chain = _chain(flow, body[:index], reads)
                if not chain:
                    continue
                returned = lam.body
                name = claim(taken, f"{returned.value}_fn" if isinstance(returned, cst.Name) else "loss_fn")
                copies = [s.with_changes(leading_lines=()) for s in chain]
                function = cst.FunctionDef(
                    name=cst.Name(name), params=cst.Parameters(),
                    body=cst.IndentedBlock([*copies, cst.SimpleStatementLine([cst.Return(returned)])]),
                    leading_lines=[cst.EmptyLine(indent=False)])
                plans[id(block)] = (index, name, function, id(lam))
                break  # one per block: indices stay right
        if not plans:
            return declined(source)
        module = flow.module.visit(_Place(plans))
        return finished(source, module.code, ("the loss callable now computes the loss inside the caller's tape",))


def _closure_arg(stmt: cst.CSTNode) -> Optional[tuple[cst.Lambda, set[str]]]:
    """A statement that passes ``lambda: <expr>`` (no parameters) to a call, with what it reads."""
    if not isinstance(stmt, cst.SimpleStatementLine):
        return None
    for node in walk(stmt):
        if isinstance(node, cst.Arg) and isinstance(node.value, cst.Lambda):
            lam = node.value
            params = lam.params
            if not (params.params or params.posonly_params or params.kwonly_params
                    or isinstance(params.star_arg, cst.Param) or isinstance(params.star_kwarg, cst.Param)):
                reads = {n.value for n in walk(lam.body) if isinstance(n, cst.Name)}
                return lam, reads
    return None


def _chain(flow, before: list, reads: set[str]) -> list:
    """The statements of ``before`` (same block) that compute what ``reads`` names, by def-use,
    in order: computations, not the objects and data they use (a layer, a variable, ``tf.ones``
    stay where they are made); empty when one may have side effects."""
    wanted = set(reads)
    picked: list = []
    for stmt in reversed(before):
        if not isinstance(stmt, cst.SimpleStatementLine):
            break
        acc = access(stmt)
        writes = {w.split(".")[0] for w in acc.writes}
        if not writes & wanted:
            continue
        if any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
            continue  # a name the function reads as it is
        if not all(isinstance(s, cst.Assign) for s in stmt.body):
            return []
        calls = [n for n in walk(stmt) if isinstance(n, cst.Call)]
        if not calls or any(flow.names.is_constructor(c) or _creates(flow, c) for c in calls):
            continue  # data or an object: made once, read by the function as it is
        code = cst.Module([]).code_for_node(stmt)
        if any(f"{word}(" in code for word in _IMPURE):
            return []
        picked.append(stmt)
        wanted |= {r.split(".")[0] for r in acc.reads}
    return picked[::-1]


_CREATORS = frozenset({"constant", "ones", "zeros", "fill", "range", "linspace", "convert_to_tensor", "array",
                       "arange", "ones_like", "zeros_like", "eye"})


def _creates(flow, call: cst.Call) -> bool:
    """``tf.ones(...)``, ``np.array(...)``, ``tf.random.normal(...)``: data, not a computation."""
    for q in flow.names.of(call.func):
        head, _, last = q.rpartition(".")
        if head.split(".")[0] in ("tensorflow", "numpy") and (last in _CREATORS or ".random" in f".{head}"):
            return True
    return False


class _Place(cst.CSTTransformer):
    def __init__(self, plans: dict) -> None:
        super().__init__()
        self.plans = plans
        self.lambdas = {v[3]: v[1] for v in plans.values()}

    def leave_Lambda(self, original: cst.Lambda, updated: cst.Lambda) -> cst.BaseExpression:
        name = self.lambdas.get(id(original))
        return cst.Name(name) if name is not None else updated

    def _apply(self, original, updated):
        plan = self.plans.get(id(original))
        if plan is None:
            return updated
        index, _, function, _ = plan
        body = list(updated.body)
        body.insert(index, function)
        return updated.with_changes(body=body)

    def leave_IndentedBlock(self, original, updated):
        return self._apply(original, updated)

    def leave_Module(self, original, updated):
        return self._apply(original, updated)
