"""Multi-step time-series forecasting with a GRU, trained with ``model.fit``.

Windows of a synthetic seasonal series are cut with NumPy.  The model scales its input
with a ``Lambda`` layer (per-window normalisation), runs a GRU, predicts the next
``HORIZON`` values and un-scales them with a second ``Lambda``.  The loss is a custom
Huber-like function defined in this file.
"""
import numpy as np
import tensorflow as tf
import keras
from keras import layers, ops

WINDOW = 16
HORIZON = 4


def seasonal_series(length, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(length, dtype=np.float64)
    trend = 0.02 * t
    season = 2.0 * np.sin(2 * np.pi * t / 12) + 0.5 * np.sin(2 * np.pi * t / 5)
    noise = np.cumsum(rng.normal(0, 0.1, size=length))
    return (10.0 + trend + season + noise).astype(np.float32)


def make_windows(series):
    n = len(series) - WINDOW - HORIZON + 1
    idx = np.arange(WINDOW)[None, :] + np.arange(n)[:, None]
    x = series[idx][..., None]
    y = series[idx[:, -1:] + 1 + np.arange(HORIZON)[None, :]]
    return x, y


def window_stats(x):
    mean = ops.mean(x, axis=1, keepdims=True)
    std = ops.std(x, axis=1, keepdims=True) + 1e-3
    return mean, std


def build_forecaster(units=24):
    inputs = keras.Input(shape=(WINDOW, 1))
    scaled = layers.Lambda(lambda x: (x - window_stats(x)[0]) / window_stats(x)[1], name="normalize")(inputs)
    h = layers.GRU(units)(scaled)
    h = layers.Dense(units, activation="relu")(h)
    delta = layers.Dense(HORIZON)(h)
    outputs = layers.Lambda(
        lambda args: args[0] * ops.squeeze(window_stats(args[1])[1], -1) + ops.squeeze(window_stats(args[1])[0], -1),
        name="denormalize",
    )([delta, inputs])
    return keras.Model(inputs, outputs, name="gru_forecaster")


def smooth_l1(y_true, y_pred, delta=1.0):
    err = tf.abs(y_true - y_pred)
    quadratic = tf.minimum(err, delta)
    linear = err - quadratic
    return tf.reduce_mean(0.5 * quadratic ** 2 + delta * linear, axis=-1)


def naive_forecast_mae(x, y):
    return float(np.mean(np.abs(y - x[:, -1:, 0])))


def rolling_forecast(model, history, steps):
    """Forecast further than HORIZON by feeding predictions back as inputs."""
    history = list(history)
    produced = []
    while len(produced) < steps:
        window = np.array(history[-WINDOW:], dtype=np.float32)[None, :, None]
        chunk = model(window, training=False).numpy()[0]
        produced.extend(chunk.tolist())
        history.extend(chunk.tolist())
    return np.array(produced[:steps])


def main():
    keras.utils.set_random_seed(12)
    series = seasonal_series(240)
    x, y = make_windows(series)
    split = 180
    model = build_forecaster()
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss=smooth_l1, metrics=["mae"])
    model.fit(x[:split], y[:split], batch_size=32, epochs=1, steps_per_epoch=3, shuffle=True, verbose=2)
    val_pred = model(x[split:]).numpy()
    print(f"validation MAE: model {np.mean(np.abs(val_pred - y[split:])):.3f}, "
          f"naive last-value {naive_forecast_mae(x[split:], y[split:]):.3f}")
    future = rolling_forecast(model, series, steps=2 * HORIZON)
    print("next values:", np.round(future, 2))


if __name__ == "__main__":
    main()
