import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(23)
np.random.seed(23)
import keras


class ScaleLayer(keras.layers.Layer):
    """y = scale * x, one learned scale per feature."""
    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="zeros", dtype="int32", name="scale")

    def call(self, inputs):
        return inputs * tf.cast(self.scale, inputs.dtype)


inp = keras.Input((3,))
out = keras.layers.Dense(1)(ScaleLayer()(inp))
model = keras.Model(inp, out)
model.compile(loss="mse", optimizer=keras.optimizers.RMSprop(1e-2))
X = np.random.rand(128, 3).astype("float32")
y = X @ np.array([[1.0], [2.0], [-1.0]], dtype="float32")
model.fit(X, y, batch_size=32, epochs=2, verbose=2)
