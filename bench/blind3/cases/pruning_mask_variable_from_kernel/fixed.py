"""Magnitude pruning: after a dense warm-up, the smallest 50% of the hidden kernel is
masked out and training continues with the masked kernel (custom loop, manual layer math)."""
import numpy as np
import tensorflow as tf
import keras

keras.utils.set_random_seed(41)
X = np.random.normal(size=(256, 8)).astype("float32")
y = (np.tanh(X @ np.random.normal(size=(8, 1))) > 0).astype("float32")
ds = tf.data.Dataset.from_tensor_slices((X, y)).batch(64)

hidden = keras.layers.Dense(32, activation="relu")
head = keras.layers.Dense(1)
hidden.build((None, 8)); head.build((None, 32))
params = hidden.trainable_variables + head.trainable_variables
optimizer = keras.optimizers.SGD(0.05)
bce = keras.losses.BinaryCrossentropy(from_logits=True)


def forward(x, kernel):
    return head(tf.nn.relu(tf.matmul(x, kernel) + hidden.bias))


mask = None
for epoch in range(3):
    if epoch == 1:  # prune after warm-up
        thr = np.percentile(np.abs(hidden.kernel.numpy()), 50)
        mask = tf.cast(tf.abs(hidden.kernel) > thr, tf.float32)
    for xb, yb in ds:
        with tf.GradientTape() as tape:
            if mask is None:
                kernel = hidden.kernel
            else:
                kernel = hidden.kernel * mask
            loss = bce(yb, forward(xb, kernel))
        grads = tape.gradient(loss, params)
        optimizer.apply_gradients(zip(grads, params))
    print("epoch", epoch, "loss", float(loss))
