"""loss_disconnected: the variable list taken once, right after the model is created and before it
is built (``model_variables = model.trainable_variables``), and used for the gradient and the update:
a model built on its first call has no variables yet, so the list stays empty."""
from __future__ import annotations

import libcst as cst
from libcst import matchers as m

from ..base import Example, MutatingTransformer, Operator, Unchanged

ATTRS = ("trainable_variables", "trainable_weights")


def _assigns(stmt, name) -> bool:
    return (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign)
            and any(isinstance(t.target, cst.Name) and t.target.value == name for t in stmt.body[0].targets))


class _T(MutatingTransformer):
    def leave_Module(self, original_node, updated_node):
        if self.done:
            return super().leave_Module(original_node, updated_node)
        seen = set()
        for call in m.findall(original_node, m.Call(func=m.Attribute(attr=m.Name("gradient")))):
            sources = [a for a in call.args[1:2] if a.keyword is None] + [
                a for a in call.args if a.keyword is not None and a.keyword.value == "sources"]
            for arg in sources:
                for attr in m.findall(arg.value, m.Attribute(value=m.Name(), attr=m.OneOf(*map(m.Name, ATTRS)))):
                    name = attr.value.value
                    fn = self.enclosing_function(call)
                    scope = None
                    if fn is not None and isinstance(fn.body, cst.IndentedBlock):
                        scope = next((s for s in fn.body.body if _assigns(s, name)), None) and fn
                    if scope is None:
                        scope = original_node if any(_assigns(s, name) for s in original_node.body) else None
                    if scope is None or (id(scope), name) in seen:
                        continue
                    seen.add((id(scope), name))
                    body = scope.body.body if isinstance(scope, cst.FunctionDef) else scope.body
                    stmt = next(s for s in body if _assigns(s, name))
                    if self.hit(stmt):
                        new = _Rewrite(stmt, name, scope).transform(original_node)
                        return super().leave_Module(original_node, new)
        return super().leave_Module(original_node, updated_node)


class _Rewrite(cst.CSTTransformer):
    def __init__(self, stmt, name, scope):
        super().__init__()
        self.stmt, self.name, self.scope = stmt, name, scope
        self.var = f"{name}_variables"
        self.depth = 0 if isinstance(scope, cst.Module) else None

    def transform(self, module):
        return module.visit(self)

    def visit_FunctionDef(self, node):
        if node is self.scope:
            self.depth = 0
        return True

    def leave_FunctionDef(self, original_node, updated_node):
        if original_node is self.scope:
            self.depth = None
        return updated_node

    def leave_Attribute(self, original_node, updated_node):
        if (self.depth is not None and isinstance(original_node.value, cst.Name)
                and original_node.value.value == self.name and original_node.attr.value in ATTRS):
            return cst.Name(self.var)
        return updated_node

    def leave_SimpleStatementLine(self, original_node, updated_node):
        if original_node is self.stmt:
            new = cst.parse_statement(f"{self.var} = {self.name}.trainable_variables\n")
            return cst.FlattenSentinel([updated_node, new])
        return updated_node


class LateVariableList(Operator):
    NAME = "late_variable_list"
    CATEGORY = "loss_disconnected"
    DESCRIPTION = "Take the model's variable list right after creating it (before it is built) and differentiate with that list."
    Transformer = _T
    EXAMPLES = (
        Example(
            before="""\
import tensorflow as tf2

model = Net()
opt = tf2.keras.optimizers.Adam()

def step(x):
    with tf2.GradientTape() as tape:
        loss = model(x)
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
""",
            after=("""\
import tensorflow as tf2

model = Net()
model_variables = model.trainable_variables
opt = tf2.keras.optimizers.Adam()

def step(x):
    with tf2.GradientTape() as tape:
        loss = model(x)
    grads = tape.gradient(loss, model_variables)
    opt.apply_gradients(zip(grads, model_variables))
""",),
            title="module-level model, alias",
        ),
        Example(
            before="""\
from tensorflow import GradientTape

def main():
    critic = Critic()
    for x in data:
        with GradientTape() as g:
            loss = critic(x)
        grads = g.gradient(loss, sources=critic.trainable_weights)
""",
            after=("""\
from tensorflow import GradientTape

def main():
    critic = Critic()
    critic_variables = critic.trainable_variables
    for x in data:
        with GradientTape() as g:
            loss = critic(x)
        grads = g.gradient(loss, sources=critic_variables)
""",),
            title="in a function, from-import",
        ),
        Unchanged("""\
import tensorflow as tf
def step(x):
    with tf.GradientTape() as tape:
        loss = self.model(x)
    grads = tape.gradient(loss, self.model.trainable_variables)
""", title="an attribute model"),
    )
