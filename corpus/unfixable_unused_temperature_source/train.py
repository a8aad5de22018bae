import numpy as np
import tensorflow as tf

rng = np.random.default_rng(36)
x = rng.normal(size=(40, 4)).astype("float32")
y = (x[:, 0] > 0).astype("int32")

W = tf.Variable(tf.random.normal([4, 2], stddev=0.1), name="W")
b = tf.Variable(tf.zeros([2]), name="b")
temperature = tf.Variable(1.0, name="temperature")
params = [W, b, temperature]
optimizer = tf.keras.optimizers.Adam(1e-2)

for step in range(30):
    with tf.GradientTape() as tape:
        logits = tf.matmul(x, W) + b
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    grads = tape.gradient(loss, params)
    optimizer.apply_gradients(zip(grads, params))
print("loss", float(loss))
