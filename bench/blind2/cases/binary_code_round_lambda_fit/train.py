import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(19)
np.random.seed(19)
from tensorflow.keras import layers

# semantic hashing: 8-bit binary codes for 20-d inputs, trained as an autoencoder
X = np.random.rand(256, 20).astype("float32")
inp = layers.Input((20,))
h = layers.Dense(32, activation="relu")(inp)
h = layers.Dense(8, activation="sigmoid")(h)
code = layers.Lambda(lambda x: tf.round(x), name="binarize")(h)
out = layers.Dense(32, activation="relu")(code)
out = layers.Dense(20)(out)
autoenc = tf.keras.Model(inp, out)
autoenc.compile(tf.keras.optimizers.Adam(1e-3), "mse")
autoenc.fit(X, X, batch_size=64, epochs=2, verbose=2, shuffle=False)
