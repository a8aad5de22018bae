"""Tabular regression model with a custom train_step under model.fit."""
import numpy as np
import tensorflow as tf
import keras
from keras import layers

keras.utils.set_random_seed(27)
X = np.random.normal(size=(320, 10)).astype("float32")
y = (X[:, :3].sum(axis=1, keepdims=True) + 0.1 * np.random.normal(size=(320, 1))).astype("float32")


class Regressor(keras.Model):
    def __init__(self):
        super().__init__()
        self.body = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(32, activation="relu")])
        self.reg_head = layers.Dense(1, name="reg_head")
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def build(self, input_shape):
        self.body.build(input_shape)
        self.reg_head.build((None, 32))
        self.built = True

    def call(self, x, training=False):
        return self.reg_head(self.body(x, training=training))

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            pred = self(x, training=True)
            loss = tf.reduce_mean(tf.square(pred - y))
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    @property
    def metrics(self):
        return [self.loss_tracker]


model = Regressor()
model.build((None, 10))
model.compile(optimizer=keras.optimizers.Adam(1e-3))
hist = model.fit(X, y, batch_size=64, epochs=2, verbose=0)
print("loss", hist.history["loss"])
