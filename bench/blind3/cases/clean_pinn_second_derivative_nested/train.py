"""PINN for the harmonic oscillator u'' + u = 0, u(0)=0, u'(0)=1 with nested tapes and a
watched collocation tensor (second derivatives)."""
import numpy as np
import tensorflow as tf
import keras

keras.utils.set_random_seed(72)
net = keras.Sequential([keras.Input((1,)), keras.layers.Dense(20, activation="tanh"),
                        keras.layers.Dense(20, activation="tanh"), keras.layers.Dense(1)])
x_col = tf.constant(np.linspace(0, 3, 50, dtype="float32")[:, None])
x0 = tf.zeros((1, 1))
opt = keras.optimizers.Adam(3e-3)


def derivs(x):
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            u = net(x)
        u_x = t1.gradient(u, x)
    u_xx = t2.gradient(u_x, x)
    return u, u_x, u_xx


@tf.function
def step():
    with tf.GradientTape() as tape:
        u, _, u_xx = derivs(x_col)
        u0, u0_x, _ = derivs(x0)
        loss = tf.reduce_mean(tf.square(u_xx + u)) + tf.reduce_sum(tf.square(u0)) + tf.reduce_sum(tf.square(u0_x - 1.0))
    grads = tape.gradient(loss, net.trainable_variables)
    opt.apply_gradients(zip(grads, net.trainable_variables))
    return loss


for i in range(20):
    loss = step()
    if i % 5 == 0:
        print(i, float(loss))
