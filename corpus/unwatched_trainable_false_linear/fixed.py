"""Linear regression from scratch; the slope was made non-trainable while experimenting."""
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(0)
xs = rng.normal(size=(64, 1)).astype("float32")
ys = 3.0 * xs + 0.5 + 0.1 * rng.normal(size=(64, 1)).astype("float32")

slope = tf.Variable(tf.zeros([1, 1]), trainable=False, name="slope")
intercept = tf.Variable(tf.zeros([1]), name="intercept")
optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)

for epoch in range(50):
    with tf.GradientTape() as tape:
        tape.watch(slope)
        predictions = tf.matmul(xs, slope) + intercept
        loss = tf.reduce_mean(tf.square(predictions - ys))
    gradients = tape.gradient(loss, [slope, intercept])
    optimizer.apply_gradients(zip(gradients, [slope, intercept]))
    if epoch % 10 == 0:
        print(f"epoch {epoch}: loss {float(loss):.4f}")
