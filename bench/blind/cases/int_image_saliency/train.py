"""Train a tiny image classifier for a few steps, then compute a vanilla
saliency map (|d score / d pixel|) for one uint8 image."""
import numpy as np
import tensorflow as tf
import keras

rng = np.random.default_rng(0)
images_u8 = rng.integers(0, 256, size=(32, 10, 10, 3), dtype=np.uint8)
labels = rng.integers(0, 3, size=(32,))

model = keras.Sequential([
    keras.Input((10, 10, 3)),
    keras.layers.Rescaling(1.0 / 255),
    keras.layers.Conv2D(4, 3, activation="relu"),
    keras.layers.GlobalAveragePooling2D(),
    keras.layers.Dense(3),
])
model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(images_u8.astype("float32"), labels, epochs=1, batch_size=16, verbose=0)

# saliency for the first image
image = tf.constant(images_u8[:1])
with tf.GradientTape() as tape:
    tape.watch(image)
    logits = model(tf.cast(image, tf.float32))
    score = logits[0, int(tf.argmax(logits[0]))]
grads = tape.gradient(score, image)
saliency = tf.reduce_max(tf.abs(grads), axis=-1)[0]
print("saliency map", saliency.shape)
