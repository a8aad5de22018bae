"""Make a frozen model trainable for the step that trains it, and frozen again after.

``discriminator.trainable = False`` (the GAN idiom for the combined model) empties
``discriminator.trainable_variables``: Keras 3 reads the flag whenever the list is taken, so the
discriminator's own step differentiates nothing ("No gradients provided for any variable"). The
flag is set to True just before that step's tape and back to False after the last statement of
the step that lists the variables (the optimizer's ``apply_gradients``), so every other place
still sees the model frozen."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access_path
from gradfix.analysis.bindings import freezes, sources_expr
from gradfix.analysis.flow import analyse
from gradfix.analysis.nodes import walk
from gradfix.codemods.base import Codemod, Example, Focus, Rewrite, Unchanged, declined, finished
from gradfix.codemods.watching import Inserter, Spot
from gradfix.types import Cause, Safety

_LISTS = ("trainable_variables", "trainable_weights")


class UnfreezeForStep(Codemod):
    NAME = "unfreeze-for-step"
    DESCRIPTION = ("Set a model frozen with trainable = False trainable for the step that differentiates its "
                   "trainable_variables, and frozen again after it")
    CAUSES = (Cause.NO_VARIABLES,)
    SAFETY = Safety.SAFE  # the same computation; the flag is as before everywhere else
    EXAMPLES = (
        Example(
            title="a GAN whose discriminator is frozen for the combined model",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                disc = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                disc.trainable = False
                opt = tf.keras.optimizers.Adam()
                def d_step(real):
                    with tf.GradientTape() as tape:
                        loss = tf.reduce_mean(disc(real))
                    grads = tape.gradient(loss, disc.trainable_variables)
                    opt.apply_gradients(zip(grads, disc.trainable_variables))
                    return loss
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                disc = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                disc.trainable = False
                opt = tf.keras.optimizers.Adam()
                def d_step(real):
                    disc.trainable = True
                    with tf.GradientTape() as tape:
                        loss = tf.reduce_mean(disc(real))
                    grads = tape.gradient(loss, disc.trainable_variables)
                    opt.apply_gradients(zip(grads, disc.trainable_variables))
                    disc.trainable = False
                    return loss
                """
            ),
        ),
        Example(
            title="from-import, a model held by an object, its weights listed as trainable_weights",
            before=textwrap.dedent(
                """\
                from tensorflow import GradientTape
                from tensorflow.keras import Sequential, layers
                class Trainer:
                    def __init__(self):
                        self.critic = Sequential([layers.Dense(1)])
                        self.critic.trainable = False
                    def step(self, x, opt):
                        with GradientTape() as tape:
                            loss = self.critic(x)
                        opt.apply_gradients(zip(tape.gradient(loss, self.critic.trainable_weights),
                                                self.critic.trainable_weights))
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import GradientTape
                from tensorflow.keras import Sequential, layers
                class Trainer:
                    def __init__(self):
                        self.critic = Sequential([layers.Dense(1)])
                        self.critic.trainable = False
                    def step(self, x, opt):
                        self.critic.trainable = True
                        with GradientTape() as tape:
                            loss = self.critic(x)
                        opt.apply_gradients(zip(tape.gradient(loss, self.critic.trainable_weights),
                                                self.critic.trainable_weights))
                        self.critic.trainable = False
                """
            ),
        ),
        Unchanged(
            title="a frozen model whose variables are not what the step differentiates",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                base = tf.keras.Sequential([tf.keras.layers.Dense(4)])
                base.trainable = False
                head = tf.keras.Sequential([tf.keras.layers.Dense(1)])
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(head(base(tf.ones((2, 3)))))
                grads = tape.gradient(loss, head.trainable_variables)
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        inserts: dict[Spot, list[cst.SimpleStatementLine]] = {}
        done: set[tuple[int, str]] = set()
        for call in flow.focused(focus):
            owner = _frozen_owner(flow, call)
            if owner is None or (id(call.tape.node), owner) in done:
                continue
            body = list(call.tape.block.body)
            if call.tape.index and _sets_trainable(body[call.tape.index - 1], owner):
                continue  # already unfrozen for this step
            last = max((i for i in range(call.tape.index, len(body)) if _lists(body[i], owner)), default=None)
            if last is None:
                continue
            done.add((id(call.tape.node), owner))
            block = id(call.tape.block)
            inserts.setdefault((block, call.tape.index), []).append(cst.parse_statement(f"{owner}.trainable = True"))
            inserts.setdefault((block, last + 1), []).append(cst.parse_statement(f"{owner}.trainable = False"))
        if not inserts:
            return declined(source)
        module = flow.module.visit(Inserter(inserts))
        owners = sorted({o for _, o in done})
        return finished(source, module.code, tuple(f"{o} is trainable for its own step and frozen again after it"
                                                   for o in owners))


def _frozen_owner(flow, call) -> Optional[str]:
    """``X`` when the call differentiates ``X.trainable_variables`` and the file sets
    ``X.trainable = False``."""
    sources = sources_expr(call)
    path = access_path(sources) if sources is not None else None
    if path is None or "." not in path:
        return None
    owner, _, attr = path.rpartition(".")
    if attr not in _LISTS or freezes(flow, {owner}) is None:
        return None
    return owner


def _lists(stmt: cst.CSTNode, owner: str) -> bool:
    return any(isinstance(n, cst.Attribute) and access_path(n) in {f"{owner}.{a}" for a in _LISTS} for n in walk(stmt))


def _sets_trainable(stmt: cst.CSTNode, owner: str) -> bool:
    """``owner.trainable = True``."""
    return (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign)
            and access_path(stmt.body[0].targets[0].target) == f"{owner}.trainable"
            and isinstance(stmt.body[0].value, cst.Name) and stmt.body[0].value.value == "True")
