"""tf.Module linear model with a manual SGD update via assign_sub in tf.function."""
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(0)
X = tf.constant(rng.normal(size=(100, 2)).astype("float32"))
Y = X @ tf.constant([[2.0], [-3.0]]) + 1.0


class Linear(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(tf.zeros((2, 1)))
        self.b = tf.Variable(0.0)

    def __call__(self, x):
        return x @ self.w + self.b


model = Linear()


@tf.function
def step(lr):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(X) - Y))
    dw, db = tape.gradient(loss, [model.w, model.b])
    model.w.assign_sub(lr * dw)
    model.b.assign_sub(lr * db)
    return loss


for epoch in range(5):
    print("epoch", epoch, "loss", float(step(tf.constant(0.1))))
