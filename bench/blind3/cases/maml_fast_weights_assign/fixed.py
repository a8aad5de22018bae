"""MAML on sinusoid regression with a functional MLP; adapted (fast) weights are kept
as plain tensors."""
import numpy as np
import tensorflow as tf
from tensorflow import keras

keras.utils.set_random_seed(5)
rng = np.random.default_rng(5)

def init(shape):
    return tf.Variable(tf.random.normal(shape, stddev=0.4))

meta_params = [init([1, 32]), tf.Variable(tf.zeros([32])), init([32, 1]), tf.Variable(tf.zeros([1]))]
INNER_LR = 0.02
meta_opt = keras.optimizers.Adam(1e-3)


def forward(params, x):
    w1, b1, w2, b2 = params
    h = tf.nn.tanh(tf.matmul(x, w1) + b1)
    return tf.matmul(h, w2) + b2


def sample_task():
    amp, phase = rng.uniform(0.5, 3.0), rng.uniform(0, np.pi)
    xs = rng.uniform(-5, 5, size=(20, 1)).astype("float32")
    xq = rng.uniform(-5, 5, size=(20, 1)).astype("float32")
    return (xs, (amp * np.sin(xs + phase)).astype("float32"),
            xq, (amp * np.sin(xq + phase)).astype("float32"))


def mse(a, b):
    return tf.reduce_mean(tf.square(a - b))


for meta_step in range(4):
    tasks = [sample_task() for _ in range(3)]
    with tf.GradientTape() as outer_tape:
        meta_loss = 0.0
        for xs, ys, xq, yq in tasks:
            with tf.GradientTape() as inner_tape:
                support_loss = mse(forward(meta_params, xs), ys)
            g = inner_tape.gradient(support_loss, meta_params)
            fast_params = [p - INNER_LR * gi for p, gi in zip(meta_params, g)]
            meta_loss += mse(forward(fast_params, xq), yq)
        meta_loss /= len(tasks)
    meta_grads = outer_tape.gradient(meta_loss, meta_params)
    meta_opt.apply_gradients(zip(meta_grads, meta_params))
    print("meta step", meta_step, "query loss", float(meta_loss))
