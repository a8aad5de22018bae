import numpy as np
import tensorflow as tf

# learn a potential energy E(r) whose forces F = -dE/dr match the data
rng = np.random.default_rng(7)
r_np = rng.uniform(0.8, 2.0, size=(64, 1)).astype("float32")
F_true = (12 / r_np ** 13 - 6 / r_np ** 7).astype("float32")  # LJ forces

energy = tf.keras.Sequential([
    tf.keras.layers.Dense(32, activation="tanh"),
    tf.keras.layers.Dense(1, use_bias=False),  # a constant energy offset has no force
])
opt = tf.keras.optimizers.Adam(1e-3)
r = tf.constant(r_np)

for it in range(10):
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            E = energy(r)
        dE_dr = inner.gradient(E, r)
        F_pred = -dE_dr
        loss = tf.reduce_mean(tf.square(F_pred - F_true))
    grads = outer.gradient(loss, energy.trainable_variables)
    opt.apply_gradients(zip(grads, energy.trainable_variables))
print("loss", float(loss))
