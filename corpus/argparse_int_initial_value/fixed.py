"""Fit y = a * x + c by gradient descent; hyper-parameters from the command line."""
import argparse

import numpy as np
import tensorflow as tf

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.01)
parser.add_argument("--init", type=int, default=1)
parser.add_argument("--steps", type=int, default=100)
args = parser.parse_args()

x = np.linspace(0, 1, 16).astype("float32")
y = 4.0 * x - 1.0

a = tf.Variable(args.init, name="a", dtype=tf.float32)
c = tf.Variable(0.0, name="c")
optimizer = tf.keras.optimizers.SGD(learning_rate=args.lr)

for step in range(args.steps):
    with tf.GradientTape() as tape:
        pred = tf.cast(a, tf.float32) * x + c
        loss = tf.reduce_mean(tf.square(pred - y))
    grads = tape.gradient(loss, [a, c])
    optimizer.apply_gradients(zip(grads, [a, c]))
print("a =", a.numpy(), "c =", c.numpy())
