"""'GAN in 50 lines' ported to TF2: D sees the first four moments of a sample."""
import numpy as np
import tensorflow as tf
import keras

from models import make_generator, make_discriminator

DATA_DIM = 16
rng = np.random.default_rng(0)
G = make_generator(4, DATA_DIM)
D = make_discriminator(4)
g_opt = keras.optimizers.Adam(1e-3)
d_opt = keras.optimizers.Adam(1e-3)
bce = keras.losses.BinaryCrossentropy()


def get_moments(d):
    """mean, std, skew, kurtosis of a 1-D sample -> shape (1, 4)."""
    mean = np.mean(d)
    diffs = d - mean
    var = np.mean(diffs ** 2.0)
    std = np.sqrt(var)
    z = diffs / std
    skew = np.mean(z ** 3.0)
    kurt = np.mean(z ** 4.0) - 3.0
    return np.array([mean, std, skew, kurt], dtype="float32").reshape((1, 4))


def real_sample():
    return rng.normal(4.0, 1.25, size=(DATA_DIM,)).astype("float32")


for step in range(3):
    # --- discriminator
    gen_input = rng.uniform(size=(1, 4)).astype("float32")
    with tf.GradientTape() as tape:
        d_real = D(get_moments(real_sample()))
        fake = G(gen_input)
        d_fake = D(get_moments(fake.numpy()))
        d_loss = bce(tf.ones_like(d_real), d_real) + bce(tf.zeros_like(d_fake), d_fake)
    d_grads = tape.gradient(d_loss, D.trainable_variables)
    d_opt.apply_gradients(zip(d_grads, D.trainable_variables))

    # --- generator
    gen_input = rng.uniform(size=(1, 4)).astype("float32")
    with tf.GradientTape() as tape:
        g_fake_data = G(gen_input)
        dg_fake_decision = D(get_moments(g_fake_data.numpy()))
        g_loss = bce(tf.ones_like(dg_fake_decision), dg_fake_decision)
    g_grads = tape.gradient(g_loss, G.trainable_variables)
    g_opt.apply_gradients(zip(g_grads, G.trainable_variables))
    print("step", step, "d_loss", float(d_loss), "g_loss", float(g_loss))
