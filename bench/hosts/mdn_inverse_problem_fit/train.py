"""Mixture density network for a multi-valued inverse problem, trained with ``model.fit``.

Inverting x = y + 0.3 sin(2 pi y) gives several valid y for one x, so a plain regressor
averages them.  The network outputs the parameters of a K-component Gaussian mixture
(concatenated into one tensor) and the custom loss is the mixture's negative
log-likelihood, computed with logsumexp.
"""
import math

import numpy as np
import tensorflow as tf
import keras
from keras import layers

K = 4


def inverse_sine_data(n, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.uniform(-1.0, 1.0, size=(n, 1))
    x = y + 0.3 * np.sin(2 * np.pi * y) + rng.normal(0, 0.05, size=(n, 1))
    return x.astype("float32"), y.astype("float32")


class MixtureParams(layers.Layer):
    """Turns raw features into [mixture logits, means, log-sigmas] of K components."""

    def __init__(self, k, **kwargs):
        super().__init__(**kwargs)
        self.k = k
        self.logits = layers.Dense(k, name="pi_logits")
        self.means = layers.Dense(k, name="mu")
        self.log_sigmas = layers.Dense(k, name="log_sigma")

    def call(self, h):
        log_sigma = tf.clip_by_value(self.log_sigmas(h), -5.0, 3.0)
        return tf.concat([self.logits(h), self.means(h), log_sigma], axis=-1)


def split_mixture(params):
    return tf.split(params, 3, axis=-1)


def mdn_nll(y_true, params):
    logits, mu, log_sigma = split_mixture(params)
    log_pi = tf.nn.log_softmax(logits, axis=-1)
    z = (y_true - mu) / tf.exp(log_sigma)
    component_logp = -0.5 * tf.square(z) - log_sigma - 0.5 * math.log(2 * math.pi)
    return -tf.reduce_logsumexp(log_pi + component_logp, axis=-1)


def build_mdn(hidden=32):
    x = keras.Input(shape=(1,))
    h = layers.Dense(hidden, activation="tanh")(x)
    h = layers.Dense(hidden, activation="tanh")(h)
    params = MixtureParams(K, name="mixture")(h)
    return keras.Model(x, params)


def mixture_modes(params, threshold=0.15):
    """Means of the components whose weight exceeds the threshold, per input."""
    logits, mu, _ = split_mixture(params)
    weights = tf.nn.softmax(logits).numpy()
    return [sorted(np.round(m[w > threshold], 2).tolist()) for m, w in zip(mu.numpy(), weights)]


def main():
    keras.utils.set_random_seed(14)
    x, y = inverse_sine_data(1024)
    model = build_mdn()
    model.compile(optimizer=keras.optimizers.Adam(5e-3), loss=mdn_nll)
    history = model.fit(y, x, batch_size=64, epochs=1, steps_per_epoch=3, verbose=0)
    print("nll per epoch:", [round(v, 4) for v in history.history["loss"]])

    inverse = build_mdn()
    inverse.compile(optimizer=keras.optimizers.Adam(5e-3), loss=mdn_nll)
    inverse.fit(x, y, batch_size=64, epochs=1, steps_per_epoch=3, verbose=0)
    queries = np.array([[-0.5], [0.0], [0.5]], dtype="float32")
    for q, modes in zip(queries[:, 0], mixture_modes(inverse(queries))):
        print(f"x = {q:+.1f}: likely y values {modes}")


if __name__ == "__main__":
    main()
