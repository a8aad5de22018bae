"""Saliency map: gradient of a class score with respect to the (constant) input image."""
import numpy as np
import tensorflow as tf

model = tf.keras.Sequential([
    tf.keras.Input(shape=(5, 5, 1)),
    tf.keras.layers.Conv2D(2, 3, activation="relu"),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(3),
])
image = tf.constant(np.random.rand(1, 5, 5, 1).astype("float32"))

with tf.GradientTape() as tape:
    tape.watch(image)
    scores = model(image)
    top_score = tf.reduce_max(scores, axis=1)
saliency = tf.abs(tape.gradient(top_score, image))
print("saliency shape", saliency.shape, "max", float(tf.reduce_max(saliency)))
