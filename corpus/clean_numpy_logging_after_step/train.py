import numpy as np
import tensorflow as tf

w = tf.Variable(np.random.randn(3, 1).astype("float32"))
b = tf.Variable(0.0)
x = np.random.randn(25, 3).astype("float32")
y = x @ np.array([[2.0], [0.0], [-1.0]], dtype="float32") + 0.5
optimizer = tf.keras.optimizers.Adam(0.05)
losses = []

for step in range(200):
    with tf.GradientTape() as tape:
        pred = x @ w + b
        loss = tf.reduce_mean((pred - y) ** 2)
    grads = tape.gradient(loss, [w, b])
    optimizer.apply_gradients(zip(grads, [w, b]))
    losses.append(loss.numpy())
    if step % 50 == 0:
        print(step, np.mean(losses[-10:]), np.sqrt(loss.numpy()), float(b))
