import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(22)

# y = 3x + 2 fitted from integer measurements
xs = tf.constant(list(range(10)), dtype=tf.float32)
ys = 3 * xs + 2

W = tf.Variable(1.0, name="W")
b = tf.Variable(0.0, name="b")
opt = tf.keras.optimizers.SGD(learning_rate=0.01)

for epoch in range(5):
    with tf.GradientTape() as tape:
        pred = W * xs + b
        loss = tf.reduce_mean(tf.square(pred - ys))
    grads = tape.gradient(loss, [W, b])
    opt.apply_gradients(zip(grads, [W, b]))
    print("epoch", epoch, float(loss), W.numpy(), b.numpy())
