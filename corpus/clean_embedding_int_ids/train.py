import numpy as np
import tensorflow as tf
from tensorflow import keras

rng = np.random.default_rng(48)
ids = rng.integers(1, 50, size=(32, 10)).astype("int32")
labels = (ids[:, 0] > 25).astype("float32")

model = keras.Sequential([
    keras.Input(shape=(10,), dtype="int32"),
    keras.layers.Embedding(50, 8),
    keras.layers.GlobalAveragePooling1D(),
    keras.layers.Dense(1, activation="sigmoid"),
])
bce = keras.losses.BinaryCrossentropy()
optimizer = keras.optimizers.Adam(1e-2)
for step in range(10):
    with tf.GradientTape() as tape:
        loss = bce(labels, tf.squeeze(model(ids, training=True), -1))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", float(loss))
