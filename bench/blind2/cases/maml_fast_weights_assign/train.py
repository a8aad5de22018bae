import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(26)
np.random.seed(26)


def init_params():
    return [tf.Variable(tf.random.normal((1, 32), stddev=0.5)), tf.Variable(tf.zeros(32)),
            tf.Variable(tf.random.normal((32, 1), stddev=0.5)), tf.Variable(tf.zeros(1))]


def forward(params, x):
    w1, b1, w2, b2 = params
    return tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2


def sample_task(rng):
    amp, phase = rng.uniform(0.5, 2.0), rng.uniform(0, np.pi)
    xs = rng.uniform(-3, 3, size=(10, 1)).astype("float32")
    xq = rng.uniform(-3, 3, size=(10, 1)).astype("float32")
    return xs, amp * np.sin(xs + phase), xq, amp * np.sin(xq + phase)


meta_params = init_params()
fast_params = init_params()  # reused buffers for the adapted weights
meta_opt = tf.keras.optimizers.Adam(1e-3)
inner_lr = 0.01
rng = np.random.default_rng(26)

for it in range(4):
    xs, ys, xq, yq = sample_task(rng)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            support_loss = tf.reduce_mean((forward(meta_params, xs) - ys) ** 2)
        grads = inner.gradient(support_loss, meta_params)
        for f, p, g in zip(fast_params, meta_params, grads):
            f.assign(p - inner_lr * g)
        query_loss = tf.reduce_mean((forward(fast_params, xq) - yq) ** 2)
    meta_grads = outer.gradient(query_loss, meta_params)
    meta_opt.apply_gradients(zip(meta_grads, meta_params))
    print("iter", it, float(support_loss), float(query_loss))
