import numpy as onp
import tensorflow as tf


def rmse(y_true, y_pred):
    return onp.sqrt(onp.mean((y_true - y_pred) ** 2))


def predict(params, x):
    w, b = params
    return x * w + b


onp.random.seed(0)
xs = onp.random.rand(20).astype("float32")
ys = 2.5 * xs + 0.7 + 0.05 * onp.random.randn(20).astype("float32")

w = tf.Variable(0.1)
b = tf.Variable(0.0)
learning_rate = 0.1

for step in range(50):
    with tf.GradientTape() as tape:
        loss = rmse(ys, predict((w, b), xs))
    dw, db = tape.gradient(loss, [w, b])
    w.assign_sub(learning_rate * dw)
    b.assign_sub(learning_rate * db)
print(w.numpy(), b.numpy())
