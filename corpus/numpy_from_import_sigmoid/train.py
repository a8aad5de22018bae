import tensorflow as tf
from numpy import exp
from numpy.random import default_rng

rng = default_rng(42)
features = rng.normal(size=(100, 3)).astype("float32")
labels = (features @ [1.0, -1.0, 2.0] > 0).astype("float32")[:, None]

weights = tf.Variable(tf.zeros((3, 1)))
bias = tf.Variable(tf.zeros((1,)))
optimizer = tf.keras.optimizers.SGD(learning_rate=0.5)


def sigmoid(z):
    return 1.0 / (1.0 + exp(-z))


for epoch in range(200):
    with tf.GradientTape() as tape:
        probs = sigmoid(tf.matmul(features, weights) + bias)
        loss = tf.reduce_mean(tf.keras.losses.binary_crossentropy(labels, probs))
    grads = tape.gradient(loss, [weights, bias])
    optimizer.apply_gradients(zip(grads, [weights, bias]))
print("loss:", float(loss))
