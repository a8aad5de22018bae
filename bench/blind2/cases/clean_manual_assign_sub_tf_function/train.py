import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(105)
np.random.seed(105)

X = tf.constant(np.random.randn(200, 3), tf.float32)
y = tf.matmul(X, tf.constant([[1.0], [-1.0], [2.0]])) + 0.5
W = tf.Variable(tf.zeros((3, 1)))
b = tf.Variable(0.0)
lr = tf.constant(0.1)


@tf.function
def sgd_step(x, t):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(tf.matmul(x, W) + b - t))
    dW, db = tape.gradient(loss, [W, b])
    W.assign_sub(lr * dW)
    b.assign_sub(lr * db)
    return loss


for epoch in range(5):
    print("epoch", epoch, float(sgd_step(X, y)))
