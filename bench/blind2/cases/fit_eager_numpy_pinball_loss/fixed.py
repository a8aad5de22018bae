import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(12)
np.random.seed(12)

TAU = 0.9
X = np.random.rand(256, 3).astype("float32")
y = (X @ np.array([[2.0], [-1.0], [0.5]], dtype="float32") + 0.3 * np.random.randn(256, 1)).astype("float32")


def pinball_loss(y_true, y_pred):
    # quantile (pinball) loss computed on plain arrays
    e = y_true - y_pred
    return tf.reduce_mean(tf.where(e >= 0, TAU * e, (TAU - 1) * e))


model = tf.keras.Sequential([tf.keras.layers.Input((3,)), tf.keras.layers.Dense(16, activation="relu"),
                             tf.keras.layers.Dense(1)])
model.compile(optimizer=tf.keras.optimizers.Adam(1e-2), loss=pinball_loss, run_eagerly=True)
model.fit(X, y, batch_size=64, epochs=2, verbose=2, shuffle=False)
