"""A smooth-L1 (Huber-like) custom loss for model.fit that stops the gradient of the prediction,
copied from a DQN snippet where the stop belonged on the target."""
import numpy as np
import tensorflow as tf


def smooth_l1(y_true, y_pred):
    diff = tf.abs(y_true - tf.stop_gradient(y_pred))
    return tf.reduce_mean(tf.where(diff < 1.0, 0.5 * tf.square(diff), diff - 0.5))


rng = np.random.default_rng(29)
x = rng.normal(size=(64, 4)).astype("float32")
y = (x @ rng.normal(size=(4, 1))).astype("float32")
model = tf.keras.Sequential([tf.keras.Input(shape=(4,)), tf.keras.layers.Dense(16, activation="relu"),
                             tf.keras.layers.Dense(1)])
model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss=smooth_l1)
model.fit(x, y, epochs=2, batch_size=16, verbose=0)
print("loss", model.evaluate(x, y, verbose=0))
