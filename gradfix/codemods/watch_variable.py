"""Watch variables the tape skips: ones made with ``trainable=False``, and every variable under a
tape opened with ``watch_accessed_variables=False``.

That flag goes rather than a ``tape.watch(model.trainable_variables)`` going in: Keras 3 variables
cannot be passed to ``tape.watch``, a lazily built model has no variables before its first call,
and the gradients of the sources asked for are the same whatever else the tape records."""

from __future__ import annotations

import textwrap
from typing import Optional

import libcst as cst

from gradfix.analysis.bindings import assignments, binding, is_variable_value
from gradfix.analysis.flow import Flow, GradientCall, analyse
from gradfix.codemods.base import Codemod, Example, Focus, Rewrite, Unchanged, declined, finished
from gradfix.codemods.watching import (
    Inserter,
    Spot,
    already_watched,
    source_paths,
    watch_statement,
)
from gradfix.types import Cause, Safety

FLAG = "watch_accessed_variables"


class WatchVariable(Codemod):
    NAME = "watch-variable"
    DESCRIPTION = ("Watch variables a tape skips: tape.watch(v) for trainable=False sources (or "
                   "trainable=True where a layer creates them), and no watch_accessed_variables=False")
    CAUSES = (Cause.UNWATCHED_VARIABLE,)
    SAFETY = Safety.SAFE  # watching records operations; it changes no value
    EXAMPLES = (
        Example(
            title="a variable created with trainable=False, differentiated explicitly",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable([[1.0], [2.0]], trainable=False)
                b = tf.Variable(0.0)
                x = tf.constant([[1.0, 2.0]])
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(x @ w + b)
                grads = tape.gradient(loss, [w, b])
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable([[1.0], [2.0]], trainable=False)
                b = tf.Variable(0.0)
                x = tf.constant([[1.0, 2.0]])
                with tf.GradientTape() as tape:
                    tape.watch(w)
                    loss = tf.reduce_sum(x @ w + b)
                grads = tape.gradient(loss, [w, b])
                """
            ),
        ),
        Example(
            title="a tape that watches nothing: the flag goes, other arguments stay",
            before=textwrap.dedent(
                """\
                from tensorflow import GradientTape, keras
                model = keras.Sequential([keras.layers.Dense(1)])
                def step(x, y):
                    with GradientTape(persistent=True, watch_accessed_variables=False) as tape:
                        loss = keras.ops.mean((model(x) - y) ** 2)
                    return tape.gradient(loss, model.trainable_variables)
                """
            ),
            after=textwrap.dedent(
                """\
                from tensorflow import GradientTape, keras
                model = keras.Sequential([keras.layers.Dense(1)])
                def step(x, y):
                    with GradientTape(persistent=True) as tape:
                        loss = keras.ops.mean((model(x) - y) ** 2)
                    return tape.gradient(loss, model.trainable_variables)
                """
            ),
        ),
        Example(
            title="a tape that watches its input by hand also records the variables asked for",
            before=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(2.0)
                x = tf.constant(3.0)
                with tf.GradientTape(watch_accessed_variables=False, persistent=True,) as tape:
                    tape.watch(x)
                    y = w * x * x
                dw, dx = tape.gradient(y, [w, x])
                """
            ),
            after=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(2.0)
                x = tf.constant(3.0)
                with tf.GradientTape(persistent=True,) as tape:
                    tape.watch(x)
                    y = w * x * x
                dw, dx = tape.gradient(y, [w, x])
                """
            ),
        ),
        Unchanged(
            title="trainable variables and watched ones are left alone",
            code=textwrap.dedent(
                """\
                import tensorflow as tf
                w = tf.Variable(1.0)
                s = tf.Variable(2.0, trainable=False)
                with tf.GradientTape() as tape:
                    tape.watch(s)
                    loss = w * s
                grads = tape.gradient(loss, [w, s])
                """
            ),
        ),
    )

    def rewrite(self, source: str, focus: Optional[Focus] = None) -> Rewrite:
        flow = analyse(source)
        if flow is None:
            return declined(source, "could not analyse the module")
        inserts: dict[Spot, list[cst.SimpleStatementLine]] = {}
        unflag: set[int] = set()
        flips: set[int] = set()
        notes: list[str] = []
        try:
            for call in flow.focused(focus):
                flag = _flag_call(call)
                if flag is not None:
                    unflag.add(id(flag))
                else:
                    _watch_non_trainable(flow, call, focus, inserts, flips, notes)
        except Exception as error:  # noqa: BLE001 - unknown shapes of code: decline
            return declined(source, f"could not analyse: {error}")
        if not inserts and not unflag and not flips:
            return declined(source, *notes)
        try:
            module = flow.module.visit(_Transformer(inserts, unflag, flips))
        except Exception as error:  # noqa: BLE001 - decline on shapes we did not foresee
            return declined(source, f"could not rewrite the tape: {error}")
        return finished(source, module.code, tuple(notes))


def _flag_call(call: GradientCall) -> Optional[cst.Call]:
    """The ``GradientTape(...)`` call of this tape when it says ``watch_accessed_variables=False``."""
    ctor = call.tape.ctor
    return ctor if ctor is not None and any(_is_false(a, FLAG) for a in ctor.args) else None


def _is_false(arg: cst.Arg, keyword: str) -> bool:
    return (arg.keyword is not None and arg.keyword.value == keyword
            and isinstance(arg.value, cst.Name) and arg.value.value == "False")  # fmt: skip


def _watch_non_trainable(flow: Flow, call: GradientCall, focus: Optional[Focus], inserts: dict,
                         flips: set[int], notes: list[str]) -> None:
    """Watch each ``trainable=False`` source bound before the gradient call; one that a class makes
    (``self.t = self.add_weight(..., trainable=False)``, often in ``build``, so it does not exist
    before the tape's first step) is made trainable where it is created instead."""
    wanted = focus.variables if focus is not None else frozenset()
    paths = source_paths(flow, call)
    # the run names a source the code reaches through a call (``params = model.parameters()``):
    # ``model.temperature`` is then found where its class creates it
    for name in sorted(wanted - set(paths)):
        if "." in name and "/" not in name and not name.startswith("<"):
            flips |= {id(a) for v in _class_creations(flow, name) for a in v.args if _is_false(a, "trainable")}
    for path in paths:
        if (wanted and path not in wanted) or already_watched(call, path):
            continue
        found = binding(flow, call, path)
        if found is None or found.value is None:
            flips |= {id(a) for v in _class_creations(flow, path) for a in v.args if _is_false(a, "trainable")}
            continue
        if not _non_trainable(flow, found.value):
            continue
        stmt = found.stmt
        if stmt is not None and stmt.region == "after":
            notes.append(f"line {call.line}: {path} is bound after the tape ends; not watched")
            continue
        index = stmt.index + 1 if stmt is not None and stmt.region == "tape" else 0
        spot = (id(call.tape.node.body), index)
        if not any(_same(s, call.tape.name, path) for s in inserts.get(spot, [])):
            inserts.setdefault(spot, []).append(watch_statement(call.tape.name, path))


def _same(stmt: cst.SimpleStatementLine, tape: str, path: str) -> bool:
    return cst.Module(body=[stmt]).code.strip() == f"{tape}.watch({path})"


def _non_trainable(flow: Flow, value: cst.BaseExpression) -> bool:
    """Whether ``value`` is ``tf.Variable(..., trainable=False)`` or ``add_weight(..., trainable=False)``."""
    return (isinstance(value, cst.Call) and is_variable_value(flow, value)
            and any(_is_false(a, "trainable") for a in value.args))  # fmt: skip


def _class_creations(flow: Flow, path: str) -> list[cst.Call]:
    """For ``obj.attr``: the non-trainable creations a class of the module binds to ``self.attr``."""
    if "." not in path:
        return []
    attr = "self." + path.rpartition(".")[2]
    values = [a.value for a in assignments(flow.module, attr) if isinstance(a, cst.Assign)]
    return [v for v in values if isinstance(v, cst.Call) and _non_trainable(flow, v)]


class _Transformer(Inserter):
    """Insert the watches, drop ``watch_accessed_variables=False`` from the tapes in ``unflag`` and
    turn the ``trainable=False`` arguments in ``flips`` into ``trainable=True``."""

    def __init__(self, inserts: dict[Spot, list[cst.SimpleStatementLine]], unflag: set[int],
                 flips: set[int]) -> None:
        super().__init__(inserts)
        self.unflag, self.flips = unflag, flips

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        if id(original) in self.flips:
            return updated.with_changes(value=cst.Name("True"))
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if id(original) not in self.unflag:
            return updated
        args = list(updated.args)
        index = next(i for i, a in enumerate(args) if _is_false(a, FLAG))
        removed = args.pop(index)
        if index == len(args) and args:  # it was the last: the new last takes its comma (or none)
            args[-1] = args[-1].with_changes(comma=removed.comma)
        return updated.with_changes(args=args)
