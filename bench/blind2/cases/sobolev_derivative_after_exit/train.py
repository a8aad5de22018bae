import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(7)
np.random.seed(7)

# fit f(x)=sin(3x) using both values and derivatives (Sobolev training)
x_np = np.linspace(-1, 1, 64, dtype="float32")[:, None]
y_np = np.sin(3 * x_np)
dy_np = 3 * np.cos(3 * x_np)

net = tf.keras.Sequential([tf.keras.layers.Input((1,)), tf.keras.layers.Dense(32, activation="tanh"),
                           tf.keras.layers.Dense(32, activation="tanh"), tf.keras.layers.Dense(1)])
opt = tf.keras.optimizers.Adam(5e-3)


def value_and_slope(x):
    with tf.GradientTape() as inner:
        inner.watch(x)
    y = net(x)
    return y, inner.gradient(y, x)


x = tf.constant(x_np)
for step in range(30):
    with tf.GradientTape() as tape:
        y_hat, dy_hat = value_and_slope(x)
        loss = tf.reduce_mean((y_hat - y_np) ** 2) + 0.1 * tf.reduce_mean((dy_hat - dy_np) ** 2)
    grads = tape.gradient(loss, net.trainable_variables)
    opt.apply_gradients(zip(grads, net.trainable_variables))
    if step % 10 == 0:
        print(step, float(loss))
