"""Physics-informed net for u'(t) = -u(t), u(0) = 1 on t in [0, 2]."""
import numpy as np
import tensorflow as tf
import keras

u_net = keras.Sequential([keras.Input((1,)), keras.layers.Dense(16, activation="tanh"),
                          keras.layers.Dense(1)])
opt = keras.optimizers.Adam(1e-2)
t_col = tf.constant(np.linspace(0, 2, 32, dtype=np.float32)[:, None])
t0 = tf.zeros((1, 1))


def time_derivative(t):
    with tf.GradientTape() as g:
        g.watch(t)
        u = u_net(t)
    return g.gradient(u, t)


for step in range(4):
    with tf.GradientTape() as tape:
        u = u_net(t_col)
        du_dt = time_derivative(t_col)
        residual = du_dt + u
        loss = tf.reduce_mean(tf.square(residual)) + tf.reduce_mean(tf.square(u_net(t0) - 1.0))
    grads = tape.gradient(loss, u_net.trainable_variables)
    opt.apply_gradients(zip(grads, u_net.trainable_variables))
    print("step", step, "loss", float(loss))
