"""Bayesian linear regression sampled with unadjusted Langevin dynamics.

The model keeps its weight in a Keras variable; log_posterior(state) writes the
proposed state into the model and evaluates the log-likelihood.
"""
import numpy as np
import tensorflow as tf
import keras

rng = np.random.default_rng(0)
X = rng.normal(size=(50, 3)).astype("float32")
y = (X @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(50, 1))).astype("float32")


class BayesLinear(keras.Model):
    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1], 1), dtype="float32",
                                 initializer="zeros")

    def call(self, x):
        return tf.matmul(x, self.w)

    def log_posterior(self, state, x, y):
        # evaluate the likelihood at `state` directly; keep the variable as a record
        resid = y - tf.matmul(x, state)
        return -0.5 * tf.reduce_sum(resid ** 2) / 0.01


model = BayesLinear()
model.build((None, 3))
state = tf.zeros((3, 1), tf.float32)
eps = 1e-4
for it in range(5):
    with tf.GradientTape() as tape:
        tape.watch(state)
        lp = model.log_posterior(state, X, y)
    grad = tape.gradient(lp, state)
    state = state + 0.5 * eps * grad + tf.sqrt(eps) * tf.random.normal(state.shape, dtype=tf.float32)
    model.w.assign(state)
    print("iter", it, "log posterior", float(lp))
