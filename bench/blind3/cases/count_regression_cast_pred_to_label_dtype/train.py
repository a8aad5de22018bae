"""Hourly bike-rental count regression (int64 counts) with a hand-written loss and a
tf.function training loop over tf.data."""
import numpy as np
import tensorflow as tf
import keras

keras.utils.set_random_seed(71)
hours = np.random.randint(0, 24, 400)
temp = np.random.normal(15, 8, 400)
X = np.stack([np.sin(2 * np.pi * hours / 24), np.cos(2 * np.pi * hours / 24), (temp - 15) / 8], 1).astype("float32")
counts = np.maximum(0, 20 + 10 * X[:, 0] + 6 * X[:, 2] + np.random.normal(0, 2, 400)).round().astype("int64")
ds = tf.data.Dataset.from_tensor_slices((X, counts)).shuffle(400, seed=3).batch(50)

model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
optimizer = keras.optimizers.Adam(0.05)


def count_mse(y_true, y_pred):
    y_pred = tf.cast(tf.squeeze(y_pred, -1), y_true.dtype)
    return tf.cast(tf.reduce_mean(tf.square(y_true - y_pred)), tf.float32)


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = count_mse(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


for epoch in range(3):
    for x, y in ds:
        loss = train_step(x, y)
    print("epoch", epoch, "mse", float(loss))
