"""Fit u(x) with u' = cos(x), u(0) = 0 by a tiny PINN."""
import numpy as np
import tensorflow as tf

x = tf.constant(np.linspace(0, np.pi, 32, dtype="float32").reshape(-1, 1))
x0 = tf.zeros((1, 1))
net = tf.keras.Sequential([
    tf.keras.Input(shape=(1,)),
    tf.keras.layers.Dense(16, activation="tanh"),
    tf.keras.layers.Dense(1),
])
opt = tf.keras.optimizers.Adam(1e-2)

for it in range(100):
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(x)
            u = net(x)
        u_x = inner.gradient(u, x)
        residual = u_x - tf.cos(x)
        loss = tf.reduce_mean(tf.square(residual)) + tf.reduce_mean(tf.square(net(x0)))
    grads = outer.gradient(loss, net.trainable_variables)
    opt.apply_gradients(zip(grads, net.trainable_variables))
print("loss", float(loss))
