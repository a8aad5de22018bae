import numpy as np
import tensorflow as tf

rng = np.random.default_rng(18)
L = 16
signals = rng.normal(scale=0.1, size=(24, L)).astype("float32")
peaks = rng.integers(0, L, size=24)
signals[np.arange(24), peaks] += 1.0
target = peaks.astype("float32")

net = tf.keras.Sequential([
    tf.keras.Input(shape=(L,)),
    tf.keras.layers.Dense(32, activation="relu"),
    tf.keras.layers.Dense(L),
])
opt = tf.keras.optimizers.Adam(1e-3)

for step in range(100):
    with tf.GradientTape() as tape:
        heatmap = net(signals)
        position = tf.cast(tf.argmax(heatmap, axis=-1), tf.float32)
        loss = tf.reduce_mean(tf.abs(position - target))
    grads = tape.gradient(loss, net.trainable_variables)
    opt.apply_gradients(zip(grads, net.trainable_variables))
print("loss", float(loss))
