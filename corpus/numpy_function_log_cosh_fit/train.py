import numpy as np
import tensorflow as tf


def _log_cosh(y_true, y_pred):
    d = y_pred - y_true
    return np.mean(np.log(np.cosh(d))).astype(np.float32)


def log_cosh_loss(y_true, y_pred):
    out = tf.numpy_function(_log_cosh, [y_true, y_pred], tf.float32)
    return tf.reshape(out, [])


rng = np.random.default_rng(10)
X = rng.normal(size=(80, 3)).astype("float32")
Y = (np.tanh(X[:, :1]) + X[:, 1:2]).astype("float32")

model = tf.keras.Sequential([
    tf.keras.layers.Input((3,)),
    tf.keras.layers.Dense(8, activation="relu"),
    tf.keras.layers.Dense(1),
])
model.compile(optimizer="adam", loss=log_cosh_loss)
model.fit(X, Y, epochs=2, batch_size=20, verbose=0)
print("ok")
