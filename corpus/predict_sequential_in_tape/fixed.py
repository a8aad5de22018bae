"""Custom training loop for a small regressor."""
import numpy as np
import tensorflow as tf
from tensorflow import keras

rng = np.random.default_rng(1)
x = rng.normal(size=(48, 3)).astype("float32")
y = (x @ np.array([[2.0], [-1.0], [0.5]], dtype="float32")).astype("float32")

model = keras.Sequential([
    keras.Input(shape=(3,)),
    keras.layers.Dense(8, activation="tanh"),
    keras.layers.Dense(1),
])
optimizer = keras.optimizers.Adam(1e-2)
mse = keras.losses.MeanSquaredError()

for epoch in range(200):
    with tf.GradientTape() as tape:
        y_pred = model(x, training=True)
        loss = mse(y, y_pred)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    if epoch % 50 == 0:
        print("epoch", epoch, "loss", float(loss))
