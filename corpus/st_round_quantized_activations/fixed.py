import numpy as np
import tensorflow as tf

rng = np.random.default_rng(11)
x = rng.uniform(size=(64, 4)).astype("float32")
y = np.sin(x.sum(axis=1, keepdims=True)).astype("float32")

dense1 = tf.keras.layers.Dense(8, activation="sigmoid")
dense2 = tf.keras.layers.Dense(1)
optimizer = tf.keras.optimizers.Adam(1e-2)
LEVELS = 7.0


def model(inputs):
    h = dense1(inputs)
    h = h + tf.stop_gradient(tf.round(h * LEVELS) / LEVELS - h)
    return dense2(h)


model(x)
variables = dense1.trainable_variables + dense2.trainable_variables
for epoch in range(100):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(grads, variables))
print("loss", float(loss))
