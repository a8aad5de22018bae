"""Small price regressor trained with a hand-written loop.

Targets are log-prices in [0, 3]; the author post-processes predictions with a
NumPy helper (clip to the valid range) before computing the MSE, the same
helper they use at inference time.
"""
import numpy as np
import tensorflow as tf
import keras

rng = np.random.default_rng(0)
X = rng.normal(size=(64, 5)).astype("float32")
y = np.clip(X @ rng.normal(size=(5, 1)) * 0.5 + 1.5, 0.0, 3.0).astype("float32")


def postprocess(pred):
    """Clip predictions into the valid log-price range."""
    return tf.clip_by_value(pred, 0.0, 3.0)


model = keras.Sequential([
    keras.Input((5,)),
    keras.layers.Dense(16, activation="relu"),
    keras.layers.Dense(1),
])
optimizer = keras.optimizers.Adam(1e-2)
mse = keras.losses.MeanSquaredError()

for step in range(4):
    with tf.GradientTape() as tape:
        pred = model(X, training=True)
        loss = mse(y, postprocess(pred))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    print("step", step, "loss", float(loss))
