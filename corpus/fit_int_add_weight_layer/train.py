import numpy as np
import tensorflow as tf
from tensorflow import keras


class LearnedOffset(keras.layers.Layer):
    def build(self, input_shape):
        self.offset = self.add_weight(name="offset", shape=(input_shape[-1],),
                                      initializer="zeros", dtype="int32", trainable=True)

    def call(self, inputs):
        return inputs + tf.cast(self.offset, inputs.dtype)


rng = np.random.default_rng(24)
x = rng.normal(size=(64, 2)).astype("float32")
y = (x.sum(axis=1, keepdims=True) + 4.0).astype("float32")

model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1), LearnedOffset()])
model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
model.fit(x, y, epochs=2, batch_size=32, verbose=0)
print("offset", model.layers[-1].offset.numpy())
