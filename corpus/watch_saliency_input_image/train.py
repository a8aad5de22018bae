"""Saliency map for a tiny CNN."""
import numpy as np
import tensorflow as tf

model = tf.keras.Sequential([
    tf.keras.Input(shape=(6, 6, 1)),
    tf.keras.layers.Conv2D(4, 3, activation="relu"),
    tf.keras.layers.GlobalAveragePooling2D(),
    tf.keras.layers.Dense(3),
])
image = tf.constant(np.random.rand(1, 6, 6, 1).astype("float32"))

with tf.GradientTape() as tape:
    scores = model(image)
    top = tf.reduce_max(scores, axis=1)
grad = tape.gradient(top, image)
saliency = tf.reduce_max(tf.abs(grad), axis=-1)
print("saliency", saliency.shape)
