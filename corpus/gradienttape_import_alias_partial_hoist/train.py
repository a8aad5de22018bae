"""Two-layer network on raw variables; the first layer is precomputed 'for speed'."""
import numpy as np
import tensorflow as tf2
from tensorflow import GradientTape

x = tf2.constant(np.random.uniform(-1, 1, size=(50, 2)), dtype=tf2.float32)
y = tf2.constant(np.prod(x.numpy(), axis=1, keepdims=True))

W1 = tf2.Variable(tf2.random.normal((2, 16), stddev=0.5), name="W1")
b1 = tf2.Variable(tf2.zeros((16,)), name="b1")
W2 = tf2.Variable(tf2.random.normal((16, 1), stddev=0.5), name="W2")
b2 = tf2.Variable(tf2.zeros((1,)), name="b2")
params = [W1, b1, W2, b2]
opt = tf2.keras.optimizers.Adam(0.01)

for step in range(100):
    hidden = tf2.nn.relu(tf2.matmul(x, W1) + b1)
    with GradientTape() as tape:
        out = tf2.matmul(hidden, W2) + b2
        loss = tf2.reduce_mean(tf2.square(out - y))
    grads = tape.gradient(loss, params)
    opt.apply_gradients(zip(grads, params))
    if step % 25 == 0:
        print(step, loss.numpy())
