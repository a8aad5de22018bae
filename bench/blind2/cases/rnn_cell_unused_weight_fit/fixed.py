import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(42)
np.random.seed(42)
import keras


class MinimalGRUCell(keras.layers.Layer):
    def __init__(self, units, **kw):
        super().__init__(**kw)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        dim = input_shape[-1]
        self.w_z = self.add_weight(shape=(dim + self.units, self.units), initializer="glorot_uniform", name="update_gate")
        self.w_h = self.add_weight(shape=(dim + self.units, self.units), initializer="glorot_uniform", name="candidate")
        self.interim = self.add_weight(shape=(self.units,), initializer="zeros", name="interim")

    def call(self, inputs, states):
        h_prev = states[0]
        xh = tf.concat([inputs, h_prev], axis=-1)
        z = tf.sigmoid(tf.matmul(xh, self.w_z))
        h_tilde = tf.tanh(tf.matmul(xh, self.w_h) + self.interim)
        h = (1 - z) * h_prev + z * h_tilde
        return h, [h]


X = np.random.randn(128, 6, 3).astype("float32")
y = X[:, :, 0].sum(axis=1, keepdims=True)
model = keras.Sequential([keras.Input((6, 3)), keras.layers.RNN(MinimalGRUCell(8)), keras.layers.Dense(1)])
model.compile(keras.optimizers.Adam(1e-2), "mse")
model.fit(X, y, batch_size=32, epochs=2, verbose=2)
