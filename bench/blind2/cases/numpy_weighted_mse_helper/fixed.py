import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(8)
np.random.seed(8)

X = np.random.randn(200, 5).astype("float32")
true_w = np.array([[1.5], [-2.0], [0.5], [0.0], [1.0]], dtype="float32")
y = X @ true_w + 0.1 * np.random.randn(200, 1).astype("float32")
sample_w = np.where(np.abs(y) > 1.0, 2.0, 1.0).astype("float32")

model = tf.keras.Sequential([tf.keras.layers.Input((5,)), tf.keras.layers.Dense(8, activation="relu"),
                             tf.keras.layers.Dense(1)])
opt = tf.keras.optimizers.SGD(0.05)


def weighted_mse(y_true, y_pred, w):
    err = (y_true - y_pred) ** 2
    return tf.reduce_sum(w * err) / tf.reduce_sum(w)


for epoch in range(4):
    for i in range(0, 200, 50):
        xb, yb, wb = X[i:i + 50], y[i:i + 50], sample_w[i:i + 50]
        with tf.GradientTape() as tape:
            pred = model(xb, training=True)
            loss = weighted_mse(yb, pred, wb)
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
    print("epoch", epoch, float(loss))
