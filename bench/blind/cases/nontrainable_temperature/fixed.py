"""Logistic model with a learned temperature, written as a tf.Module."""
import numpy as np
import tensorflow as tf
import keras

rng = np.random.default_rng(0)
x = rng.normal(size=(64, 3)).astype("float32")
y = (x @ np.array([[2.0], [-1.0], [0.5]]) > 0).astype("float32")


class TempScaledLogReg(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(tf.zeros((3, 1)), name="w")
        self.b = tf.Variable(tf.zeros((1,)), name="b")
        self.temperature = tf.Variable(1.0, name="temperature")

    def __call__(self, x):
        return tf.sigmoid((x @ self.w + self.b) / self.temperature)

    def parameters(self):
        return [self.w, self.b, self.temperature]


model = TempScaledLogReg()
opt = keras.optimizers.SGD(0.5)
bce = keras.losses.BinaryCrossentropy()
for step in range(4):
    params = model.parameters()
    with tf.GradientTape() as tape:
        loss = bce(y, model(x))
    grads = tape.gradient(loss, params)
    opt.apply_gradients(zip(grads, params))
    print("step", step, "loss", float(loss), "T", float(model.temperature))
