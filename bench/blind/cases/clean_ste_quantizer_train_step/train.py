"""Autoencoder with a straight-through quantizer and a custom train_step."""
import numpy as np
import tensorflow as tf
import keras


class STEQuantizer(keras.layers.Layer):
    def __init__(self, levels=4, **kwargs):
        super().__init__(**kwargs)
        self.scale = float(levels - 1)

    def call(self, z):
        zq = tf.round(z * self.scale) / self.scale
        return z + tf.stop_gradient(zq - z)


class AE(keras.Model):
    def __init__(self):
        super().__init__()
        self.enc = keras.layers.Dense(3, activation="sigmoid")
        self.q = STEQuantizer(4)
        self.dec = keras.layers.Dense(10)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def call(self, x):
        return self.dec(self.q(self.enc(x)))

    def train_step(self, data):
        x = data
        with tf.GradientTape() as tape:
            recon = self(x, training=True)
            loss = tf.reduce_mean(tf.square(recon - x))
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    @property
    def metrics(self):
        return [self.loss_tracker]


x = np.random.default_rng(0).uniform(size=(64, 10)).astype("float32")
ae = AE()
ae.compile(optimizer="adam")
ae.fit(x, epochs=2, batch_size=16, verbose=0)
print("ok")
