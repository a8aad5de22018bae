"""Fit a step schedule: the number of warm-up steps is scale * t, offset is added afterwards."""
import numpy as np
import tensorflow as tf

t = tf.constant(np.arange(1, 21, dtype=np.float32))
target = 0.75 * t + 2.0

scale = tf.Variable(0.5, name="scale")
offset = tf.Variable(0.0, name="offset")
optimizer = tf.keras.optimizers.SGD(learning_rate=1e-3)

for step in range(100):
    with tf.GradientTape() as tape:
        steps = tf.cast(scale * t, tf.float32)
        pred = tf.cast(steps, tf.float32) + offset
        loss = tf.reduce_mean((pred - target) ** 2)
    grads = tape.gradient(loss, [scale, offset])
    optimizer.apply_gradients(zip(grads, [scale, offset]))
print(scale.numpy(), offset.numpy())
