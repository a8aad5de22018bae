import numpy as np
import tensorflow as tf

rng = np.random.default_rng(11)
X = rng.normal(size=(32, 3)).astype(np.float32)
Y = X @ np.array([[0.5], [1.5], [-1.0]], dtype=np.float32) + 3.0

W = tf.Variable(tf.random.normal([3, 1]), name="W")
b = tf.Variable(tf.zeros([1], dtype=tf.float32), name="b")
optimizer = tf.keras.optimizers.Adam(0.05)


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        out = tf.matmul(x, W) + tf.cast(b, tf.float32)
        loss = tf.reduce_mean(tf.square(out - y))
    grads = tape.gradient(loss, [W, b])
    optimizer.apply_gradients(zip(grads, [W, b]))
    return loss


for epoch in range(30):
    loss = train_step(X, Y)
print("loss", loss.numpy())
