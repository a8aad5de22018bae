"""Autoencoder with a quantised bottleneck (codes rounded to 1/8 steps, for a
fixed-point deployment), trained with model.fit."""
import numpy as np
import tensorflow as tf
import keras
from keras import layers

keras.utils.set_random_seed(19)
LEVELS = 8.0

x = np.random.rand(256, 16).astype("float32")
x[:, 8:] = x[:, :8] ** 2  # correlated halves -> compressible

inp = keras.Input((16,))
h = layers.Dense(32, activation="relu", name="enc1")(inp)
code = layers.Dense(4, activation="sigmoid", name="enc_code")(h)
# straight-through estimator: forward value is the rounded code, backward is identity
q = layers.Lambda(lambda c: c + tf.stop_gradient(tf.round(c * LEVELS) / LEVELS - c), name="quantize")(code)
d = layers.Dense(32, activation="relu", name="dec1")(q)
out = layers.Dense(16, name="dec_out")(d)
ae = keras.Model(inp, out)
ae.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
hist = ae.fit(x, x, batch_size=64, epochs=2, verbose=0)
print("loss", hist.history["loss"])
