"""Train a small classifier with model.fit, then compute a saliency map of one input: the input
is a plain tensor the tape never watches, so its gradient is None."""
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(0)
images = rng.normal(size=(24, 6, 6, 1)).astype("float32")
labels = (images.mean(axis=(1, 2, 3)) > 0).astype("int64")

model = tf.keras.Sequential([
    tf.keras.Input((6, 6, 1)),
    tf.keras.layers.Conv2D(4, 3, activation="relu"),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(2),
])
model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(images, labels, epochs=1, batch_size=8, verbose=0)

image = tf.constant(images[:1])
with tf.GradientTape() as tape:
    logits = model(image)
    score = logits[0, 1]
saliency = tape.gradient(score, image)
print("saliency max", float(tf.reduce_max(tf.abs(saliency))))
