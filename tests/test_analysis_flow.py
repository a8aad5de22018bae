"""gradfix.analysis: qualified names, reads/writes, tapes, gradient calls and gradient paths."""

from __future__ import annotations

import textwrap

import libcst as cst

from gradfix.analysis.access import access, related
from gradfix.analysis.flow import analyse
from gradfix.analysis.names import ensure_tf_import, tf_alias


def _flow(code: str):
    flow = analyse(textwrap.dedent(code))
    assert flow is not None
    return flow


def test_seed_1_path_and_cause_line():
    flow = _flow(
        """\
        import tensorflow as tf
        w = tf.Variable(1.0)
        x = tf.constant(2.0)
        y = w * x
        with tf.GradientTape() as tape:
            loss = y ** 2
        gradients = tape.gradient(loss, w)
        """
    )
    (call,) = flow.calls
    assert call.line == 7 and call.tape.line == 5 and call.sources == ("w",)
    assert [(s.region, s.line) for s in call.path] == [
        ("before", 2), ("before", 3), ("before", 4), ("tape", 6)
    ]
    assert call.first_reading("w").line == 4
    assert [s.line for s in call.outside_tape()] == [4]


def test_aliases_methods_keywords_and_several_items():
    flow = _flow(
        """\
        import tensorflow as tf2
        from tensorflow import GradientTape
        class Net:
            @tf2.function
            def step(self, x):
                with GradientTape(persistent=True) as t, tf2.GradientTape() as other:
                    h, _ = self.dense(x), 0
                    h += self.w
                    loss = tf2.reduce_sum(h)
                params = [self.w, self.dense.trainable_variables]
                return t.gradient(target=loss, sources=params)
        """
    )
    (call,) = flow.calls
    assert call.tape.name == "t" and call.tape.persistent
    assert {"self.w", "self.dense"} <= set(call.sources)
    assert [s.line for s in call.path] == [7, 8, 9]
    assert call.tape.klass is not None and call.tape.function.name.value == "step"
    assert len(flow.tapes) == 2


def test_numpy_query_and_loop():
    flow = _flow(
        """\
        import numpy as onp
        import tensorflow as tf
        w = tf.Variable(1.0)
        for epoch in range(3):
            with tf.GradientTape() as tape:
                loss = w * w
            value = onp.sqrt(loss.numpy())
            grads = tape.gradient(value, [w])
        """
    )
    (call,) = flow.calls
    stmt = call.first_matching(lambda s: flow.contains_numpy(s.node))
    assert stmt.line == 7 and stmt.region == "after"


def test_data_flow_kills_and_unrelated_statements():
    flow = _flow(
        """\
        import tensorflow as tf
        w = tf.Variable(1.0)
        y = w * 3.0
        log = []
        with tf.GradientTape() as tape:
            y = w * 2.0
            loss = y * y
        g = tape.gradient(loss, w)
        """
    )
    (call,) = flow.calls
    assert [s.line for s in call.path] == [2, 6, 7]  # the first y is dead, log is unrelated


def test_access_paths():
    acc = access(cst.parse_statement("buf[i].assign(self.w * x)\n"))
    assert "buf" in acc.writes and {"self.w", "x", "i"} <= acc.reads
    acc = access(cst.parse_statement("a, self.b = f(c)\n"))
    assert acc.kills == {"a", "self.b"}
    assert related(["self"], ["self.w"]) and not related(["self.wx"], ["self.w"])


def test_tf_import_is_added_only_when_missing():
    module = cst.parse_module("import tensorflow as tf2\n")
    assert tf_alias(module) == "tf2" and ensure_tf_import(module) is module
    added = ensure_tf_import(cst.parse_module("from tensorflow import GradientTape\n"))
    assert tf_alias(added) == "tf"


def test_unparsable_source():
    assert analyse("def f(:\n") is None


def test_a_tape_made_before_its_with_statement():
    flow = _flow(
        """\
        from tensorflow import GradientTape, Variable
        w = Variable(1.0)
        tape = GradientTape(persistent=True)
        y = w * 2.0
        with tape:
            loss = y ** 2
        g = tape.gradient(loss, w)
        with tape:
            other = w * 3.0
        h = tape.gradient(other, w)
        """
    )
    first, second = flow.calls
    assert first.tape.name == "tape" and first.tape.persistent and first.tape.ctor is not None
    assert [s.line for s in first.outside_tape()] == [4]
    assert second.tape.line == 8 and not second.outside_tape()


def test_a_plain_with_of_something_else_is_not_a_tape():
    flow = _flow(
        """\
        import tensorflow as tf
        lock = open("x")
        w = tf.Variable(1.0)
        with lock:
            loss = w * 2.0
        """
    )
    assert flow.tapes == [] and flow.calls == []
