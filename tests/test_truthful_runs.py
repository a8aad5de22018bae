"""Runs that tell the truth, with real TensorFlow: the verifier rejects every way a patched program
can fail in its own mode within its first steps, and the probe sees the program as it really trains
(graph mode where it is traced, past model.fit, later phases, outer loops)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gradfix.pipeline import repair
from gradfix.sites import LineMap, expected
from gradfix.types import Failed, FilePatch, Healthy, Proposal, Repaired, RunOptions, Safety, Unrepaired
from gradfix.verify import STEPS, judge

# The original every candidate below is measured against: a tf.function step in a loop, with the
# forward pass outside the tape (w gets no gradient).
ORIGINAL = """\
import tensorflow as tf

w = tf.Variable([[0.5], [-0.25]])
opt = tf.keras.optimizers.SGD(0.1)
x = tf.constant([[1.0, 2.0], [3.0, 4.0]])


@tf.function
def step():
    y = tf.matmul(x, w)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(y ** 2)
    grads = tape.gradient(loss, [w])
    opt.apply_gradients(zip(grads, [w]))
    return loss


for epoch in range(50):
    step()
"""

FIXED = ORIGINAL.replace("""    y = tf.matmul(x, w)
    with tf.GradientTape() as tape:
""", """    with tf.GradientTape() as tape:
        y = tf.matmul(x, w)
""")


def _judge(runner, tmp_path: Path, original_text: str, candidate: str, safety: Safety = Safety.SAFE,
           timeout: float = 60, codemods: tuple[str, ...] = ("test-fix",)):
    """The verifier's verdict on ``candidate`` as a fix of ``original_text``, both run for real:
    the original for diagnosis (eager), the candidate in its own mode, as the pipeline runs them."""
    script = tmp_path / "train.py"
    script.write_text(original_text, encoding="utf-8")
    original = runner.run(script, eager=True)
    lines = LineMap.of([(script, original_text, candidate)])
    result = runner.run(script, timeout=timeout, patches={script: candidate.encode()}, eager=False,
                        expect=expected(original, lines), steps=STEPS)
    proposal = Proposal(codemods, safety, (FilePatch(script, original_text, candidate),))
    return judge(proposal, result, original, lines=lines)


def _verdict(runner, tmp_path: Path, candidate: str, safety: Safety = Safety.SAFE, timeout: float = 60,
             codemods: tuple[str, ...] = ("test-fix",)):
    return _judge(runner, tmp_path, ORIGINAL, candidate, safety, timeout, codemods)


def test_the_real_fix_is_accepted_in_graph_mode_over_three_steps(runner, tmp_path):
    verdict = _verdict(runner, tmp_path, FIXED)
    assert verdict.accepted, verdict.reason
    assert not verdict.result.eager  # verified in the program's own mode
    (site,) = verdict.result.sites
    assert site.arrivals >= STEPS and not site.missing and site.monitored
    assert verdict.proposal.safety is Safety.SAFE  # the traced loss equals the eager original's


def test_rejects_a_program_that_raises_after_its_gradient_call(runner, tmp_path):
    bad = FIXED.replace("    return loss\n", "    raise RuntimeError('after the gradient')\n")
    verdict = _verdict(runner, tmp_path, bad)
    assert not verdict.accepted and "RuntimeError" in verdict.reason


def test_rejects_a_non_finite_gradient(runner, tmp_path):
    bad = FIXED.replace("loss = tf.reduce_mean(y ** 2)", "loss = tf.reduce_mean(tf.sqrt(y - y))")
    verdict = _verdict(runner, tmp_path, bad)
    assert not verdict.accepted and "non-finite gradient for w" in verdict.reason


def test_a_fix_that_only_silences_the_error_is_a_last_resort(runner, tmp_path):
    # w now gets a gradient, but one that is zero at every step (a straight-through value that a
    # clip flattens): the error is gone and w still would not train
    bad = FIXED.replace("loss = tf.reduce_mean(y ** 2)", "loss = tf.reduce_mean(tf.clip_by_value(y, 5.0, 6.0))")
    verdict = _verdict(runner, tmp_path, bad, codemods=("straight-through",))
    assert verdict.accepted and "identically zero after the fix" in verdict.silenced  # a last resort only
    assert "w" in verdict.silenced
    # a faithful rewrite may give the loss's own zero gradient (a flat region of the user's loss):
    # accepted, with the zero gradient reported
    kept = _verdict(runner, tmp_path, bad, codemods=("hoist-into-tape",))
    assert kept.accepted and not kept.silenced, kept.reason
    assert kept.zero_gradients == ("w",)


def test_rejects_a_program_that_computes_no_gradient(runner, tmp_path):
    bad = FIXED.replace("for epoch in range(50):\n    step()\n", "print('no training today')\n")
    verdict = _verdict(runner, tmp_path, bad)
    assert not verdict.accepted and "computed no gradient" in verdict.reason


def test_rejects_a_program_that_reaches_fewer_call_sites(runner, tmp_path):
    """The original reaches two gradient calls (the training step, then an input gradient); a
    candidate that never reaches the second is not a fix."""
    two = FIXED + "\nwith tf.GradientTape() as tape2:\n    tape2.watch(x)\n    out = tf.reduce_sum(tf.matmul(x, w))\n" \
                     "print(tape2.gradient(out, x))\n"
    verdict = _judge(runner, tmp_path, two, FIXED)  # the second gradient call gone
    assert len(verdict.result.sites) == 1
    line = two.splitlines().index("print(tape2.gradient(out, x))") + 1
    assert not verdict.accepted and f"never reached the gradient call at line {line}" in verdict.reason, verdict.reason


def test_rejects_a_non_zero_exit(runner, tmp_path):
    bad = FIXED.replace("for epoch in range(50):\n    step()\n",
                        "import sys\nfor epoch in range(50):\n    step()\n    if epoch == 1:\n        sys.exit(3)\n")
    verdict = _verdict(runner, tmp_path, bad)
    assert not verdict.accepted and "exited with status 3" in verdict.reason


def test_rejects_a_timeout(runner, tmp_path):
    bad = FIXED.replace("for epoch in range(50):\n    step()\n",
                        "import time\nstep()\nwhile True:\n    time.sleep(0.05)\n")
    verdict = _verdict(runner, tmp_path, bad, timeout=4)
    assert not verdict.accepted


def test_rejects_a_failure_only_graph_mode_shows(runner, tmp_path):
    # tf.constant(<a tensor>) works eagerly and fails once the step is traced
    bad = FIXED.replace("loss = tf.reduce_mean(y ** 2)", "loss = tf.constant(tf.reduce_mean(y ** 2))")
    verdict = _verdict(runner, tmp_path, bad)
    assert not verdict.accepted and "TypeError" in verdict.reason


def test_rejects_a_failure_at_step_two(runner, tmp_path):
    bad = FIXED.replace("for epoch in range(50):\n    step()\n",
                        "for epoch in range(50):\n    step()\n    if epoch == 1:\n"
                        "        raise ValueError('Unknown variable')\n")
    verdict = _verdict(runner, tmp_path, bad)
    assert not verdict.accepted and "ValueError" in verdict.reason and "after 2 steps" in verdict.reason


PER_CALL_ORIGINAL = """\
import tensorflow as tf


class Scale(tf.Module):
    def __call__(self, x):
        self.k = tf.Variable(2.0)  # a new variable at every call
        return self.k * x


model = Scale()
x = tf.constant([1.0, 2.0])
for step in range(20):
    y = model(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(y)
    grads = tape.gradient(loss, model.trainable_variables)
"""

PER_CALL_CANDIDATE = PER_CALL_ORIGINAL.replace("""    y = model(x)
    with tf.GradientTape() as tape:
""", """    with tf.GradientTape() as tape:
        y = model(x)
""")


def test_rejects_variables_created_at_every_call(runner, tmp_path):
    verdict = _judge(runner, tmp_path, PER_CALL_ORIGINAL, PER_CALL_CANDIDATE)
    assert not verdict.accepted and "new variables at every step" in verdict.reason


def _write(tmp_path: Path, code: str) -> Path:
    path = tmp_path / "train.py"
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    return path


def test_a_program_that_only_runs_under_autograph_is_not_failed_by_the_probe(runner, tmp_path):
    """Python `if` on a tensor in a tf.function that a tf.data map calls: fine under autograph, an
    error when every function runs eagerly. gradfix must not report the program as failing."""
    script = _write(tmp_path, """
        import tensorflow as tf

        @tf.function
        def jitter(x):
            if tf.random.uniform(()) > 0.5:
                x = tf.image.flip_left_right(x)
            return x

        data = tf.data.Dataset.from_tensor_slices(tf.ones([8, 4, 4, 1])).map(jitter).batch(4)
        conv = tf.keras.layers.Conv2D(2, 3)
        opt = tf.keras.optimizers.Adam(0.01)
        for batch in data:
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(conv(batch) ** 2)
            grads = tape.gradient(loss, conv.trainable_variables)
            opt.apply_gradients(zip(grads, conv.trainable_variables))
        """)
    outcome = repair(script, runner, RunOptions())
    assert isinstance(outcome, Healthy), getattr(outcome, "error", outcome)
    assert not outcome.probe.eager


@pytest.mark.parametrize("tail", [
    # gradient code after model.fit: a saliency map whose input was never watched
    """
    model.fit(xs, ys, epochs=200, batch_size=4, verbose=0)
    image = tf.constant(xs[:1])
    with tf.GradientTape() as tape:
        score = model(image)[0, 0]
    saliency = tape.gradient(score, image)
    print(saliency)
    """,
    # a second training phase (calibration) whose forward pass runs before the tape
    """
    model.fit(xs, ys, epochs=200, batch_size=4, verbose=0)
    scale = tf.Variable(1.0)
    for epoch in range(100):
        pred = model(xs) * scale
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((pred - ys) ** 2)
        grads = tape.gradient(loss, [scale])
        print(grads)
    """,
])
def test_none_gradients_after_fit_are_found(runner, tmp_path, tail):
    head = textwrap.dedent("""
        import numpy as np
        import tensorflow as tf

        xs = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
        ys = xs.sum(axis=1, keepdims=True)
        model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4), tf.keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        """)
    script = _write(tmp_path, head + textwrap.dedent(tail))
    outcome = repair(script, runner, RunOptions(max_rounds=1))
    assert isinstance(outcome, (Unrepaired, Repaired)), getattr(outcome, "error", outcome)
    assert outcome.findings
    fit_lines = {c.line for c in outcome.probe.gradient_calls}
    assert len(fit_lines) >= 2  # the fit's train step and the call after it


def test_a_later_fold_that_trains_a_new_model_with_a_stale_list_is_found(runner, tmp_path):
    """K-fold: three good steps on fold 0, then a fresh model for fold 1 while the variable list
    is still fold 0's. The same call site, past its three steps: the probe must not stop before the
    step that reads other variables, and repair re-reads the list."""
    script = _write(tmp_path, """
        import numpy as np
        import tensorflow as tf

        x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
        y = x.sum(axis=1, keepdims=True)

        def make():
            return tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])

        model = make()
        params = model.trainable_variables
        for fold in range(2):
            if fold > 0:
                model = make()
            opt = tf.keras.optimizers.SGD(0.01)
            for step in range(3):
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean((model(x) - y) ** 2)
                grads = tape.gradient(loss, params)
                opt.apply_gradients(zip(grads, params))
        """)
    outcome = repair(script, runner, RunOptions(max_rounds=1))
    assert isinstance(outcome, Repaired), outcome
    assert {f.cause.value for f in outcome.findings} == {"loss_disconnected"}
    (patch,) = outcome.verdict.proposal.patches
    assert "late-variable-list" in outcome.verdict.proposal.codemods
    assert "tape.gradient(loss, model.trainable_variables)" in patch.after


def test_an_outer_loop_gradient_after_inner_steps_is_found(runner, tmp_path):
    """MAML-style: five inner steps with good gradients, then the meta-gradient, which is None
    (the adapted weights were computed with .numpy(), outside the outer tape's reach)."""
    script = _write(tmp_path, """
        import tensorflow as tf

        w = tf.Variable([1.0, -1.0])
        x = tf.constant([[1.0, 2.0], [0.5, 0.1]])
        meta_opt = tf.keras.optimizers.SGD(0.01)
        for outer in range(3):
            with tf.GradientTape() as outer_tape:
                fast = w
                for inner in range(5):
                    with tf.GradientTape() as inner_tape:
                        inner_tape.watch(fast)
                        inner_loss = tf.reduce_sum(tf.linalg.matvec(x, fast) ** 2)
                    g = inner_tape.gradient(inner_loss, fast)
                    fast = tf.constant((fast - 0.01 * g).numpy())
                meta_loss = tf.reduce_sum(tf.linalg.matvec(x, fast) ** 2)
            meta_grad = outer_tape.gradient(meta_loss, [w])
            print(meta_grad)
        """)
    outcome = repair(script, runner, RunOptions(max_rounds=1))
    assert not isinstance(outcome, (Healthy, Failed)), getattr(outcome, "error", outcome)
    assert any(f.variable == "w" for f in outcome.findings)


def test_a_fix_that_fails_at_step_two_is_never_written(runner, tmp_path):
    """A tf.Module that makes new variables at every call: re-reading the variable list at each
    step (late-variable-list) passes step one, and the optimizer refuses the new set at step two
    (ValueError: Unknown variable). The verifier sees step two: that is never proposed; making the
    variables once (build-once) is."""
    script = _write(tmp_path, """
        import tensorflow as tf


        class Linear(tf.Module):
            def __call__(self, x):
                self.w = tf.Variable(tf.ones([x.shape[-1], 1]))
                self.b = tf.Variable(tf.zeros([1]))
                return tf.matmul(x, self.w) + self.b


        model = Linear()
        x = tf.random.stateless_normal([16, 4], seed=(3, 4))
        y = tf.reduce_sum(x, axis=1, keepdims=True)
        model(x)
        params = model.trainable_variables
        opt = tf.keras.optimizers.SGD(0.1)
        for step in range(20):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((model(x) - y) ** 2)
            grads = tape.gradient(loss, params)
            opt.apply_gradients(zip(grads, params))
        """)
    from gradfix.codemods import REGISTRY

    without = tuple(c for c in REGISTRY if c.NAME != "build-once")
    outcome = repair(script, runner, RunOptions(unsafe_fixes=True), codemods=without)
    assert isinstance(outcome, Unrepaired) and outcome.suggestion is None, outcome
    assert outcome.tried and not any(v.accepted for v in outcome.tried)
    assert any("Unknown variable" in v.reason or "new variables" in v.reason for v in outcome.tried), \
        [v.reason for v in outcome.tried]
    # the fix that holds at every step: the variables are made once (build-once)
    fixed = repair(script, runner, RunOptions(unsafe_fixes=True))
    assert isinstance(fixed, Repaired) and fixed.verdict.proposal.codemods == ("build-once",), fixed
