import numpy as np
import tensorflow as tf
from tensorflow import keras

rng = np.random.default_rng(15)
images = rng.uniform(size=(16, 8, 8, 1)).astype("float32")

autoencoder = keras.Sequential([
    keras.Input(shape=(8, 8, 1)),
    keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
    keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
])
optimizer = keras.optimizers.Adam(1e-3)


def to_uint8_range(x):
    return x + tf.stop_gradient(tf.cast(tf.cast(x * 255.0, tf.int32), tf.float32) / 255.0 - x)


for epoch in range(20):
    with tf.GradientTape() as tape:
        recon = to_uint8_range(autoencoder(images, training=True))
        loss = tf.reduce_mean(tf.square(recon - images))
    grads = tape.gradient(loss, autoencoder.trainable_variables)
    optimizer.apply_gradients(zip(grads, autoencoder.trainable_variables))
print("loss", float(loss))
