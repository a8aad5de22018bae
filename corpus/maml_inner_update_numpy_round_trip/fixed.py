"""MAML on toy regression tasks: three inner SGD steps adapt a copy of the weights, then
the meta-gradient of the query loss updates the shared weights. The inner update goes through
.numpy(), so the adapted weights are constants and the meta-gradient is None."""
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(2)
weights = tf.Variable(rng.normal(size=(3,)).astype("float32"))
meta_optimizer = tf.keras.optimizers.Adam(1e-2)


def task():
    slope = rng.normal(size=(3,)).astype("float32")
    xs = rng.normal(size=(10, 3)).astype("float32")
    return tf.constant(xs), tf.constant(xs @ slope)


for meta_step in range(4):
    support_x, support_y = task()
    with tf.GradientTape() as outer_tape:
        fast = tf.identity(weights)
        for inner in range(3):
            with tf.GradientTape() as inner_tape:
                inner_tape.watch(fast)
                inner_loss = tf.reduce_mean((tf.linalg.matvec(support_x, fast) - support_y) ** 2)
            inner_grad = inner_tape.gradient(inner_loss, fast)
            fast = fast - 0.1 * inner_grad
        query_loss = tf.reduce_mean((tf.linalg.matvec(support_x, fast) - support_y) ** 2)
    meta_grads = outer_tape.gradient(query_loss, [weights])
    meta_optimizer.apply_gradients(zip(meta_grads, [weights]))
    print("meta step", meta_step, float(query_loss))
