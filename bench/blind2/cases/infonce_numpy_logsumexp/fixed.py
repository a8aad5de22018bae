import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(13)
np.random.seed(13)

# contrastive (InfoNCE) training of a small encoder on two noisy views
base = np.random.randn(64, 12).astype("float32")
view_a = base + 0.1 * np.random.randn(64, 12).astype("float32")
view_b = base + 0.1 * np.random.randn(64, 12).astype("float32")

encoder = tf.keras.Sequential([tf.keras.layers.Input((12,)), tf.keras.layers.Dense(32, activation="relu"),
                               tf.keras.layers.Dense(8)])
opt = tf.keras.optimizers.Adam(1e-3)
temperature = 0.2


def info_nce(za, zb):
    za = tf.math.l2_normalize(za, axis=1)
    zb = tf.math.l2_normalize(zb, axis=1)
    sim = tf.matmul(za, zb, transpose_b=True) / temperature
    lse = tf.math.log(tf.reduce_sum(tf.exp(sim), axis=1))
    pos = tf.linalg.diag_part(sim)
    return tf.reduce_mean(lse - pos)


for step in range(4):
    idx = slice((step % 2) * 32, (step % 2 + 1) * 32)
    with tf.GradientTape() as tape:
        loss = info_nce(encoder(view_a[idx]), encoder(view_b[idx]))
    grads = tape.gradient(loss, encoder.trainable_variables)
    opt.apply_gradients(zip(grads, encoder.trainable_variables))
    print("step", step, float(loss))
