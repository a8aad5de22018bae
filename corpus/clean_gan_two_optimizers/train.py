"""A minimal 1-D GAN: separate tapes and optimizers for generator and discriminator."""
import numpy as np
import tensorflow as tf
from tensorflow import keras

latent_dim = 2
generator = keras.Sequential([keras.Input(shape=(latent_dim,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1)])
discriminator = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1)])
g_opt = keras.optimizers.Adam(1e-3)
d_opt = keras.optimizers.Adam(1e-3)
bce = keras.losses.BinaryCrossentropy(from_logits=True)

real_data = np.random.normal(3.0, 0.5, size=(256, 1)).astype("float32")

for step in range(20):
    real = real_data[np.random.randint(0, 256, size=16)]
    noise = tf.random.normal((16, latent_dim))
    with tf.GradientTape() as d_tape:
        fake = generator(noise, training=True)
        real_logits = discriminator(real, training=True)
        fake_logits = discriminator(fake, training=True)
        d_loss = bce(tf.ones_like(real_logits), real_logits) + bce(tf.zeros_like(fake_logits), fake_logits)
    d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)
    d_opt.apply_gradients(zip(d_grads, discriminator.trainable_variables))

    with tf.GradientTape() as g_tape:
        fake = generator(tf.random.normal((16, latent_dim)), training=True)
        g_loss = bce(tf.ones_like(fake), discriminator(fake, training=True))
    g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
    g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))
print("d_loss", float(d_loss), "g_loss", float(g_loss))
