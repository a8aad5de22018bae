"""LSTM forecaster for a noisy seasonal series (sliding windows), custom tf.function loop."""
import numpy as np
import tensorflow as tf
import keras

keras.utils.set_random_seed(12)
t = np.arange(600, dtype="float32")
series = np.sin(2 * np.pi * t / 50) + 0.1 * np.random.normal(size=600).astype("float32")


def make_windows(series, window, horizon):
    X, Y = [], []
    for s in range(len(series) - window - horizon):
        X.append(series[s:s + window]); Y.append(series[s + window:s + window + horizon])
    return np.array(X)[..., None], np.array(Y)


def build_forecaster(window, horizon):
    return keras.Sequential([keras.Input((window, 1)), keras.layers.LSTM(16),
                             keras.layers.Dense(horizon)], name="forecaster")


WINDOW, HORIZON = 24, 1
model = build_forecaster(WINDOW, HORIZON)
train_vars = model.trainable_variables
optimizer = keras.optimizers.Adam(5e-3)

# multi-step forecasting works better: predict 4 steps at once
HORIZON = 4
model = build_forecaster(WINDOW, HORIZON)
train_vars = model.trainable_variables
X, Y = make_windows(series, WINDOW, HORIZON)
ds = tf.data.Dataset.from_tensor_slices((X, Y)).batch(128)


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
    grads = tape.gradient(loss, train_vars)
    optimizer.apply_gradients(zip(grads, train_vars))
    return loss


for epoch in range(2):
    for x, y in ds:
        loss = train_step(x, y)
    print("epoch", epoch, "mse", float(loss))
