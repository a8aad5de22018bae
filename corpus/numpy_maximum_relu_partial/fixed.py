import numpy as np
import tensorflow as tf

rng = np.random.RandomState(0)
x = rng.uniform(-2, 2, size=(64, 1)).astype("float32")
y = np.abs(x) + 0.1 * rng.randn(64, 1).astype("float32")

W1 = tf.Variable(rng.randn(1, 10).astype("float32"))
b1 = tf.Variable(np.zeros(10, dtype="float32"))
W2 = tf.Variable(rng.randn(10, 1).astype("float32") * 0.1)
b2 = tf.Variable(np.zeros(1, dtype="float32"))
variables = [W1, b1, W2, b2]
optimizer = tf.keras.optimizers.Adam(learning_rate=0.02)


def forward(inputs):
    hidden = tf.maximum(tf.matmul(inputs, W1) + b1, 0.0)
    return tf.matmul(hidden, W2) + b2


for step in range(150):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(forward(x) - y))
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))
print("final loss", loss.numpy())
