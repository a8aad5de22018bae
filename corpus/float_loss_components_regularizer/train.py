import numpy as np
import tensorflow as tf

rng = np.random.RandomState(8)
A = rng.randn(20, 5).astype("float32")
b = rng.randn(20).astype("float32")

theta = tf.Variable(tf.zeros(5), name="theta")
l2 = 0.1
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)


def objective(params):
    residual = tf.linalg.matvec(A, params) - b
    data_term = tf.reduce_sum(residual ** 2)
    penalty = tf.reduce_sum(params ** 2)
    return tf.constant(float(data_term) + l2 * float(penalty))


for step in range(100):
    with tf.GradientTape() as tape:
        loss = objective(theta)
    grad = tape.gradient(loss, theta)
    optimizer.apply_gradients([(grad, theta)])
print("theta", theta.numpy())
