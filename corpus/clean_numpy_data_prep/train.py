"""NumPy is used only to build and normalise the data set."""
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(0)
raw = rng.normal(loc=5.0, scale=3.0, size=(64, 3))
x = ((raw - raw.mean(axis=0)) / raw.std(axis=0)).astype(np.float32)
y = np.sqrt(np.abs(x @ np.array([1.0, -1.0, 0.5]))).astype(np.float32)[:, None]

model = tf.keras.Sequential([
    tf.keras.Input(shape=(3,)),
    tf.keras.layers.Dense(8, activation="relu"),
    tf.keras.layers.Dense(1),
])
optimizer = tf.keras.optimizers.Adam(0.01)

for epoch in range(100):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", float(loss))
