import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

from pinn import make_net, heat_residual

tf.keras.utils.set_random_seed(34)
np.random.seed(34)

net = make_net()
opt = tf.keras.optimizers.Adam(1e-3)
t_c = tf.constant(np.random.rand(64, 1), tf.float32)
x_c = tf.constant(np.random.uniform(-1, 1, (64, 1)), tf.float32)
x0 = tf.constant(np.linspace(-1, 1, 32)[:, None], tf.float32)
u0 = tf.sin(np.pi * x0)

for step in range(5):
    with tf.GradientTape() as tape:
        r = heat_residual(net, t_c, x_c)
        ic = net(tf.concat([tf.zeros_like(x0), x0], axis=1)) - u0
        loss = tf.reduce_mean(r ** 2) + tf.reduce_mean(ic ** 2)
    grads = tape.gradient(loss, net.trainable_variables)
    opt.apply_gradients(zip(grads, net.trainable_variables))
    print("step", step, float(loss))
