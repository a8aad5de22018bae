"""Variables a tape does not watch: the two codemods for them (what they rewrite and what they leave
alone) and the pairing of sources before and after a fix that drops some of them."""

from __future__ import annotations

import textwrap

import pytest

from gradfix.codemods import get
from gradfix.codemods.base import Focus
from gradfix.pairs import pairs
from gradfix.types import GradientCall, ProbeResult, SourceRecord


def _rewrite(name: str, code: str, focus: Focus | None = None):
    return get(name).rewrite(textwrap.dedent(code), focus)


@pytest.mark.parametrize("head, expected", [
    ("tf.GradientTape(watch_accessed_variables=False)", "tf.GradientTape()"),
    ("tf.GradientTape(watch_accessed_variables=False, persistent=True)", "tf.GradientTape(persistent=True)"),
    ("tf.GradientTape(persistent=True, watch_accessed_variables=False)", "tf.GradientTape(persistent=True)"),
    ("tf.GradientTape(persistent=True, watch_accessed_variables=False,)", "tf.GradientTape(persistent=True,)"),
])
def test_the_flag_goes_and_the_other_arguments_stay(head, expected):
    code = f"""\
        import tensorflow as tf
        w = tf.Variable(1.0)
        with {head} as tape:
            loss = w * 2.0
        g = tape.gradient(loss, w)
        """
    out = _rewrite("watch-variable", code)
    assert out.changed and f"with {expected} as tape:" in out.code


def test_watch_accessed_true_is_not_touched():
    code = """\
        import tensorflow as tf
        w = tf.Variable(1.0)
        with tf.GradientTape(watch_accessed_variables=True) as tape:
            loss = w * 2.0
        g = tape.gradient(loss, w)
        """
    assert not _rewrite("watch-variable", code).changed


def test_non_trainable_source_in_a_summed_list_is_watched_once_and_self_references_end():
    code = """\
        import tensorflow as tf
        scale = tf.Variable(1.0, trainable=False)
        w = tf.Variable(2.0)
        params = [w]
        params = params + [scale, scale]
        with tf.GradientTape() as tape:
            loss = w * scale
        g = tape.gradient(loss, params)
        """
    out = _rewrite("watch-variable", code)
    assert out.changed and out.code.count("tape.watch(scale)") == 1, out.code


def test_a_trainable_variable_or_another_focus_is_left_alone():
    code = """\
        import tensorflow as tf
        a = tf.Variable(1.0, trainable=False)
        b = tf.Variable(1.0)
        with tf.GradientTape() as tape:
            loss = a * b
        g = tape.gradient(loss, [a, b])
        """
    assert not _rewrite("watch-variable", code, Focus(lines=frozenset({6}), variables=frozenset({"b"}))).changed
    assert _rewrite("watch-variable", code, Focus(lines=frozenset({6}), variables=frozenset({"a"}))).changed


def test_a_layer_weight_made_in_build_is_made_trainable_not_watched():
    code = """\
        import tensorflow as tf
        class Scale(tf.keras.layers.Layer):
            def build(self, shape):
                self.s = self.add_weight(shape=(), initializer="ones", trainable=False)
                self.frozen = self.add_weight(shape=(), initializer="ones", trainable=False)
            def call(self, x):
                return x * self.s * self.frozen
        layer = Scale()
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(tf.ones([2])))
        g = tape.gradient(loss, [layer.s])
        """
    out = _rewrite("watch-variable", code)
    assert out.changed and "tape.watch" not in out.code
    assert 'self.s = self.add_weight(shape=(), initializer="ones", trainable=True)' in out.code
    assert 'self.frozen = self.add_weight(shape=(), initializer="ones", trainable=False)' in out.code


def test_trainable_sources_leaves_other_uses_of_weights_alone():
    code = """\
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        opt = tf.keras.optimizers.SGD()
        saved = [v.numpy() for v in model.weights]
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(tf.ones([1, 2])))
        grads = tape.gradient(loss, model.variables)
        opt.apply_gradients(zip(grads, model.variables))
        print(len(model.weights))
        """
    out = _rewrite("trainable-sources", code).code
    assert "tape.gradient(loss, model.trainable_variables)" in out
    assert "opt.apply_gradients(zip(grads, model.trainable_variables))" in out
    assert "saved = [v.numpy() for v in model.weights]" in out and "print(len(model.weights))" in out


def test_trainable_sources_declines_an_explicit_list():
    code = """\
        import tensorflow as tf
        w = tf.Variable(1.0)
        with tf.GradientTape() as tape:
            loss = w * 2.0
        g = tape.gradient(loss, [w])
        """
    assert not _rewrite("trainable-sources", code).changed


def _source(name: str, has: bool, var_name: str = "") -> SourceRecord:
    return SourceRecord(name=name, dtype="float32", shape=(), is_variable=True, trainable=True,
                        has_gradient=has, norm=1.0 if has else None, var_name=var_name or name)


def _probe(*sources: SourceRecord) -> ProbeResult:
    return ProbeResult(status="ok", gradient_calls=(GradientCall("t.py", 3, (), "tensor", 1.0, sources),))


def test_pairs_match_sources_by_variable_not_position():
    before = _probe(_source("k", True), _source("moving_mean", False), _source("dense_k", True))
    after = _probe(_source("k", True), _source("dense_k", True))
    got = [(p.before.name, p.after.name if p.after else None, p.dropped) for p in pairs(before, after)]
    assert got == [("k", "k", False), ("moving_mean", None, True), ("dense_k", "dense_k", False)]


def test_pairs_without_a_patched_run_drop_nothing():
    before = _probe(_source("w", False))
    assert [(p.after, p.dropped) for p in pairs(before, None)] == [(None, False)]


def test_pairs_match_a_tensor_at_step_two_to_the_variable_by_name():
    replaced = SourceRecord(name="self.U", dtype="float32", shape=(), is_variable=False, trainable=False,
                            has_gradient=False)
    before = _probe(replaced)
    after = _probe(_source("self.U", True, var_name="U:0"))
    [pair] = pairs(before, after)
    assert pair.after is not None and pair.after.has_gradient and not pair.dropped


def test_pairs_of_a_call_given_no_sources_show_each_source_the_fix_adds():
    before = _probe()
    after = _probe(_source("kernel", True), _source("bias", True))
    got = [(p.before.name, p.before.has_gradient, p.after.has_gradient, p.added) for p in pairs(before, after)]
    assert got == [("kernel", False, True, True), ("bias", False, True, True)]
