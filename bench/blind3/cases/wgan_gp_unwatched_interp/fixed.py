"""WGAN-GP on a 2-D ring of Gaussians, written as a keras.Model with a custom train_step."""
import numpy as np
import tensorflow as tf
import keras
from keras import layers

keras.utils.set_random_seed(17)
LATENT = 4


def make_critic():
    return keras.Sequential([keras.Input((2,)), layers.Dense(64), layers.LeakyReLU(0.2),
                             layers.Dense(64), layers.LeakyReLU(0.2), layers.Dense(1)], name="critic")


def make_generator():
    return keras.Sequential([keras.Input((LATENT,)), layers.Dense(64, activation="relu"),
                             layers.Dense(64, activation="relu"), layers.Dense(2)], name="generator")


class WGAN(keras.Model):
    def __init__(self, critic, generator, d_steps=2, gp_weight=10.0):
        super().__init__()
        self.critic, self.generator = critic, generator
        self.d_steps, self.gp_weight = d_steps, gp_weight

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    def gradient_penalty(self, batch_size, real, fake):
        alpha = tf.random.uniform([batch_size, 1], 0.0, 1.0)
        interpolated = real + alpha * (fake - real)
        with tf.GradientTape() as gp_tape:
            gp_tape.watch(interpolated)
            pred = self.critic(interpolated, training=True)
        grads = gp_tape.gradient(pred, [interpolated])[0]
        norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=1) + 1e-12)
        return tf.reduce_mean((norm - 1.0) ** 2)

    def train_step(self, real):
        batch_size = tf.shape(real)[0]
        for _ in range(self.d_steps):
            z = tf.random.normal((batch_size, LATENT))
            with tf.GradientTape() as tape:
                fake = self.generator(z, training=True)
                d_cost = tf.reduce_mean(self.critic(fake, training=True)) - tf.reduce_mean(self.critic(real, training=True))
                d_loss = d_cost + self.gp_weight * self.gradient_penalty(batch_size, real, fake)
            d_grads = tape.gradient(d_loss, self.critic.trainable_variables)
            self.d_optimizer.apply_gradients(zip(d_grads, self.critic.trainable_variables))
        z = tf.random.normal((batch_size, LATENT))
        with tf.GradientTape() as tape:
            g_loss = -tf.reduce_mean(self.critic(self.generator(z, training=True), training=True))
        g_grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(g_grads, self.generator.trainable_variables))
        return {"d_loss": d_loss, "g_loss": g_loss}


angles = np.random.randint(0, 8, size=512) * (2 * np.pi / 8)
ring = np.stack([np.cos(angles), np.sin(angles)], 1) * 2 + 0.05 * np.random.randn(512, 2)
wgan = WGAN(make_critic(), make_generator())
wgan.compile(keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9), keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9))
hist = wgan.fit(ring.astype("float32"), batch_size=128, epochs=2, verbose=0)
print({k: [float(v) for v in vals] for k, vals in hist.history.items()})
