import numpy as np
import tensorflow as tf

xs = np.linspace(-2, 2, 40).astype("float32")
ys = 3.0 * xs + 1.5 + np.random.default_rng(6).normal(scale=0.1, size=40).astype("float32")

w = tf.Variable(0.0)
b = tf.constant(0.0)
lr = 0.05

for step in range(100):
    with tf.GradientTape() as tape:
        tape.watch(b)
        pred = w * xs + b
        loss = tf.reduce_mean(tf.square(pred - ys))
    dw, db = tape.gradient(loss, [w, b])
    w.assign_sub(lr * dw)
    b = b - lr * db
print("w", float(w), "b", float(b))
