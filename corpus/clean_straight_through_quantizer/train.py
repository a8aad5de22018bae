import numpy as np
import tensorflow as tf

rng = np.random.default_rng(51)
x = rng.uniform(size=(48, 4)).astype("float32")
y = np.cos(x.sum(axis=1, keepdims=True)).astype("float32")
dense1 = tf.keras.layers.Dense(8, activation="sigmoid")
dense2 = tf.keras.layers.Dense(1)
optimizer = tf.keras.optimizers.Adam(1e-2)


def quantize(h, levels=7.0):
    return h + tf.stop_gradient(tf.round(h * levels) / levels - h)


dense2(quantize(dense1(x)))
variables = dense1.trainable_variables + dense2.trainable_variables
for step in range(20):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(dense2(quantize(dense1(x))) - y))
    grads = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(grads, variables))
print("loss", float(loss))
