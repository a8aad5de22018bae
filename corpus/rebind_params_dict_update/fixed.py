import numpy as np
import tensorflow as tf

rng = np.random.default_rng(53)
X = rng.normal(size=(64, 3)).astype("float32")
Y = np.tanh(X[:, :1] - X[:, 2:]).astype("float32")

params = {
    "W1": tf.Variable(tf.random.normal([3, 8], stddev=0.3)),
    "b1": tf.Variable(tf.zeros([8])),
    "W2": tf.Variable(tf.random.normal([8, 1], stddev=0.3)),
    "b2": tf.Variable(tf.zeros([1])),
}
lr = 0.1

for step in range(100):
    with tf.GradientTape() as tape:
        h = tf.nn.relu(X @ params["W1"] + params["b1"])
        loss = tf.reduce_mean(tf.square(h @ params["W2"] + params["b2"] - Y))
    grads = tape.gradient(loss, params)
    for name in params:
        params[name].assign_sub(lr * grads[name])
print("loss", float(loss))
