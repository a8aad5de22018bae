import numpy as np
import tensorflow as tf

from model import Regressor

rng = np.random.default_rng(25)
x = rng.normal(size=(64, 4)).astype("float32")
y = np.sin(x[:, :1] + x[:, 1:2]).astype("float32")

model = Regressor(hidden=16)
optimizer = tf.keras.optimizers.Adam(1e-2)
for epoch in range(100):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", float(loss))
