import numpy as np
import tensorflow as tf

rng = np.random.default_rng(49)
x = rng.normal(size=(16, 6, 2)).astype("float32")
y = x.sum(axis=(1, 2)).reshape(-1, 1).astype("float32")
model = tf.keras.Sequential([tf.keras.Input(shape=(6, 2)), tf.keras.layers.GRU(8), tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.Adam(1e-2)

for step in range(10):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    grads, norm = tf.clip_by_global_norm(grads, 1.0)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", float(loss), "norm", float(norm))
