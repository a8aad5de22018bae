"""RealNVP normalizing flow fitted to a 2-D "two moons" density by maximum likelihood.

Each affine coupling layer keeps one coordinate, and predicts a scale and shift for the
other from it; the log-determinant of the Jacobian is the sum of the log-scales.  Layers
alternate which coordinate they transform.  Loss: negative log-likelihood under a
standard normal base distribution.
"""
import math

import numpy as np
import tensorflow as tf
from tensorflow import keras

N_COUPLINGS = 4
STEPS = 5


def two_moons(n, noise=0.08, seed=0):
    rng = np.random.default_rng(seed)
    half = n // 2
    t1 = rng.uniform(0, math.pi, half)
    t2 = rng.uniform(0, math.pi, n - half)
    upper = np.stack([np.cos(t1), np.sin(t1)], axis=1)
    lower = np.stack([1 - np.cos(t2), 0.5 - np.sin(t2)], axis=1)
    pts = np.concatenate([upper, lower]) + noise * rng.normal(size=(n, 2))
    return ((pts - pts.mean(0)) / pts.std(0)).astype(np.float32)


class AffineCoupling(keras.layers.Layer):
    def __init__(self, flip, hidden=32, **kwargs):
        super().__init__(**kwargs)
        self.flip = flip
        self.net = keras.Sequential([
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(2, kernel_initializer="zeros"),
        ])
        self.scale_factor = None

    def build(self, input_shape):
        self.scale_factor = self.add_weight(name="scale_factor", shape=(1,), initializer="ones")

    def _split(self, x):
        a, b = x[:, :1], x[:, 1:]
        return (b, a) if self.flip else (a, b)

    def _merge(self, keep, changed):
        return tf.concat([changed, keep] if self.flip else [keep, changed], axis=1)

    def call(self, x):
        """Data -> latent direction; returns (z, log|det J|)."""
        keep, change = self._split(x)
        log_s, t = tf.split(self.net(keep), 2, axis=1)
        log_s = self.scale_factor * tf.tanh(log_s)
        z_change = change * tf.exp(log_s) + t
        return self._merge(keep, z_change), tf.reduce_sum(log_s, axis=1)

    def inverse(self, z):
        keep, z_change = self._split(z)
        log_s, t = tf.split(self.net(keep), 2, axis=1)
        log_s = self.scale_factor * tf.tanh(log_s)
        return self._merge(keep, (z_change - t) * tf.exp(-log_s))


class RealNVP(keras.Model):
    def __init__(self, n_couplings):
        super().__init__()
        self.couplings = [AffineCoupling(flip=i % 2 == 1) for i in range(n_couplings)]

    def call(self, x):
        log_det = tf.zeros(tf.shape(x)[0])
        for coupling in self.couplings:
            x, ld = coupling(x)
            log_det += ld
        return x, log_det

    def log_prob(self, x):
        z, log_det = self(x)
        base = -0.5 * tf.reduce_sum(z ** 2, axis=1) - math.log(2 * math.pi)
        return base + log_det

    def sample(self, n):
        z = tf.random.normal((n, 2))
        for coupling in reversed(self.couplings):
            z = coupling.inverse(z)
        return z


def nll(flow, batch):
    return -tf.reduce_mean(flow.log_prob(batch))


def main():
    tf.random.set_seed(10)
    data = two_moons(512)
    flow = RealNVP(N_COUPLINGS)
    flow(data[:2])
    optimizer = keras.optimizers.Adam(1e-3)
    dataset = tf.data.Dataset.from_tensor_slices(data).shuffle(512, seed=0).batch(128).repeat()
    for step, batch in enumerate(dataset.take(STEPS)):
        with tf.GradientTape() as tape:
            loss = nll(flow, batch)
        gradients = tape.gradient(loss, flow.trainable_variables)
        optimizer.apply_gradients(zip(gradients, flow.trainable_variables))
        print(f"step {step}: nll {loss.numpy():.4f}")
    samples = flow.sample(256).numpy()
    print("sample mean", np.round(samples.mean(0), 3), "sample std", np.round(samples.std(0), 3))


if __name__ == "__main__":
    main()
