import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(107)
np.random.seed(107)

# solve u' = -2u, u(0)=1 on [0, 1]
net = tf.keras.Sequential([tf.keras.layers.Input((1,)), tf.keras.layers.Dense(16, activation="tanh"),
                           tf.keras.layers.Dense(1)])
opt = tf.keras.optimizers.Adam(1e-2)
t = tf.constant(np.linspace(0, 1, 50)[:, None], tf.float32)
t0 = tf.zeros((1, 1))

for step in range(6):
    with tf.GradientTape() as tape:
        with tf.GradientTape() as t_tape:
            t_tape.watch(t)
            u = net(t)
        du_dt = t_tape.gradient(u, t)
        loss = tf.reduce_mean((du_dt + 2.0 * u) ** 2) + tf.reduce_mean((net(t0) - 1.0) ** 2)
    grads = tape.gradient(loss, net.trainable_variables)
    opt.apply_gradients(zip(grads, net.trainable_variables))
    print("step", step, float(loss))
