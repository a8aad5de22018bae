"""BinaryConnect-style layer: weights are binarised with tf.sign in the forward pass and a
straight-through estimator passes the gradient to the real-valued weights; model.fit."""
import numpy as np
import tensorflow as tf
import keras

keras.utils.set_random_seed(62)


class BinaryDense(keras.layers.Layer):
    def __init__(self, units, **kw):
        super().__init__(**kw)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="w")
        self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

    def call(self, x):
        w_bin = self.w + tf.stop_gradient(tf.sign(self.w) - self.w)
        return tf.matmul(x, w_bin) * self.scale


X = np.random.normal(size=(256, 10)).astype("float32")
y = (X[:, :4].sum(1) > 0).astype("int32")
model = keras.Sequential([keras.Input((10,)), BinaryDense(16), keras.layers.ReLU(),
                          keras.layers.Lambda(lambda t: tf.cast(tf.cast(t, tf.float16), tf.float32)),
                          keras.layers.Dense(2)])
model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
hist = model.fit(X, y, batch_size=64, epochs=2, verbose=0)
print(hist.history)
