"""Subclassed regressor y = 3x + 2 trained with a custom loop (eager)."""
import numpy as np
import tensorflow as tf
import keras

n = 32
x = tf.random.normal([n, 2], seed=1)
y = x * 3.0 + 2.0 + tf.random.normal([n, 2], stddev=0.1, seed=2)


class Regressor(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense1 = keras.layers.Dense(8, activation="relu")
        self.out = keras.layers.Dense(2)

    def call(self, inputs):
        return self.out(self.dense1(inputs))


model = Regressor()
model(x[:1])  # build
optimizer = keras.optimizers.SGD(0.01)

for step in range(4):
    with tf.GradientTape() as tape:
        error = model(x, training=True) - y
        loss_value = tf.reduce_mean(tf.square(error))
    grads = tape.gradient(loss_value, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    print("step", step, "loss", float(loss_value))
