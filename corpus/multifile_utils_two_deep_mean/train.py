import numpy as np
import tensorflow as tf

import utils

rng = np.random.default_rng(27)
x = rng.normal(size=(40, 2)).astype("float32")
y = (2 * x[:, :1] - x[:, 1:]).astype("float32")
sample_w = rng.uniform(0.5, 1.5, size=(40, 1)).astype("float32")

model = tf.keras.Sequential([tf.keras.Input(shape=(2,)), tf.keras.layers.Dense(4, activation="relu"), tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.Adam(1e-2)
for epoch in range(100):
    with tf.GradientTape() as tape:
        loss = utils.compute_loss(model, x, y, sample_w)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", float(loss))
