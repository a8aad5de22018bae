"""Variational auto-encoder on synthetic 2-D manifold data, trained eagerly.

The data are 20-dimensional points lying near a curved 2-D surface.  The encoder outputs a
mean and a log-variance, a ``Sampling`` layer applies the reparameterisation trick and the
loss is the Gaussian reconstruction error plus the KL divergence to the unit prior.
"""
import numpy as np
import tensorflow as tf
import keras
from keras import layers

INPUT_DIM = 20
LATENT_DIM = 2
BETA = 0.5
LEARNING_RATE = 3e-3
STEPS = 5


def surface_points(n, seed=0):
    rng = np.random.default_rng(seed)
    uv = rng.uniform(-1.0, 1.0, size=(n, 2))
    basis = rng.normal(size=(6, INPUT_DIM)) / np.sqrt(6)
    feats = np.stack(
        [uv[:, 0], uv[:, 1], uv[:, 0] * uv[:, 1], np.sin(np.pi * uv[:, 0]), uv[:, 1] ** 2, np.ones(n)],
        axis=1,
    )
    x = feats @ basis + 0.05 * rng.normal(size=(n, INPUT_DIM))
    x = (x - x.mean(0)) / x.std(0)
    return x.astype(np.float32)


class Sampling(layers.Layer):
    """z = mean + exp(log_var / 2) * eps."""

    def call(self, inputs):
        z_mean, z_log_var = inputs
        eps = keras.random.normal(tf.shape(z_mean), seed=self.seed_generator)
        return z_mean + tf.exp(0.5 * z_log_var) * eps

    def build(self, input_shape):
        self.seed_generator = keras.random.SeedGenerator(3)


def make_encoder():
    x_in = keras.Input(shape=(INPUT_DIM,))
    h = layers.Dense(32, activation="relu")(x_in)
    h = layers.Dense(16, activation="relu")(h)
    z_mean = layers.Dense(LATENT_DIM, name="z_mean")(h)
    z_log_var = layers.Dense(LATENT_DIM, name="z_log_var")(h)
    z = Sampling()([z_mean, z_log_var])
    return keras.Model(x_in, [z_mean, z_log_var, z], name="encoder")


def make_decoder():
    z_in = keras.Input(shape=(LATENT_DIM,))
    h = layers.Dense(16, activation="relu")(z_in)
    h = layers.Dense(32, activation="relu")(h)
    x_out = layers.Dense(INPUT_DIM)(h)
    return keras.Model(z_in, x_out, name="decoder")


def kl_divergence(z_mean, z_log_var):
    kl = -0.5 * (1.0 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var))
    return tf.reduce_mean(tf.reduce_sum(kl, axis=1))


def reconstruction_error(x, x_hat):
    return tf.reduce_mean(tf.reduce_sum(tf.square(x - x_hat), axis=1))


def main():
    keras.utils.set_random_seed(0)
    data = surface_points(256)
    encoder, decoder = make_encoder(), make_decoder()
    optimizer = keras.optimizers.Adam(LEARNING_RATE)
    params = encoder.trainable_weights + decoder.trainable_weights

    batches = tf.data.Dataset.from_tensor_slices(data).shuffle(256, seed=1).batch(64)
    step = 0
    for x in batches.repeat():
        if step == STEPS:
            break
        with tf.GradientTape() as tape:
            z_mean, z_log_var, z = encoder(x, training=True)
            x_hat = decoder(z, training=True)
            rec = reconstruction_error(x, x_hat)
            kl = kl_divergence(z_mean, z_log_var)
            loss = rec + BETA * kl
        grads = tape.gradient(loss, params)
        optimizer.apply_gradients(zip(grads, params))
        step += 1
        print(f"step {step}: loss {loss.numpy():.3f} (rec {rec.numpy():.3f}, kl {kl.numpy():.3f})")

    z_mean, _, _ = encoder(data[:8])
    print("latent means of the first points:\n", np.round(z_mean.numpy(), 3))


if __name__ == "__main__":
    main()
