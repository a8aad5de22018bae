"""Linear regression with a manual gradient-descent update."""
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(0)
X = rng.normal(size=(100, 1)).astype("float32")
Y = 3.0 * X + 2.0 + 0.1 * rng.normal(size=(100, 1)).astype("float32")

W = tf.Variable(tf.random.normal((1, 1), seed=0))
b = tf.Variable(tf.zeros((1,)))
learning_rate = 0.1

for epoch in range(5):
    with tf.GradientTape() as tape:
        pred = X @ W + b
        loss = tf.reduce_mean(tf.square(pred - Y))
    dW, db = tape.gradient(loss, [W, b])
    W.assign_sub(learning_rate * dW)
    b.assign_sub(learning_rate * db)
    print("epoch", epoch, "loss", float(loss))
