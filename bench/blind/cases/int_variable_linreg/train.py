"""Fit y = w*x + b with tf.Variables and SGD."""
import tensorflow as tf
import keras

w = tf.Variable([5])
b = tf.Variable([7])
x = tf.constant([0, 1, 2, 3, 4, 5])
y = tf.constant([9, 7, 5, 3, 1, -1])


def linear_regression_model(x):
    return w * x + b


def total_loss(x, y):
    return tf.reduce_sum(tf.square(linear_regression_model(x) - y))


opt = keras.optimizers.SGD(0.01)
for i in range(5):
    with tf.GradientTape() as tape:
        loss = total_loss(x, y)
    grads = tape.gradient(loss, [w, b])
    opt.apply_gradients(zip(grads, [w, b]))
print(w.numpy(), b.numpy())
