import numpy as np
import tensorflow as tf
from tensorflow import keras


class MultiTaskNet(keras.Model):
    def __init__(self):
        super().__init__()
        self.trunk = keras.layers.Dense(16, activation="relu")
        self.main_head = keras.layers.Dense(1)
        self.aux_head = keras.layers.Dense(3)

    def call(self, x):
        h = self.trunk(x)
        return self.main_head(h), self.aux_head(h)


rng = np.random.default_rng(33)
x = rng.normal(size=(32, 4)).astype("float32")
y = x.sum(axis=1, keepdims=True).astype("float32")

model = MultiTaskNet()
optimizer = keras.optimizers.Adam(1e-2)
for epoch in range(20):
    with tf.GradientTape() as tape:
        main_out, aux_out = model(x, training=True)
        loss = tf.reduce_mean(tf.square(main_out - y))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", float(loss))
