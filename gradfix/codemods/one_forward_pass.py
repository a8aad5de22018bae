"""Take an activation and the score from one forward pass, not from two.

Grad-CAM and saliency code often builds ``features = tf.keras.Model(model.inputs, layer.output)``
and, in the tape, calls ``features(x)`` for the activation and ``model(x)`` for the score: two
forward passes, so the score is not computed from that activation and its gradient is None. A
model that returns both from one pass, ``tf.keras.Model(features.inputs, [features.output,
model.output])``, gives the activation the score is computed from."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access_path
from gradfix.analysis.bindings import binding
from gradfix.analysis.flow import analyse
from gradfix.analysis.names import ensure_tf_import, tf_spelling
from gradfix.analysis.nodes import claim, walk
from gradfix.codemods.base import Codemod, Example, Focus, Rewrite, Unchanged, declined, finished
from gradfix.codemods.watching import Inserter, Spot, source_paths
from gradfix.types import Cause, Safety


class OneForwardPass(Codemod):
    NAME = "one-forward-pass"
    DESCRIPTION = ("Compute an activation and the score from one model that returns both, instead of a feature "
                   "model and the full model called separately")
    CAUSES = (Cause.UNWATCHED_TENSOR, Cause.LOSS_DISCONNECTED)
    SAFETY = Safety.SAFE  # the same layers on the same input: the same values, now connected
    EXAMPLES = (
        Example(
            title="Grad-CAM with a feature model and a second call of the full model",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                inp = tf.keras.Input((8, 8, 1))
                conv = tf.keras.layers.Conv2D(2, 3, name="conv")(inp)
                model = tf.keras.Model(inp, tf.keras.layers.Dense(3)(tf.keras.layers.Flatten()(conv)))
                features = tf.keras.Model(model.inputs, model.get_layer("conv").output)
                img = tf.ones((1, 8, 8, 1))
                with tf.GradientTape() as tape:
                    fmap = features(img)
                    preds = model(img)
                    score = preds[:, 0]
                grads = tape.gradient(score, fmap)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                inp = tf.keras.Input((8, 8, 1))
                conv = tf.keras.layers.Conv2D(2, 3, name="conv")(inp)
                model = tf.keras.Model(inp, tf.keras.layers.Dense(3)(tf.keras.layers.Flatten()(conv)))
                features = tf.keras.Model(model.inputs, model.get_layer("conv").output)
                img = tf.ones((1, 8, 8, 1))
                features_and_model = tf.keras.Model(features.inputs, [features.output, model.output])
                with tf.GradientTape() as tape:
                    fmap, preds = features_and_model(img)
                    score = preds[:, 0]
                grads = tape.gradient(score, fmap)
                """
            ),
        ),
        Example(
            title="from-import of Model; the score's model called first",
            before=textwrap.dedent(
                """\
                from tensorflow import GradientTape
                from tensorflow.keras import Model
                def explain(net, x):
                    trunk = Model(net.input, net.layers[-2].output)
                    with GradientTape() as tape:
                        out = net(x)
                        hidden = trunk(x)
                        top = out[:, 1]
                    return tape.gradient(top, hidden)
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import GradientTape
                from tensorflow.keras import Model
                import tensorflow as tf

                def explain(net, x):
                    trunk = Model(net.input, net.layers[-2].output)
                    trunk_and_net = tf.keras.Model(trunk.inputs, [trunk.output, net.output])
                    with GradientTape() as tape:
                        hidden, out = trunk_and_net(x)
                        top = out[:, 1]
                    return tape.gradient(top, hidden)
                """
            ),
        ),
        Unchanged(
            title="one model returning both already; two calls on different inputs",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                def cam(grad_model, model, features, a, b):
                    with tf.GradientTape() as tape:
                        fmap, preds = grad_model(a)
                        other = features(a)
                        score = model(b)[:, 0] + preds[:, 0]
                    return tape.gradient(score, [fmap, other])
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        wanted = focus.variables if focus is not None else None
        plans: dict[int, tuple] = {}  # id(activation stmt) -> (id(score stmt), targets, combined name)
        inserts: dict[Spot, list[cst.SimpleStatementLine]] = {}
        tf = tf_spelling(flow.module)
        taken = {n.value for n in walk(flow.module) if isinstance(n, cst.Name)}
        for call in flow.focused(focus):
            body = call.tape.node.body
            if not isinstance(body, cst.IndentedBlock):
                continue
            for path in source_paths(flow, call):
                if "." in path or (wanted is not None and path not in wanted):
                    continue
                plan = _plan(flow, call, body, path)
                if plan is None or id(plan[0]) in plans:
                    continue
                act_stmt, score_stmt, feature_model, full_model, act_first = plan
                name = claim(taken, f"{feature_model}_and_{full_model}")
                make = cst.parse_statement(
                    f"{name} = {tf}.keras.Model({feature_model}.inputs, [{feature_model}.output, {full_model}.output])")
                inserts.setdefault((id(call.tape.block), call.tape.index), []).append(make)
                targets = f"{_assign(act_stmt)[0]}, {_assign(score_stmt)[0]}"
                joined = cst.Module([]).code_for_node(_assign(act_stmt)[2].with_changes(func=cst.Name(name)))
                first, other = (act_stmt, score_stmt) if act_first else (score_stmt, act_stmt)
                plans[id(first)] = (id(other), cst.parse_statement(f"{targets} = {joined}"), name)
        if not plans:
            return declined(source)
        module = ensure_tf_import(flow.module.visit(_Join(plans, inserts)))
        return finished(source, module.code, tuple(f"{v[2]} returns the activation and the score from one pass"
                                                   for v in plans.values()))


def _assign(stmt: cst.CSTNode) -> Optional[tuple[str, str, cst.Call]]:
    """``(target, callee, call)`` for ``target = callee(args...)``."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign)
            and len(stmt.body[0].targets) == 1 and isinstance(stmt.body[0].targets[0].target, cst.Name)):
        return None
    value = stmt.body[0].value
    callee = access_path(value.func) if isinstance(value, cst.Call) else None
    return (stmt.body[0].targets[0].target.value, callee, value) if callee else None


def _plan(flow, call, body: cst.IndentedBlock, path: str):
    """The activation statement ``path = F(x)``, the score statement ``s = M(x)`` (same arguments)
    in the tape, with F built as ``Model(M.inputs|M.input, ...)``; whether the activation is first."""
    stmts = list(body.body)
    act = next((s for s in stmts if (a := _assign(s)) and a[0] == path), None)
    if act is None:
        return None
    _, feature_model, act_call = _assign(act)
    made = binding(flow, call, feature_model)
    value = made.value if made is not None else None
    if not (isinstance(value, cst.Call) and any(q.endswith(".Model") and q.startswith(("tensorflow.", "keras."))
                                                for q in flow.names.of(value.func)) and value.args):
        return None
    inputs = access_path(value.args[0].value) or ""
    full_model = inputs.rpartition(".")[0]
    if not full_model or inputs.rpartition(".")[2] not in ("inputs", "input"):
        return None
    for other in stmts:
        found = _assign(other)
        if found and found[1] == full_model and found[2].deep_equals(act_call.with_changes(func=found[2].func)):
            return act, other, feature_model, full_model, stmts.index(act) < stmts.index(other)
    return None


class _Join(Inserter):
    """The earlier of the two statements becomes the joined call, the later one goes (in the tape's
    body); the combined model is made just before the tape (in the block that holds it)."""

    def __init__(self, plans: dict[int, tuple], inserts: dict[Spot, list[cst.SimpleStatementLine]]) -> None:
        super().__init__(inserts)
        self.plans = plans
        self.drop = {v[0] for v in plans.values()}

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        if not any(id(s) in self.drop or id(s) in self.plans for s in original.body):
            return super().leave_IndentedBlock(original, updated)
        body = []
        for old, new in zip(original.body, updated.body):
            if id(old) in self.drop:
                continue
            plan = self.plans.get(id(old))
            body.append(plan[1].with_changes(leading_lines=new.leading_lines) if plan is not None else new)
        return updated.with_changes(body=body)
