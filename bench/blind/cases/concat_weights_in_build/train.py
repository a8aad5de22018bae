"""Custom layer whose kernel is two separately-initialised blocks, used in fit()."""
import numpy as np
import tensorflow as tf
import keras


class BlockDense(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        d = input_shape[-1]
        self.w_left = self.add_weight(name="w_left", shape=(d, self.units // 2),
                                      initializer="glorot_uniform")
        self.w_right = self.add_weight(name="w_right", shape=(d, self.units - self.units // 2),
                                       initializer="zeros")
        self.kernel = tf.concat([self.w_left, self.w_right], axis=1)

    def call(self, x):
        return tf.matmul(x, self.kernel)


rng = np.random.default_rng(0)
x = rng.normal(size=(64, 5)).astype("float32")
y = rng.normal(size=(64, 1)).astype("float32")
model = keras.Sequential([keras.Input((5,)), BlockDense(6), keras.layers.ReLU(), keras.layers.Dense(1)])
model.compile("adam", "mse")
model.fit(x, y, epochs=2, batch_size=16, verbose=0)
print(model.evaluate(x, y, verbose=0))
