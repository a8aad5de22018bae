import numpy as np
import tensorflow as tf

np.random.seed(0)
x = np.random.randn(50, 3).astype(np.float32)
y = (x @ np.array([1.0, 2.0, 3.0], dtype=np.float32))[:, None]

model = tf.keras.Sequential([tf.keras.Input(shape=(3,)), tf.keras.layers.Dense(1)])
opt = tf.keras.optimizers.Adam(0.1)

for epoch in range(100):
    with tf.GradientTape() as tape:
        pred = model(x)
        loss = tf.constant(tf.reduce_mean(tf.abs(pred - y)))
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
print("MAE", loss.numpy())
