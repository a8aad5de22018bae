import numpy as np
import tensorflow as tf2

# initial guess for the polynomial coefficients
coeffs = tf2.Variable(np.array([1, 0, 0]))
xs = np.linspace(-1.0, 1.0, 21).astype(np.float32)
ys = 0.5 * xs ** 2 - 2.0 * xs + 1.0
powers = tf2.constant(np.stack([xs ** 0, xs, xs ** 2], axis=1))

opt = tf2.keras.optimizers.Adam(learning_rate=0.1)
for it in range(200):
    with tf2.GradientTape() as tape:
        pred = tf2.linalg.matvec(powers, tf2.cast(coeffs, tf2.float32))
        loss = tf2.reduce_mean((pred - ys) ** 2)
    grads = tape.gradient(loss, [coeffs])
    opt.apply_gradients(zip(grads, [coeffs]))
print(coeffs.numpy())
