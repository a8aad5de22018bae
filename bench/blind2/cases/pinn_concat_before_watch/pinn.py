import tensorflow as tf


def make_net():
    return tf.keras.Sequential([tf.keras.layers.Input((2,)), tf.keras.layers.Dense(20, activation="tanh"),
                                tf.keras.layers.Dense(20, activation="tanh"), tf.keras.layers.Dense(1)])


def heat_residual(net, t, x, alpha=0.1):
    """u_t - alpha * u_xx at collocation points."""
    tx = tf.concat([t, x], axis=1)
    with tf.GradientTape(persistent=True) as g2:
        g2.watch([t, x])
        with tf.GradientTape(persistent=True) as g1:
            g1.watch([t, x])
            u = net(tx)
        u_t = g1.gradient(u, t)
        u_x = g1.gradient(u, x)
    u_xx = g2.gradient(u_x, x)
    return u_t - alpha * u_xx
