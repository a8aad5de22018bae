"""Graph-convolution style layer Vout = A @ Vin @ W + b, trained with fit()."""
import numpy as np
import tensorflow as tf
import keras

N_NODES, C_IN, F_OUT = 5, 3, 4
rng = np.random.default_rng(0)
A = (rng.uniform(size=(N_NODES, N_NODES)) > 0.5).astype("float32")


class GraphConv(keras.layers.Layer):
    def __init__(self, adjacency, units, **kwargs):
        super().__init__(**kwargs)
        self.adjacency = tf.constant(adjacency)
        self.units = units

    def build(self, input_shape):
        self.W = self.add_weight(name="W", shape=(input_shape[-1], self.units))
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")

    def call(self, v_in):
        av = tf.einsum("nm,bmc->bnc", self.adjacency, v_in)
        return tf.einsum("bnc,cf->bnf", av, self.W) + self.bias


x = rng.normal(size=(32, N_NODES, C_IN)).astype("float32")
y = rng.normal(size=(32, 1)).astype("float32")
model = keras.Sequential([keras.Input((N_NODES, C_IN)), GraphConv(A, F_OUT), keras.layers.ReLU(),
                          keras.layers.Flatten(), keras.layers.Dense(1)])
model.compile("adam", "mse")
model.fit(x, y, epochs=2, batch_size=16, verbose=0)
print(model.evaluate(x, y, verbose=0))
