import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(25)
np.random.seed(25)


class BayesLinear(tf.keras.Model):
    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1], 1), initializer="zeros")
        self.b = self.add_weight(name="b", shape=(1,), initializer="zeros")

    def call(self, x):
        return tf.matmul(x, self.w) + self.b


X = np.random.randn(100, 3).astype("float32")
y = (X @ np.array([[0.5], [-1.0], [2.0]], dtype="float32") + 0.3).astype("float32")
model = BayesLinear()
model(X[:1])


def log_posterior(params):
    w, b = params[:3, None], params[3:]
    pred = tf.matmul(X, w) + b
    log_lik = -0.5 * tf.reduce_sum((y - pred) ** 2) / 0.3 ** 2
    log_prior = -0.5 * (tf.reduce_sum(w ** 2) + tf.reduce_sum(b ** 2))
    return log_lik + log_prior


# Langevin / gradient-ascent on the log posterior (MAP warm start for HMC)
state = tf.zeros(4)
step_size = 1e-3
for it in range(5):
    with tf.GradientTape() as tape:
        tape.watch(state)
        lp = log_posterior(state)
    g = tape.gradient(lp, state)
    noise = tf.random.normal(state.shape, seed=it)
    state = state + 0.5 * step_size * g + tf.sqrt(step_size) * noise * 0.01
    print("iter", it, float(lp))
