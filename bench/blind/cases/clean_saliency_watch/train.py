"""Train a small classifier, then a gradient-x-input attribution for a batch."""
import numpy as np
import tensorflow as tf
import keras

rng = np.random.default_rng(0)
x = rng.normal(size=(64, 10)).astype("float32")
y = (x[:, 3] > 0).astype("int32")
model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(16, activation="relu"),
                          keras.layers.Dense(2)])
model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(x, y, epochs=2, batch_size=32, verbose=0)

inputs = tf.convert_to_tensor(x[:8])
with tf.GradientTape() as tape:
    tape.watch(inputs)
    logits = model(inputs)
    score = tf.reduce_sum(tf.gather(logits, y[:8], axis=1, batch_dims=1))
grads = tape.gradient(score, inputs)
attribution = (grads * inputs).numpy()
print("most important feature per example:", np.abs(attribution).argmax(axis=1))
