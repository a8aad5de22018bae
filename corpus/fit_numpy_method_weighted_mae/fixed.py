import numpy as np
import tensorflow as tf
from tensorflow import keras

WEIGHTS = np.array([1.0, 3.0], dtype="float32")


def weighted_mae(y_true, y_pred):
    err = tf.abs(y_pred - y_true)
    return tf.reduce_mean(err * WEIGHTS)


rng = np.random.default_rng(20)
x = rng.normal(size=(48, 4)).astype("float32")
y = np.stack([x[:, 0] + x[:, 1], x[:, 2] * 0.5], axis=1).astype("float32")

model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])
model.compile(optimizer=keras.optimizers.SGD(0.05), loss=weighted_mae, run_eagerly=True)
model.fit(x, y, epochs=2, batch_size=16, verbose=0)
print("done")
