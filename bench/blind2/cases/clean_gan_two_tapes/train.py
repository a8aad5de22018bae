import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(104)
np.random.seed(104)

real = np.random.normal([2.0, -1.0], 0.3, size=(128, 2)).astype("float32")
G = tf.keras.Sequential([tf.keras.layers.Input((4,)), tf.keras.layers.Dense(16, activation="relu"), tf.keras.layers.Dense(2)])
D = tf.keras.Sequential([tf.keras.layers.Input((2,)), tf.keras.layers.Dense(16, activation="relu"), tf.keras.layers.Dense(1)])
g_opt, d_opt = tf.keras.optimizers.Adam(1e-3), tf.keras.optimizers.Adam(1e-3)
bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)


@tf.function
def step(batch):
    z = tf.random.normal((tf.shape(batch)[0], 4))
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
        fake = G(z, training=True)
        real_logits, fake_logits = D(batch, training=True), D(fake, training=True)
        d_loss = bce(tf.ones_like(real_logits), real_logits) + bce(tf.zeros_like(fake_logits), fake_logits)
        g_loss = bce(tf.ones_like(fake_logits), fake_logits)
    d_opt.apply_gradients(zip(d_tape.gradient(d_loss, D.trainable_variables), D.trainable_variables))
    g_opt.apply_gradients(zip(g_tape.gradient(g_loss, G.trainable_variables), G.trainable_variables))
    return g_loss, d_loss


for i in range(4):
    g, d = step(real[i * 32:(i + 1) * 32])
    print("step", i, float(g), float(d))
