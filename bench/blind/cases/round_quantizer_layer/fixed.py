"""Tiny learned-compression model: encoder -> 3-bit quantizer -> decoder, model.fit."""
import numpy as np
import tensorflow as tf
import keras


class Quantizer(keras.layers.Layer):
    """Uniform quantizer of a [0, 1] code to `levels` levels."""

    def __init__(self, levels=8, **kwargs):
        super().__init__(**kwargs)
        self.levels = float(levels - 1)

    def call(self, code):
        quantized = tf.round(code * self.levels) / self.levels
        # straight-through estimator: forward = quantized, backward = identity
        return code + tf.stop_gradient(quantized - code)


rng = np.random.default_rng(0)
x = rng.uniform(size=(64, 12)).astype("float32")

inputs = keras.Input((12,))
code = keras.layers.Dense(4, activation="sigmoid", name="encoder")(inputs)
q = Quantizer(8)(code)
recon = keras.layers.Dense(12, name="decoder")(q)
model = keras.Model(inputs, recon)
model.compile(optimizer="adam", loss="mse")
model.fit(x, x, epochs=2, batch_size=16, verbose=0)
print("final loss", model.evaluate(x, x, verbose=0))
