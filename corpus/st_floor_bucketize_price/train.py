import numpy as np
import tensorflow as tf

rng = np.random.default_rng(12)
features = rng.uniform(size=(40, 3)).astype("float32")
prices = np.floor(features @ np.array([[20.0], [5.0], [12.0]], dtype="float32"))

w = tf.Variable(tf.random.normal([3, 1]))
b = tf.Variable(tf.zeros([1]))
opt = tf.keras.optimizers.Adam(0.1)

for epoch in range(200):
    with tf.GradientTape() as tape:
        raw = tf.matmul(features, w) + b
        pred = tf.floor(raw)
        loss = tf.reduce_mean(tf.abs(pred - prices))
    grads = tape.gradient(loss, [w, b])
    opt.apply_gradients(zip(grads, [w, b]))
print("loss", float(loss))
