import numpy as np
import tensorflow as tf

rng = np.random.default_rng(7)
X = rng.normal(size=(64, 2)).astype("float32")
Y = X @ np.array([[1.5], [-0.5]], dtype="float32") + 0.3

w = tf.Variable(tf.zeros((2, 1)))
b = tf.Variable(0.0)
lr = 0.1

for step in range(50):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(X @ w + b - Y))
    dw, db = tape.gradient(loss, [w, b])
    w.assign_sub(lr * dw)
    b.assign_sub(lr * db)
print("loss", float(loss))
