"""A tf.function training step whose loss goes through NumPy and back with tf.constant."""
import numpy as np
import tensorflow as tf

model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
opt = tf.keras.optimizers.SGD(0.05)
xs = tf.random.stateless_normal([32, 3], seed=(5, 6))
ys = tf.reduce_sum(xs, axis=1, keepdims=True)


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        pred = model(x, training=True)
        loss = tf.constant(np.mean(np.square(pred - y)))
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
    return loss


for step in range(10):
    train_step(xs, ys)
