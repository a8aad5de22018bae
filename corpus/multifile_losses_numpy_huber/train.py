import numpy as np
import tensorflow as tf

from losses import huber

rng = np.random.default_rng(26)
x = rng.normal(size=(64, 3)).astype("float32")
y = (x @ np.array([[1.0], [0.0], [-2.0]], dtype="float32")).astype("float32")
y[::8] += 5.0  # outliers

model = tf.keras.Sequential([tf.keras.Input(shape=(3,)), tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.SGD(0.05)
for epoch in range(100):
    with tf.GradientTape() as tape:
        loss = huber(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", float(loss))
