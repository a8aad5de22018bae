import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(31)
np.random.seed(31)

# two-class logistic regression with hand-written gradient descent
X = np.random.randn(200, 2).astype("float32")
y = (X[:, 0] - X[:, 1] > 0).astype("float32")[:, None]

W = tf.Variable(tf.random.normal((2, 1), stddev=0.1), name="W")
b = tf.Variable(tf.zeros(1), name="b")
lr = 0.5

for epoch in range(5):
    with tf.GradientTape() as tape:
        logits = tf.matmul(X, W) + b
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
    dW, db = tape.gradient(loss, [W, b])
    W.assign_sub(lr * dW)
    b.assign_sub(lr * db)
    print("epoch", epoch, float(loss))
