import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(106)
np.random.seed(106)

real = np.random.normal(1.0, 0.5, size=(96, 3)).astype("float32")
G = tf.keras.Sequential([tf.keras.layers.Input((2,)), tf.keras.layers.Dense(16, activation="relu"), tf.keras.layers.Dense(3)])
C = tf.keras.Sequential([tf.keras.layers.Input((3,)), tf.keras.layers.Dense(16, activation="relu"), tf.keras.layers.Dense(1)])
c_opt = tf.keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9)


def gradient_penalty(real_b, fake_b):
    alpha = tf.random.uniform((tf.shape(real_b)[0], 1))
    interp = real_b + alpha * (fake_b - real_b)
    with tf.GradientTape() as gp_tape:
        gp_tape.watch(interp)
        score = C(interp, training=True)
    g = gp_tape.gradient(score, interp)
    return tf.reduce_mean((tf.norm(g, axis=1) - 1.0) ** 2)


for step in range(4):
    real_b = real[step * 24:(step + 1) * 24]
    fake_b = G(tf.random.normal((24, 2)))
    with tf.GradientTape() as tape:
        c_loss = tf.reduce_mean(C(fake_b)) - tf.reduce_mean(C(real_b)) + 10.0 * gradient_penalty(real_b, fake_b)
    grads = tape.gradient(c_loss, C.trainable_variables)
    c_opt.apply_gradients(zip(grads, C.trainable_variables))
    print("critic step", step, float(c_loss))
