import numpy as np
import tensorflow as tf

rng = np.random.default_rng(9)
basis = rng.uniform(size=(4, 20)).astype("float32")
target = (np.array([0.2, 0.5, 0.0, 0.3], dtype="float32") @ basis).astype("float32")

w = tf.Variable(tf.fill([4], 0.25))
b = tf.Variable(0.0)
opt = tf.keras.optimizers.SGD(0.05)

for step in range(100):
    with tf.GradientTape() as tape:
        recon = tf.linalg.matvec(basis, w, transpose_a=True) + b
        loss = tf.reduce_mean(tf.square(recon - target))
    gw, gb = tape.gradient(loss, [w, b])
    w.assign_sub(0.05 * gw)
    b.assign_sub(0.05 * gb)
    w = tf.clip_by_value(w, 0.0, 1.0)
print("w", w.numpy())
