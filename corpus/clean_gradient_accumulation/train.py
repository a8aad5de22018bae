import numpy as np
import tensorflow as tf

rng = np.random.default_rng(42)
x = rng.normal(size=(64, 5)).astype("float32")
y = (x[:, :1] - x[:, 4:]).astype("float32")
model = tf.keras.Sequential([tf.keras.Input(shape=(5,)), tf.keras.layers.Dense(8, activation="relu"), tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.Adam(1e-3)
ACCUM = 4

for epoch in range(3):
    accum = [tf.zeros_like(v) for v in model.trainable_variables]
    for i in range(ACCUM):
        xb, yb = x[i * 16:(i + 1) * 16], y[i * 16:(i + 1) * 16]
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(xb, training=True) - yb)) / ACCUM
        grads = tape.gradient(loss, model.trainable_variables)
        accum = [a + g for a, g in zip(accum, grads)]
    optimizer.apply_gradients(zip(accum, model.trainable_variables))
print("done")
