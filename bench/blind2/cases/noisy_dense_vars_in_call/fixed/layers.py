import tensorflow as tf


class NoisyDense(tf.keras.layers.Layer):
    """Factorised-Gaussian noisy linear layer (NoisyNet exploration)."""
    def __init__(self, units, sigma0=0.5, **kw):
        super().__init__(**kw)
        self.units, self.sigma0 = units, sigma0

    def build(self, input_shape):
        n_in = int(input_shape[-1])
        bound = 1.0 / n_in ** 0.5
        self.mu_w = self.add_weight(shape=(n_in, self.units), initializer=tf.keras.initializers.RandomUniform(-bound, bound), name="mu_w")
        self.sigma_w = self.add_weight(shape=(n_in, self.units), initializer=tf.keras.initializers.Constant(self.sigma0 * bound), name="sigma_w")
        self.n_in = n_in
        self.mu_b = self.add_weight(shape=(self.units,), initializer="zeros", name="mu_b")
        self.sigma_b = self.add_weight(shape=(self.units,), initializer=tf.keras.initializers.Constant(self.sigma0 / n_in ** 0.5), name="sigma_b")

    def call(self, x):
        eps_in = tf.random.normal((self.n_in, 1))
        eps_out = tf.random.normal((1, self.units))
        noise = tf.sign(eps_in) * tf.sqrt(tf.abs(eps_in)) * tf.sign(eps_out) * tf.sqrt(tf.abs(eps_out))

        w = self.mu_w + self.sigma_w * noise
        b = self.mu_b + self.sigma_b * tf.reshape(eps_out, [-1])
        return tf.matmul(x, w) + b
