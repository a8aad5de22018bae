"""Convolutional VAE on synthetic stripe images with a ``train_step`` override.

A ``VAE`` keras.Model holds the encoder and decoder; its ``train_step`` computes the
Bernoulli reconstruction loss and the KL term under one tape, tracks both with metrics
and is driven by ``model.fit``.
"""
import numpy as np
import tensorflow as tf
from tensorflow import keras

IMG = 8
LATENT = 3


def stripe_images(n, seed=0):
    """Binary-ish images with a random horizontal or vertical stripe."""
    rng = np.random.default_rng(seed)
    imgs = np.zeros((n, IMG, IMG, 1), dtype=np.float32)
    for i in range(n):
        pos = rng.integers(1, IMG - 1)
        if rng.random() < 0.5:
            imgs[i, pos - 1:pos + 1, :, 0] = 1.0
        else:
            imgs[i, :, pos - 1:pos + 1, 0] = 1.0
    imgs += rng.uniform(0.0, 0.1, size=imgs.shape).astype(np.float32)
    return np.clip(imgs, 0.0, 1.0)


def sample_latent(mu, log_sigma2):
    """Reparameterised draw z ~ N(mu, sigma^2)."""
    noise = tf.random.normal(tf.shape(mu))
    return mu + tf.exp(0.5 * log_sigma2) * noise


def build_encoder(latent_dim):
    image = keras.layers.Input((IMG, IMG, 1))
    h = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(image)
    h = keras.layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(h)
    h = keras.layers.Flatten()(h)
    mu = keras.layers.Dense(latent_dim, name="mu")(h)
    log_sigma2 = keras.layers.Dense(latent_dim, name="log_sigma2")(h)
    return keras.Model(image, [mu, log_sigma2], name="encoder")


def build_decoder(latent_dim):
    z = keras.layers.Input((latent_dim,))
    h = keras.layers.Dense(2 * 2 * 16, activation="relu")(z)
    h = keras.layers.Reshape((2, 2, 16))(h)
    h = keras.layers.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu")(h)
    logits = keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same")(h)
    return keras.Model(z, logits, name="decoder")


class VAE(keras.Model):
    def __init__(self, latent_dim, **kwargs):
        super().__init__(**kwargs)
        self.encoder = build_encoder(latent_dim)
        self.decoder = build_decoder(latent_dim)
        self.total_tracker = keras.metrics.Mean(name="loss")
        self.recon_tracker = keras.metrics.Mean(name="recon")
        self.kl_tracker = keras.metrics.Mean(name="kl")

    @property
    def metrics(self):
        return [self.total_tracker, self.recon_tracker, self.kl_tracker]

    def call(self, x):
        mu, _ = self.encoder(x)
        return tf.sigmoid(self.decoder(mu))

    def compute_losses(self, x):
        mu, log_sigma2 = self.encoder(x)
        z = sample_latent(mu, log_sigma2)
        probs = tf.sigmoid(self.decoder(z))
        recon = IMG * IMG * tf.reduce_mean(keras.losses.binary_crossentropy(x, probs))
        kl = tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(mu) + tf.exp(log_sigma2) - 1.0 - log_sigma2, axis=1))
        return recon, kl

    def train_step(self, data):
        with tf.GradientTape() as tape:
            recon, kl = self.compute_losses(data)
            total = recon + kl
        grads = tape.gradient(total, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.total_tracker.update_state(total)
        self.recon_tracker.update_state(recon)
        self.kl_tracker.update_state(kl)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        recon, kl = self.compute_losses(data)
        self.total_tracker.update_state(recon + kl)
        self.recon_tracker.update_state(recon)
        self.kl_tracker.update_state(kl)
        return {m.name: m.result() for m in self.metrics}


if __name__ == "__main__":
    keras.utils.set_random_seed(11)
    images = stripe_images(96)
    train_ds = tf.data.Dataset.from_tensor_slices(images[:64]).batch(16).repeat()
    vae = VAE(LATENT)
    vae.compile(optimizer=keras.optimizers.Adam(learning_rate=2e-3))
    vae.fit(train_ds, epochs=2, steps_per_epoch=3, verbose=2)
    scores = vae.evaluate(images[64:], batch_size=32, verbose=0, return_dict=True)
    print("held-out:", {k: round(float(v), 3) for k, v in scores.items()})
    print("reconstruction range:", float(tf.reduce_min(vae(images[:4]))), float(tf.reduce_max(vae(images[:4]))))
