import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(30)
np.random.seed(30)

X = np.random.rand(120, 6).astype("float32")
y = (X.sum(axis=1, keepdims=True) + 0.05 * np.random.randn(120, 1)).astype("float32")

model = tf.keras.Sequential([tf.keras.layers.Input((6,)), tf.keras.layers.Dense(12, activation="relu"),
                             tf.keras.layers.Dense(1)])
opt = tf.keras.optimizers.Adam(1e-2)
mse = tf.keras.metrics.MeanSquaredError()

for epoch in range(3):
    for i in range(0, 120, 40):
        with tf.GradientTape() as tape:
            pred = model(X[i:i + 40], training=True)
            mse.reset_state()
            mse.update_state(y[i:i + 40], pred)
            loss = mse.result()
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
    print("epoch", epoch, float(loss))
