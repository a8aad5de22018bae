"""Tiny autoencoder that simulates 8-bit quantisation of its code."""
import numpy as np
import tensorflow as tf
from tensorflow import keras


def quantize(t, levels=255.0):
    return tf.cast(tf.cast(t * levels, tf.int32), tf.float32) / levels


class AutoEncoder(keras.Model):
    def __init__(self):
        super().__init__()
        self.encoder = keras.layers.Dense(3, activation="sigmoid")
        self.decoder = keras.layers.Dense(8)

    def call(self, x):
        code = quantize(self.encoder(x))
        return self.decoder(code)


images = np.random.RandomState(7).rand(16, 8).astype("float32")
ae = AutoEncoder()
opt = keras.optimizers.Adam(1e-2)

for epoch in range(50):
    with tf.GradientTape() as tape:
        recon = ae(images)
        loss = tf.reduce_mean(tf.square(recon - images))
    grads = tape.gradient(loss, ae.trainable_variables)
    opt.apply_gradients(zip(grads, ae.trainable_variables))
print("reconstruction loss", float(loss))
