"""Noisy-net Q regression: a NoisyDense layer (factorised Gaussian noise) followed by a
linear head, trained with model.fit on synthetic (state -> Q values) targets."""
import numpy as np
import tensorflow as tf
from tensorflow import keras

keras.utils.set_random_seed(21)


class NoisyDense(keras.layers.Layer):
    def __init__(self, units, std_init=0.5, **kw):
        super().__init__(**kw)
        self.units = units
        self.std_init = std_init

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        mu_range = 1.0 / np.sqrt(fan_in)
        self.weight_mu = self.add_weight(shape=(fan_in, self.units), name="weight_mu",
                                         initializer=keras.initializers.RandomUniform(-mu_range, mu_range))
        self.weight_sigma = self.add_weight(shape=(fan_in, self.units), name="weight_sigma",
                                            initializer=keras.initializers.Constant(self.std_init / np.sqrt(fan_in)))
        self.bias_mu = self.add_weight(shape=(self.units,), name="bias_mu",
                                       initializer=keras.initializers.RandomUniform(-mu_range, mu_range))
        self.bias_sigma = self.add_weight(shape=(self.units,), name="bias_sigma",
                                          initializer=keras.initializers.Constant(self.std_init / np.sqrt(self.units)))
        self.eps_w = tf.random.normal((fan_in, self.units), seed=1)
        self.eps_b = tf.random.normal((self.units,), seed=2)

    def call(self, x):
        self.noisy_kernel = self.weight_mu + self.weight_sigma * self.eps_w
        self.noisy_bias = self.bias_mu + self.bias_sigma * self.eps_b
        return tf.nn.relu(tf.matmul(x, self.noisy_kernel) + self.noisy_bias)


states = np.random.normal(size=(256, 6)).astype("float32")
q_targets = np.stack([states[:, 0] - states[:, 1], states[:, 2] * 0.5, -states[:, 3]], axis=1).astype("float32")

inp = keras.Input((6,))
h = NoisyDense(32, name="noisy")(inp)
q = keras.layers.Dense(3, name="q_head")(h)
model = keras.Model(inp, q)
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
hist = model.fit(states, q_targets, batch_size=64, epochs=2, verbose=0)
print("losses", hist.history["loss"])
