"""Every codemod's EXAMPLES are its tests; plus composition of the seed's second example."""

from __future__ import annotations

import textwrap

import pytest

from gradfix.codemods import REGISTRY, all_codemods, get
from gradfix.codemods.base import Focus
from gradfix.types import Cause, Safety

CASES = [
    pytest.param(codemod, example, id=f"{codemod.NAME}-{example.title or index}")
    for codemod in REGISTRY
    for index, example in enumerate(codemod.EXAMPLES)
]


@pytest.mark.parametrize("codemod, example", CASES)
def test_example(codemod, example):
    result = codemod.rewrite(example.before)
    assert result.code == example.after
    assert result.changed == (example.before != example.after)
    compile(result.code, "<after>", "exec")
    again = codemod.rewrite(example.after)
    assert again.code == example.after and not again.changed  # idempotent


@pytest.mark.parametrize("codemod", REGISTRY, ids=lambda c: c.NAME)
def test_self_description(codemod):
    assert codemod.NAME and codemod.DESCRIPTION and "\n" not in codemod.DESCRIPTION
    assert codemod.CAUSES and all(isinstance(c, Cause) for c in codemod.CAUSES)
    assert isinstance(codemod.SAFETY, Safety)
    assert any(e.before == e.after for e in codemod.EXAMPLES), "needs an Unchanged example"
    changed = [e for e in codemod.EXAMPLES if e.before != e.after]
    assert any(" as " in e.before.split("\n\n")[0] or "tf2" in e.before for e in changed)
    assert any("from " in e.before for e in changed), "needs a from-import example"


def test_registry_order_and_lookup():
    names = [c.NAME for c in all_codemods()]
    assert names == ["hoist-into-tape", "map-into-step", "loss-closure", "target-into-tape", "predict-to-call", "numpy-to-tf", "read-watched-copy", "one-forward-pass", "watch-tensor", "watch-variable",
                     "trainable-sources", "unfreeze-for-step", "late-variable-list", "build-once", "derived-property", "custom-gradient-variables", "metric-to-loss", "drop-stop-gradient", "rebind-to-assign",
                     "scatter-to-mask", "assign-loop-to-list", "state-to-tensor", "straight-through", "float-source", "freeze-int-state", "cast-to-float", "soft-surrogate", "use-unused-bias", "add-model-losses"]
    assert get("numpy-to-tf").NAME == "numpy-to-tf"
    with pytest.raises(KeyError):
        get("nope")


@pytest.mark.parametrize("codemod", REGISTRY, ids=lambda c: c.NAME)
@pytest.mark.parametrize("source", ["def f(:\n", "", "x = 1\n", "import tensorflow as tf\nwith tf.GradientTape() as t: pass\n"])
def test_declines_without_raising(codemod, source):
    result = codemod.rewrite(source)
    assert result.code == source and not result.changed


SEED_2 = textwrap.dedent(
    """\
    import tensorflow as tf
    import numpy as np

    w = tf.Variable(1.0)
    x = tf.constant(2.0)

    with tf.GradientTape() as tape:
        y = w * x
        loss = y**2

    loss_np = loss.numpy() # Convert
    scaled_loss = np.sqrt(loss_np) # Apply
    gradients = tape.gradient(scaled_loss, w)
    """
)
SEED_2_FIXED = textwrap.dedent(
    """\
    import tensorflow as tf
    import numpy as np

    w = tf.Variable(1.0)
    x = tf.constant(2.0)

    with tf.GradientTape() as tape:
        y = w * x
        loss = y**2

        loss_np = loss # Convert
        scaled_loss = tf.sqrt(loss_np) # Apply
    gradients = tape.gradient(scaled_loss, w)
    """
)


@pytest.mark.parametrize("order", [("hoist-into-tape", "numpy-to-tf"), ("numpy-to-tf", "hoist-into-tape")])
def test_seed_2_composes_in_either_order(order):
    code = SEED_2
    for name in order:
        result = get(name).rewrite(code)
        assert result.changed
        code = result.code
    assert code == SEED_2_FIXED


def test_focus_limits_the_gradient_calls():
    source = textwrap.dedent(
        """\
        import tensorflow as tf
        w = tf.Variable(1.0)
        a = w * 2.0
        with tf.GradientTape() as t1:
            l1 = a * a
        g1 = t1.gradient(l1, w)
        b = w * 3.0
        with tf.GradientTape() as t2:
            l2 = b * b
        g2 = t2.gradient(l2, w)
        """
    )
    hoist = get("hoist-into-tape")
    only_second = hoist.rewrite(source, Focus(lines=frozenset({10}))).code
    assert "a = w * 2.0\nwith" in only_second and "    b = w * 3.0" in only_second
    both = hoist.rewrite(source).code
    assert "    a = w * 2.0" in both and "    b = w * 3.0" in both
