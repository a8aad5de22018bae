"""Small dense VAE on synthetic 8x8 'images', custom training loop over tf.data."""
import numpy as np
import tensorflow as tf
from tensorflow import keras

keras.utils.set_random_seed(4)


class VAE(keras.Model):
    def __init__(self, latent=3):
        super().__init__()
        self.enc = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(32, activation="relu")])
        self.mu = keras.layers.Dense(latent)
        self.log_var = keras.layers.Dense(latent)
        self.dec = keras.Sequential([keras.layers.Dense(32, activation="relu"),
                                     keras.layers.Dense(64, activation="sigmoid"),
                                     keras.layers.Reshape((8, 8, 1))])

    def call(self, x):
        h = self.enc(x)
        mu, log_var = self.mu(h), self.log_var(h)
        z = mu + tf.exp(0.5 * log_var) * tf.random.normal(tf.shape(mu), seed=3)
        return self.dec(z), mu, log_var


def compute_reconstruction_loss(data, reconstruction):
    return tf.reduce_mean(tf.reduce_sum(keras.losses.binary_crossentropy(data, reconstruction), axis=[1, 2]))


def compute_kl_divergence_loss(mu, log_var):
    return tf.reduce_mean(-0.5 * tf.reduce_sum(1 + log_var - tf.square(mu) - tf.exp(log_var), axis=1))


def compute_total_loss(data, reconstruction, mu, log_var, alpha=1.0):
    return alpha * compute_reconstruction_loss(data, reconstruction) + compute_kl_divergence_loss(mu, log_var)


images = (np.random.rand(96, 8, 8, 1) > 0.6).astype("float32")
ds = tf.data.Dataset.from_tensor_slices(images).batch(32)
model = VAE()
optimizer = keras.optimizers.Adam(1e-3)

for epoch in range(2):
    for X in ds:
        with tf.GradientTape() as tape:
            X_recon, mu, log_var = model(X)
            loss = compute_total_loss(X, X_recon, mu, log_var)
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
    print("epoch", epoch, "loss", float(loss))
