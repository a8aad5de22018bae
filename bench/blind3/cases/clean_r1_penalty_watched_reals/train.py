"""Discriminator with an R1 gradient penalty on real samples (nested tapes), plus a
generator step; toy 2-D data."""
import numpy as np
import tensorflow as tf
import keras

keras.utils.set_random_seed(63)
real_data = (np.random.normal(size=(256, 2)) * 0.3 + [1.0, -1.0]).astype("float32")
G = keras.Sequential([keras.Input((3,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(2)])
D = keras.Sequential([keras.Input((2,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
g_opt, d_opt = keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3)
GAMMA = 5.0


def r1_penalty(real):
    real = tf.convert_to_tensor(real)
    with tf.GradientTape() as t:
        t.watch(real)
        out = tf.reduce_sum(D(real, training=True))
    g = t.gradient(out, real)
    return tf.reduce_mean(tf.reduce_sum(tf.square(g), axis=1))


for step in range(5):
    real = real_data[np.random.randint(0, 256, 64)]
    z = tf.random.normal((64, 3))
    with tf.GradientTape() as tape:
        fake = G(z, training=True)
        d_loss = tf.reduce_mean(tf.nn.softplus(D(fake, training=True))) + \
                 tf.reduce_mean(tf.nn.softplus(-D(real, training=True))) + 0.5 * GAMMA * r1_penalty(real)
    d_opt.apply_gradients(zip(tape.gradient(d_loss, D.trainable_variables), D.trainable_variables))
    with tf.GradientTape() as tape:
        g_loss = tf.reduce_mean(tf.nn.softplus(-D(G(z, training=True), training=True)))
    g_opt.apply_gradients(zip(tape.gradient(g_loss, G.trainable_variables), G.trainable_variables))
    print("step", step, "d %.4f g %.4f" % (float(d_loss), float(g_loss)))
