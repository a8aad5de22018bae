import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(108)
np.random.seed(108)

enc = tf.keras.Sequential([tf.keras.layers.Input((10,)), tf.keras.layers.Dense(16, activation="relu"), tf.keras.layers.Dense(4)])
dec = tf.keras.Sequential([tf.keras.layers.Input((4,)), tf.keras.layers.Dense(16, activation="relu"), tf.keras.layers.Dense(10)])
codebook = tf.Variable(tf.random.uniform((8, 4), -1, 1), name="codebook")
opt = tf.keras.optimizers.Adam(1e-3)
data = np.random.randn(128, 10).astype("float32")
beta = 0.25

for step in range(4):
    x = data[step * 32:(step + 1) * 32]
    with tf.GradientTape() as tape:
        z_e = enc(x)
        d = tf.reduce_sum((z_e[:, None, :] - codebook[None]) ** 2, axis=-1)
        idx = tf.argmin(d, axis=1)                      # non-differentiable, bypassed below
        z_q = tf.gather(codebook, idx)
        z_st = z_e + tf.stop_gradient(z_q - z_e)        # straight-through estimator
        rec = tf.reduce_mean((dec(z_st) - x) ** 2)
        vq = tf.reduce_mean((tf.stop_gradient(z_e) - z_q) ** 2) + beta * tf.reduce_mean((z_e - tf.stop_gradient(z_q)) ** 2)
        loss = rec + vq
    variables = enc.trainable_variables + dec.trainable_variables + [codebook]
    grads = tape.gradient(loss, variables)
    opt.apply_gradients(zip(grads, variables))
    print("step", step, float(loss))
