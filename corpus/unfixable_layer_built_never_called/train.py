import numpy as np
import tensorflow as tf
from tensorflow import keras


class Encoder(keras.Model):
    def __init__(self):
        super().__init__()
        self.proj = keras.layers.Dense(8, activation="relu")
        self.refine = keras.layers.Dense(8, activation="relu", name="refine")
        self.out = keras.layers.Dense(1)

    def build(self, input_shape):
        self.proj.build(input_shape)
        self.refine.build((None, 8))
        self.out.build((None, 8))

    def call(self, x):
        h = self.proj(x)
        return self.out(h)


rng = np.random.default_rng(34)
x = rng.normal(size=(32, 5)).astype("float32")
y = np.tanh(x[:, :1]).astype("float32")
model = Encoder()
model.build((None, 5))
optimizer = keras.optimizers.SGD(0.05)
for epoch in range(20):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", float(loss))
