"""drop-stop-gradient acts only where every source is cut off: the probe's word (Focus.starved) or,
without a probe, when no statement path avoids a stop_gradient."""

from __future__ import annotations

import textwrap

from gradfix.codemods import get
from gradfix.codemods.base import Focus

HELPER = textwrap.dedent("""\
    import tensorflow as tf
    w = tf.Variable([1.0, 2.0])
    def energy(v):
        return 0.5 * tf.stop_gradient(v * v)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(energy(w))
    grad = tape.gradient(loss, w)
    """)


def test_a_helper_is_repaired_when_the_probe_saw_every_source_starved():
    out = get("drop-stop-gradient").rewrite(HELPER, Focus(lines=frozenset({7}), variables=frozenset({"w"}),
                                                          starved=frozenset({7})))
    assert out.changed and "return 0.5 * (v * v)" in out.code


def test_nothing_changes_when_some_source_still_has_a_gradient():
    out = get("drop-stop-gradient").rewrite(HELPER, Focus(lines=frozenset({7}), variables=frozenset({"w"})))
    assert not out.changed


def test_a_straight_through_estimator_is_left_alone_without_a_probe():
    code = textwrap.dedent("""\
        import tensorflow as tf
        w = tf.Variable([0.4, 1.6])
        with tf.GradientTape() as tape:
            q = w + tf.stop_gradient(tf.round(w) - w)
            loss = tf.reduce_sum(q ** 2)
        grad = tape.gradient(loss, w)
        """)
    assert not get("drop-stop-gradient").rewrite(code).changed


def test_keras_ops_alias_and_an_argument_position():
    code = textwrap.dedent("""\
        import tensorflow as tf
        from keras import ops as K
        w = tf.Variable(3.0)
        with tf.GradientTape() as tape:
            loss = tf.square(K.stop_gradient(w) - 1.0)
        grad = tape.gradient(loss, w)
        """)
    out = get("drop-stop-gradient").rewrite(code)
    assert out.changed and "loss = tf.square(w - 1.0)" in out.code


def test_model_fit_custom_loss_only_where_the_prediction_is_stopped():
    code = textwrap.dedent("""\
        import tensorflow as tf
        def loss(y_true, y_pred):
            target = tf.stop_gradient(y_true * 2.0)
            return tf.reduce_mean(tf.square(target - tf.stop_gradient(y_pred)))
        model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
        model.compile(loss=loss)
        model.fit(tf.ones([4, 2]), tf.ones([4, 1]))
        """)
    starved = Focus(lines=frozenset({7}), functions=frozenset({2}), starved=frozenset({7}))
    out = get("drop-stop-gradient").rewrite(code, starved)
    assert out.changed and "tf.reduce_mean(tf.square(target - y_pred))" in out.code
    assert "target = tf.stop_gradient(y_true * 2.0)" in out.code
    partial = Focus(lines=frozenset({7}), functions=frozenset({2}))
    assert not get("drop-stop-gradient").rewrite(code, partial).changed
