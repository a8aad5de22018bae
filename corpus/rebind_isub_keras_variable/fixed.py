import keras
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(8)
X = rng.normal(size=(50, 3)).astype("float32")
y = (X[:, :1] - X[:, 1:2] > 0).astype("float32")

w = keras.Variable(np.zeros((3, 1), dtype="float32"), name="w")
b = keras.Variable(0.0, name="b")
lr = 0.5

for epoch in range(30):
    with tf.GradientTape() as tape:
        p = tf.sigmoid(tf.matmul(X, w) + b)
        loss = -tf.reduce_mean(y * tf.math.log(p + 1e-7) + (1 - y) * tf.math.log(1 - p + 1e-7))
    gw, gb = tape.gradient(loss, [w, b])
    w.assign_sub(lr * gw)
    b.assign_sub(lr * gb)
print("loss", float(loss))
