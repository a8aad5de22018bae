"""The independent oracle (tests/oracle.py) in graph mode: the first loss and the step count come from
a side op that runs when the traced gradient call executes; the program is stopped after three
executions, not three traces.  Real TensorFlow, one zygote for the module."""
from __future__ import annotations

import math
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from oracle import MAX_CALLS_PER_SITE, Zygote, run_oracle  # noqa: E402

LOOP = textwrap.dedent(
    """\
    import sys
    import tensorflow as tf

    mode, steps = sys.argv[1], int(sys.argv[2])
    w = tf.Variable([[0.5], [-0.3]])
    b = tf.Variable([0.1])
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    y = tf.constant([[1.0], [0.0]])
    opt = tf.keras.optimizers.SGD(0.01)
    executed = []


    @tf.function
    def step():
        with tf.GradientTape() as tape:
            if mode == "none":
                pred = tf.matmul(x, tf.stop_gradient(w)) + b
            else:
                pred = tf.matmul(x, w) + b
            loss = tf.reduce_mean((pred - y) ** 2)
            if mode == "nan":
                loss = loss + tf.reduce_sum(tf.sqrt(w - 10.0))
        grads = tape.gradient(loss, [w, b])
        opt.apply_gradients([(g, v) for g, v in zip(grads, [w, b]) if g is not None])
        return loss


    for i in range(steps):
        step()
        executed.append(i)
    with open("steps.txt", "w") as f:
        f.write(str(len(executed)))
    """
)

FIT = textwrap.dedent(
    """\
    import numpy as np
    import keras

    x = np.random.rand(64, 3).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=8, epochs=50, verbose=0)
    """
)


@pytest.fixture(scope="module")
def zygote():
    z = Zygote()
    yield z
    z.close()


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    path = tmp_path_factory.mktemp("oracle_loop") / "train.py"
    path.write_text(LOOP)
    return path


def test_graph_first_loss_equals_eager_and_three_executions(zygote, loop):
    graph = zygote.run(loop, ["ok", "5"])
    eager = zygote.run(loop, ["ok", "5"], eager=True)
    assert graph["exception"] is None and eager["exception"] is None, (graph, eager)
    # traced once, executed three times: the side op ran, and the stop counted executions
    assert len(graph["calls"]) == 1 and graph["calls"][0]["graph"] is True
    assert graph["calls"][0]["executions"] == MAX_CALLS_PER_SITE
    assert list(graph["sites"].values()) == [MAX_CALLS_PER_SITE] and graph["stopped"] is True
    assert list(eager["sites"].values()) == [MAX_CALLS_PER_SITE] and eager["stopped"] is True
    assert len(eager["calls"]) == MAX_CALLS_PER_SITE and not eager["calls"][0]["graph"]
    assert graph["first_loss"] is not None and eager["first_loss"] is not None
    assert math.isclose(graph["first_loss"], eager["first_loss"], rel_tol=1e-5)
    assert math.isclose(graph["calls"][0]["loss"], eager["calls"][0]["loss"], rel_tol=1e-5)
    # the value is the real first loss: mean(((x @ w + b) - y) ** 2) = ((0.0-1)^2 + (0.4-0)^2)/2
    assert math.isclose(graph["first_loss"], 0.58, rel_tol=1e-5)
    assert graph["none_count"] == 0 and graph["nonfinite_count"] == 0


def test_short_program_runs_to_its_end(zygote, loop):
    r = zygote.run(loop, ["ok", "2"])
    assert r["exception"] is None and r["stopped"] is False
    assert list(r["sites"].values()) == [2] and r["calls"][0]["executions"] == 2


def test_graph_none_gradient_reported(zygote, loop):
    r = zygote.run(loop, ["none", "5"])
    assert r["exception"] is None
    assert r["none_count"] == 1 and r["calls"][0]["none"] == 1 and r["calls"][0]["sources"] == 2
    assert list(r["sites"].values()) == [MAX_CALLS_PER_SITE] and r["stopped"]


def test_graph_nan_gradient_reported(zygote, loop):
    r = zygote.run(loop, ["nan", "5"])
    assert r["exception"] is None  # recorded, not raised: the program runs as it would
    # step 1: w's gradient is NaN (b's is finite); the update makes w NaN, so from step 2 both are
    eager = zygote.run(loop, ["nan", "5"], eager=True)
    assert [c["nonfinite"] for c in eager["calls"]] == [1, 2, 2]
    assert r["calls"][0]["nonfinite"] == 2 and r["nonfinite_count"] == 2  # the most of any execution
    assert math.isnan(r["first_loss"])


def test_keras_fit_stops_after_three_steps(zygote, tmp_path):
    path = tmp_path / "train.py"
    path.write_text(FIT)
    r = zygote.run(path)
    assert r["exception"] is None and r["stopped"] is True
    assert r["sites"] == {"train.py:9": MAX_CALLS_PER_SITE}
    assert r["calls"][0]["graph"] and r["first_loss"] is not None and r["first_loss"] > 0
    eager = zygote.run(path, eager=True)
    assert math.isclose(r["first_loss"], eager["first_loss"], rel_tol=1e-5)


def test_run_oracle_subprocess_reports_the_same_keys(loop):
    r = run_oracle(loop, ["none", "5"])
    for key in ("calls", "none_count", "nonfinite_count", "stopped", "exception", "first_loss", "sites"):
        assert key in r
    assert r["none_count"] == 1 and r["stopped"] and math.isclose(r["first_loss"], 0.58, rel_tol=1e-5)
