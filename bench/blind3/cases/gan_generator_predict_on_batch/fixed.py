"""Vanilla GAN on 1-D Gaussian data (target N(3, 0.5)), alternating D and G updates."""
import numpy as np
import tensorflow as tf
from tensorflow import keras

keras.utils.set_random_seed(2)
latent_dim, batch_size = 5, 64

generator = keras.Sequential([keras.Input((latent_dim,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1)], name="generator")
discriminator = keras.Sequential([keras.Input((1,)), keras.layers.Dense(16, activation="relu"),
                                  keras.layers.Dense(1)], name="discriminator")
bce = keras.losses.BinaryCrossentropy(from_logits=True)
d_opt = keras.optimizers.Adam(1e-3)
g_opt = keras.optimizers.Adam(1e-3)
real = np.random.normal(3.0, 0.5, size=(512, 1)).astype("float32")

for e in range(2):
    for i in range(len(real) // batch_size):
        X_batch = real[i * batch_size:(i + 1) * batch_size]
        z = np.random.normal(size=(batch_size, latent_dim)).astype("float32")
        X_fake = generator.predict_on_batch(z)
        with tf.GradientTape() as tape:
            d_real = discriminator(X_batch, training=True)
            d_fake = discriminator(X_fake, training=True)
            d_loss = bce(tf.ones_like(d_real) * 0.9, d_real) + bce(tf.zeros_like(d_fake), d_fake)
        grads = tape.gradient(d_loss, discriminator.trainable_variables)
        d_opt.apply_gradients(zip(grads, discriminator.trainable_variables))

        z = np.random.normal(size=(batch_size, latent_dim)).astype("float32")
        with tf.GradientTape() as tape:
            fake = generator(z, training=True)
            g_loss = bce(tf.ones((batch_size, 1)), discriminator(fake, training=False))
        grads = tape.gradient(g_loss, generator.trainable_variables)
        g_opt.apply_gradients(zip(grads, generator.trainable_variables))
    print("epoch", e, "d_loss %.4f g_loss %.4f" % (float(d_loss), float(g_loss)))
