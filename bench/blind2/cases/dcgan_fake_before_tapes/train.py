import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

from models import Generator, Discriminator

tf.keras.utils.set_random_seed(6)
np.random.seed(6)

images = np.tanh(np.random.randn(64, 16, 16, 1)).astype("float32")
G, D = Generator(), Discriminator()
g_opt = tf.keras.optimizers.Adam(2e-4, beta_1=0.5)
d_opt = tf.keras.optimizers.Adam(2e-4, beta_1=0.5)
bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)


def train_step(real):
    noise = tf.random.normal([real.shape[0], 16])
    fake = G(noise, training=True)
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
        real_out = D(real, training=True)
        fake_out = D(fake, training=True)
        g_loss = bce(tf.ones_like(fake_out), fake_out)
        d_loss = bce(tf.ones_like(real_out), real_out) + bce(tf.zeros_like(fake_out), fake_out)
    g_grads = g_tape.gradient(g_loss, G.trainable_variables)
    d_grads = d_tape.gradient(d_loss, D.trainable_variables)
    g_opt.apply_gradients(zip(g_grads, G.trainable_variables))
    d_opt.apply_gradients(zip(d_grads, D.trainable_variables))
    return g_loss, d_loss


G(tf.zeros((1, 16)))
for step in range(4):
    g, d = train_step(images[step * 16:(step + 1) * 16])
    print("step", step, "G", float(g), "D", float(d))
