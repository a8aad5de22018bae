"""Apply a learned layer inside the training step instead of in the ``tf.data`` pipeline.

``ds = ds.batch(32).map(featurize)`` where ``featurize`` runs an embedding or an encoder: the
pipeline runs it outside any tape, in a graph of its own, so its variables get no gradient (and a
``Dataset`` never trains anything). The ``map`` leaves the pipeline and the training loop applies
the same function to each batch, first thing inside the tape."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.access import access_path
from gradfix.analysis.flow import analyse
from gradfix.analysis.names import KERAS_PREFIXES
from gradfix.analysis.nodes import walk
from gradfix.codemods.base import Codemod, Example, Focus, Rewrite, Unchanged, declined, finished
from gradfix.errors import strict
from gradfix.types import Cause, Safety

_BATCHING = frozenset({"batch", "padded_batch", "unbatch", "rebatch", "bucket_by_sequence_length"})


class MapIntoStep(Codemod):
    NAME = "map-into-step"
    DESCRIPTION = ("Move a tf.data map whose function runs a learned layer out of the pipeline and into the "
                   "training step's tape")
    CAUSES = (Cause.LOSS_DISCONNECTED, Cause.OUTSIDE_TAPE)
    SAFETY = Safety.SAFE  # the same function on the same batches, now recorded by the tape
    EXAMPLES = (
        Example(
            title="token embeddings computed in the dataset's map",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                embedding = tf.keras.layers.Embedding(50, 8)
                head = tf.keras.layers.Dense(1)
                def featurize(tok, y):
                    return tf.reduce_mean(embedding(tok), axis=1), y
                ds = tf.data.Dataset.from_tensor_slices((tf.zeros((8, 3), tf.int32), tf.ones(8))).batch(4).map(featurize)
                for feats, y in ds:
                    with tf.GradientTape() as tape:
                        loss = tf.reduce_mean((head(feats)[:, 0] - y) ** 2)
                    grads = tape.gradient(loss, embedding.trainable_variables + head.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                embedding = tf.keras.layers.Embedding(50, 8)
                head = tf.keras.layers.Dense(1)
                def featurize(tok, y):
                    return tf.reduce_mean(embedding(tok), axis=1), y
                ds = tf.data.Dataset.from_tensor_slices((tf.zeros((8, 3), tf.int32), tf.ones(8))).batch(4)
                for feats, y in ds:
                    with tf.GradientTape() as tape:
                        feats, y = featurize(feats, y)
                        loss = tf.reduce_mean((head(feats)[:, 0] - y) ** 2)
                    grads = tape.gradient(loss, embedding.trainable_variables + head.trainable_variables)
                """
            ),
        ),
        Example(
            title="from-import; an encoder applied per batch, one element per batch",
            before=textwrap.dedent(
                """\
                from tensorflow import GradientTape, data
                from tensorflow.keras import layers
                encoder = layers.Dense(4)
                def encode(x):
                    return encoder(x)
                ds = data.Dataset.from_tensor_slices(tf_x).batch(2)
                ds = ds.map(encode).prefetch(1)
                for z in ds:
                    with GradientTape() as tape:
                        loss = (z ** 2).sum()
                    grads = tape.gradient(loss, encoder.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import GradientTape, data
                from tensorflow.keras import layers
                encoder = layers.Dense(4)
                def encode(x):
                    return encoder(x)
                ds = data.Dataset.from_tensor_slices(tf_x).batch(2)
                ds = ds.prefetch(1)
                for z in ds:
                    with GradientTape() as tape:
                        z = encode(z)
                        loss = (z ** 2).sum()
                    grads = tape.gradient(loss, encoder.trainable_variables)
                """
            ),
        ),
        Unchanged(
            title="a map that only preprocesses, a map before batch(), a dataset read twice",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                dense = tf.keras.layers.Dense(1)
                def scale(x):
                    return x / 255.0
                def embed(x):
                    return dense(x)
                ds = tf.data.Dataset.from_tensor_slices(tf.zeros((8, 3))).map(scale).batch(4)
                other = tf.data.Dataset.from_tensor_slices(tf.zeros((8, 3))).map(embed).batch(4)
                for x in ds:
                    with tf.GradientTape() as tape:
                        loss = tf.reduce_sum(dense(x))
                    grads = tape.gradient(loss, dense.trainable_variables)
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        learned = _learned_names(flow)
        functions = {f.name.value: f for f in flow.module.body if isinstance(f, cst.FunctionDef)}
        maps: dict[int, cst.Call] = {}  # id(the .map call) -> its receiver
        inserts: dict[int, tuple[cst.BaseExpression, str]] = {}  # id(with) -> (loop target, function)
        for call in flow.focused(focus):
            loop = _enclosing_for(flow.module, call.tape.node)
            dataset = access_path(loop.iter) if loop is not None else None
            if dataset is None or id(call.tape.node) in inserts:
                continue
            found = _mapped(flow, dataset, functions, learned)
            if found is None:
                continue
            map_call, name = found
            maps[id(map_call)] = map_call
            inserts[id(call.tape.node)] = (loop.target, name)
        if not inserts:
            return declined(source)
        try:
            module = flow.module.visit(_Move(maps, inserts))
        except Exception as error:  # noqa: BLE001 - decline on shapes we did not foresee
            if strict():
                raise
            return declined(source, f"could not rewrite: {error}")
        return finished(source, module.code, tuple(f"{n} now runs inside the tape, not in the tf.data pipeline"
                                                   for _, n in inserts.values()))


def _learned_names(flow) -> set[str]:
    """Module-level names bound to a Keras layer or model (``embedding = layers.Embedding(...)``)."""
    out: set[str] = set()
    for stmt in flow.module.body:
        if isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.Assign):
            value = stmt.body[0].value
            if isinstance(value, cst.Call) and any(q.startswith(KERAS_PREFIXES) and q.rpartition(".")[2][:1].isupper()
                                                   for q in flow.names.of(value.func)):
                out |= {access_path(t.target) for t in stmt.body[0].targets} - {None}
    return out


def _enclosing_for(module: cst.Module, node: cst.CSTNode) -> Optional[cst.For]:
    """The innermost ``for`` loop whose body holds ``node``."""
    best = None
    for loop in (n for n in walk(module) if isinstance(n, cst.For)):
        if any(n is node for n in walk(loop.body)):
            best = loop
    return best


def _mapped(flow, dataset: str, functions: dict, learned: set[str]) -> Optional[tuple[cst.Call, str]]:
    """The ``.map(F)`` call that builds ``dataset`` with ``F`` a module function that calls a learned
    layer, no batching after it, and ``dataset`` iterated once; with F's name."""
    bindings = [n for n in walk(flow.module) if isinstance(n, cst.Assign)
                and any(access_path(t.target) == dataset for t in n.targets)]
    uses = [n for n in walk(flow.module) if isinstance(n, cst.Name) and n.value == dataset]
    if len(uses) != len(bindings) + 1 + sum(1 for b in bindings for n in walk(b.value)
                                            if isinstance(n, cst.Name) and n.value == dataset):
        return None  # read somewhere else too (an evaluation loop would lose the map)
    for binding in bindings:
        chain = _chain(binding.value)
        for i, call in enumerate(chain):
            if not (isinstance(call.func, cst.Attribute) and call.func.attr.value == "map" and len(call.args) == 1):
                continue
            func = call.args[0].value
            if not isinstance(func, cst.Name) or func.value not in functions:
                continue
            reads = {n.value for n in walk(functions[func.value].body) if isinstance(n, cst.Name)}
            later = [c.func.attr.value for c in chain[i + 1:] if isinstance(c.func, cst.Attribute)]
            if reads & learned and not set(later) & _BATCHING:
                return call, func.value
    return None


def _chain(expr: cst.BaseExpression) -> list[cst.Call]:
    """The method calls of ``a.b(...).c(...).d(...)``, innermost first."""
    out: list[cst.Call] = []
    while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        out.append(expr)
        expr = expr.func.value
    return out[::-1]


class _Move(cst.CSTTransformer):
    def __init__(self, maps: dict[int, cst.Call], inserts: dict[int, tuple[cst.BaseExpression, str]]) -> None:
        super().__init__()
        self.maps, self.inserts = maps, inserts

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if id(original) in self.maps:
            receiver = updated.func.value  # ``x.map(F)`` -> ``x``, in the call's parentheses
            if updated.lpar and hasattr(receiver, "lpar"):
                receiver = receiver.with_changes(lpar=[*updated.lpar, *receiver.lpar], rpar=[*receiver.rpar, *updated.rpar])
            return receiver
        return updated

    def leave_With(self, original: cst.With, updated: cst.With) -> cst.With:
        found = self.inserts.get(id(original))
        if found is None or not isinstance(updated.body, cst.IndentedBlock):
            return updated
        target, name = found
        module = cst.Module([])
        spelled = module.code_for_node(target.with_changes(lpar=(), rpar=()))
        line = cst.parse_statement(f"{spelled} = {name}({spelled})")
        return updated.with_changes(body=updated.body.with_changes(body=[line, *updated.body.body]))
