"""The probe, for real: TensorFlow runs in a zygote child; nothing is mocked."""

from __future__ import annotations

from pathlib import Path

from gradfix.runner import Runner

SEED1 = """
import tensorflow as tf
w = tf.Variable(1.0)
x = tf.constant(2.0)
y = w * x
with tf.GradientTape() as tape:
    loss = y ** 2
gradients = tape.gradient(loss, w)
print(gradients)
"""

LONG_LOOP = """
import sys
import tensorflow as tf
w = tf.Variable([1.0, 2.0])
b = tf.Variable(0.5)
opt = tf.keras.optimizers.SGD(0.1)
with open("epochs.log", "w") as log:
    for epoch in range(1000):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * w) * float(sys.argv[2])
        grads = tape.gradient(loss, [w, b])
        opt.apply_gradients(zip(grads, [w, b]))
        log.write(f"{epoch}\\n")
"""


def test_records_none_gradient_with_name_line_and_loss(runner, write_script):
    path = write_script(SEED1)
    result = runner.run(path)
    assert result.status == "ok" and result.error is None
    (call,) = result.gradient_calls
    assert (Path(call.path), call.line) == (path, 8)
    assert call.loss == 4.0 and call.target_type == "tensor"
    (src,) = call.sources
    assert (src.name, src.dtype, src.is_variable, src.has_gradient) == ("w", "float32", True, False)


def test_stops_once_no_new_site_appears_and_passes_arguments(runner, write_script):
    path = write_script(LONG_LOOP)
    result = runner.run(path, args=("--scale", "3.0"))
    call, second = result.gradient_calls  # step one and step two, described in full
    assert (call.step, second.step, second.line) == (1, 2, call.line)
    assert call.loss == 15.0  # (1 + 4) * 3: the argument reached sys.argv
    assert [s.name for s in call.sources] == ["w", "b"]
    assert [s.has_gradient for s in call.sources] == [True, False]
    # Keras only warns when some gradients are None: the steps complete; the probe stops the
    # 1000-epoch loop once no new gradient call site has appeared for the quiet time
    assert result.error is None and result.optimizer_applied and result.stopped == "quiet"
    (site,) = result.sites
    assert 3 <= site.arrivals < 1000 and site.missing == ("b",) and not site.fresh_variables
    assert second.loss < call.loss  # SGD moved w
    assert not (path.parent / "epochs.log").exists()
    assert not (path.parent / "epochs.log").exists()  # ran in a sandbox copy


def test_numpy_target_is_recorded_as_missing(runner, write_script):
    path = write_script("""
        import numpy as np
        import tensorflow as tf
        w = tf.Variable(1.0)
        with tf.GradientTape() as tape:
            loss = (w * 2.0) ** 2
        g = tape.gradient(np.sqrt(loss.numpy()), w)
    """)
    result = runner.run(path)
    (call,) = result.gradient_calls
    assert call.target_type == "numpy" and call.loss == 2.0
    assert "_id" in call.error and not call.sources[0].has_gradient


def test_healthy_step_reports_gradient_norm(runner, write_script):
    path = write_script("""
        import tensorflow as tf
        w = tf.Variable([3.0, 4.0])
        with tf.GradientTape() as tape:
            loss = 0.5 * tf.reduce_sum(w * w)
        print(tape.gradient(loss, w))
    """)
    (call,) = runner.run(path).gradient_calls
    assert call.sources[0].has_gradient and abs(call.sources[0].norm - 5.0) < 1e-6


def test_timeout_kills_the_run(runner, write_script):
    path = write_script("import time\nimport tensorflow as tf\ntime.sleep(60)\n")
    result = runner.run(path, timeout=1.0)
    assert result.status == "timeout" and result.seconds < 20


def test_crash_is_a_value(runner, write_script):
    path = write_script("import os\nos.kill(os.getpid(), 11)\n")
    result = runner.run(path)
    assert result.status == "crashed"
    again = runner.run(write_script(SEED1, "again.py"))  # the zygote survives
    assert again.gradient_calls


def test_credentials_are_scrubbed(runner, write_script, monkeypatch):
    monkeypatch.setenv("GRADFIX_TEST_TOKEN", "s3cret")
    with Runner(isolation="spawn") as fresh:
        path = write_script("""
            import os
            import tensorflow as tf
            w = tf.Variable(1.0)
            with tf.GradientTape() as tape:
                loss = w * (2.0 if "GRADFIX_TEST_TOKEN" in os.environ else 1.0)
            tape.gradient(loss, w)
        """)
        (call,) = fresh.run(path).gradient_calls
    assert call.loss == 1.0


def test_fork_and_spawn_agree(runner, write_script):
    path = write_script(LONG_LOOP)
    with Runner(isolation="spawn") as spawn:
        a = spawn.run(path, args=("--scale", "2"))
    b = runner.run(path, args=("--scale", "2"))
    assert a.gradient_calls == b.gradient_calls


def test_records_watched_sources_and_functions_run_on_the_tape(runner, write_script):
    path = write_script("""
        import numpy as np
        import tensorflow as tf

        def prepare(x):
            return x * 2.0

        def forward(w, x):
            return w * x

        w = tf.Variable(1.0)
        unused = tf.Variable(3.0)
        x = prepare(tf.constant(2.0))
        with tf.GradientTape() as tape:
            loss = forward(w, x) ** 2
        print(tape.gradient(loss, [w, unused]))
    """)
    result = runner.run(path)
    (call,) = result.gradient_calls
    assert [(s.name, s.watched, s.has_gradient) for s in call.sources] == [
        ("w", True, True), ("unused", False, False)]
    assert [(f.function, f.line) for f in result.functions] == [("forward", 8)]


def test_user_modules_are_not_shadowed_by_gradfix(runner, write_script):
    write_script("VALUE = 7.0\n", "env.py")
    write_script("VALUE = 2.0\n", "client.py")
    path = write_script("""
        import client
        import env
        import tensorflow as tf
        w = tf.Variable(1.0)
        with tf.GradientTape() as tape:
            loss = w * env.VALUE * client.VALUE
        tape.gradient(loss, w)
    """)
    (call,) = runner.run(path).gradient_calls
    assert call.loss == 14.0
