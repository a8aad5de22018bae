import numpy as np
import tensorflow as tf
from tensorflow import keras

np.random.seed(3)
x = np.random.randn(48, 5).astype(np.float32)
y = (np.random.rand(48, 1) > 0.5).astype(np.float32)

inp = keras.Input(shape=(5,))
h = keras.layers.Dense(8, activation="relu")(inp)
out = keras.layers.Dense(1, activation="sigmoid")(h)
model = keras.Model(inp, out)
opt = keras.optimizers.Adam(1e-3)


def weighted_bce(y_true, y_prob, pos_weight=2.0):
    p = np.clip(y_prob.numpy(), 1e-7, 1 - 1e-7)
    return -tf.reduce_mean(pos_weight * y_true * np.log(p) + (1 - y_true) * np.log(1 - p))


for epoch in range(30):
    with tf.GradientTape() as tape:
        loss = weighted_bce(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_weights)
    opt.apply_gradients(zip(grads, model.trainable_weights))
print("loss", float(loss))
