"""Predict values only at observed positions and scatter them into a dense grid."""
import numpy as np
import tensorflow as tf

N = 10
rng = np.random.RandomState(4)
observed = np.array([1, 3, 4, 8], dtype=np.int64)
features = rng.rand(len(observed), 2).astype(np.float32)
dense_target = np.zeros(N, dtype=np.float32)
dense_target[observed] = features.sum(axis=1)

w = tf.Variable([[0.1], [0.1]])
grid = tf.Variable(tf.zeros([N]), trainable=False)
optimizer = tf.keras.optimizers.Adam(0.05)

for step in range(200):
    with tf.GradientTape() as tape:
        values = tf.reshape(features @ w, [-1])
        grid.scatter_nd_update(observed[:, None], values)
        loss = tf.reduce_sum(tf.square(grid - dense_target))
    grads = tape.gradient(loss, [w])
    optimizer.apply_gradients(zip(grads, [w]))
print(w.numpy().ravel())
