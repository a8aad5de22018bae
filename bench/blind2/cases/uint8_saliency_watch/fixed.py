import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(24)
np.random.seed(24)

images = np.random.randint(0, 256, size=(96, 12, 12, 1)).astype("uint8")
labels = (images[:, :6].mean(axis=(1, 2, 3)) > images[:, 6:].mean(axis=(1, 2, 3))).astype("int64")

model = tf.keras.Sequential([
    tf.keras.layers.Input((12, 12, 1)),
    tf.keras.layers.Rescaling(1.0 / 255),
    tf.keras.layers.Conv2D(4, 3, activation="relu"),
    tf.keras.layers.GlobalAveragePooling2D(),
    tf.keras.layers.Dense(2),
])
model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(images, labels, batch_size=32, epochs=1, verbose=2)

# saliency maps for a few images
batch = tf.convert_to_tensor(images[:8], dtype=tf.float32)
with tf.GradientTape() as tape:
    tape.watch(batch)
    logits = model(batch)
    top = tf.reduce_max(logits, axis=1)
saliency = tape.gradient(top, batch)
saliency = tf.reduce_max(tf.abs(saliency), axis=-1)
print("saliency", saliency.shape, float(tf.reduce_mean(saliency)))
