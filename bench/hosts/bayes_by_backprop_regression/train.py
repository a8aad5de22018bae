"""Bayes-by-backprop: a Bayesian neural network with Gaussian weight posteriors.

``BayesianDense`` keeps a mean and a softplus-parameterised standard deviation for every
weight (created with ``add_weight``), samples weights with the reparameterisation trick
on each call and registers its KL divergence to the prior with ``add_loss``.  The ELBO
is the Gaussian negative log-likelihood plus the KL terms collected in ``model.losses``.
"""
import numpy as np
import tensorflow as tf
import keras

PRIOR_STD = 1.0
N_TRAIN = 256
STEPS = 4


class BayesianDense(keras.layers.Layer):
    def __init__(self, units, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        shape = (input_shape[-1], self.units)
        rho_init = keras.initializers.Constant(-4.0)
        self.w_mu = self.add_weight(name="w_mu", shape=shape, initializer="glorot_normal")
        self.w_rho = self.add_weight(name="w_rho", shape=shape, initializer=rho_init)
        self.b_mu = self.add_weight(name="b_mu", shape=(self.units,), initializer="zeros")
        self.b_rho = self.add_weight(name="b_rho", shape=(self.units,), initializer=rho_init)

    @staticmethod
    def _kl(mu, sigma):
        return tf.reduce_sum(
            tf.math.log(PRIOR_STD / sigma) + (sigma ** 2 + mu ** 2) / (2 * PRIOR_STD ** 2) - 0.5)

    def call(self, x):
        w_sigma = tf.nn.softplus(self.w_rho)
        b_sigma = tf.nn.softplus(self.b_rho)
        w = self.w_mu + w_sigma * tf.random.normal(tf.shape(self.w_mu))
        b = self.b_mu + b_sigma * tf.random.normal(tf.shape(self.b_mu))
        self.add_loss((self._kl(self.w_mu, w_sigma) + self._kl(self.b_mu, b_sigma)) / N_TRAIN)
        return self.activation(tf.matmul(x, w) + b)


class BayesianRegressor(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = BayesianDense(32, activation="relu")
        self.mean_head = BayesianDense(1)
        self.log_noise = self.add_weight(name="log_noise", shape=(), initializer="zeros")

    def call(self, x):
        return self.mean_head(self.hidden(x))


def heteroscedastic_data(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, size=(n, 1))
    y = np.sin(x) + 0.1 * x + rng.normal(0, 0.1 + 0.05 * np.abs(x), size=(n, 1))
    return x.astype(np.float32), y.astype(np.float32)


def gaussian_nll(y, mean, log_noise):
    var = tf.exp(2.0 * log_noise)
    return tf.reduce_mean(0.5 * tf.square(y - mean) / var + log_noise)


def predictive(model, x, samples=10):
    draws = tf.stack([model(x) for _ in range(samples)])
    return tf.reduce_mean(draws, axis=0), tf.math.reduce_std(draws, axis=0)


def main():
    keras.utils.set_random_seed(1)
    x, y = heteroscedastic_data(N_TRAIN)
    model = BayesianRegressor()
    model(x[:1])
    optimizer = keras.optimizers.Adam(1e-2)
    batches = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(N_TRAIN, seed=0).batch(64)
    for step, (xb, yb) in enumerate(batches.take(STEPS)):
        with tf.GradientTape() as tape:
            mean = model(xb)
            nll = gaussian_nll(yb, mean, model.log_noise)
            kl = tf.add_n(model.losses)
            elbo_loss = nll + kl
        grads = tape.gradient(elbo_loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        print(f"step {step}: nll {nll.numpy():.4f} kl {kl.numpy():.4f}")

    grid = np.linspace(-4, 4, 5, dtype=np.float32)[:, None]
    mu, sd = predictive(model, grid)
    for g, m, s in zip(grid[:, 0], mu.numpy()[:, 0], sd.numpy()[:, 0]):
        print(f"x={g:+.1f}: mean {m:+.3f} epistemic std {s:.3f}")


if __name__ == "__main__":
    main()
