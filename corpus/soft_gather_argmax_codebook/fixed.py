import numpy as np
import tensorflow as tf

rng = np.random.default_rng(17)
x = rng.normal(size=(32, 4)).astype("float32")
y = np.tanh(x[:, :2]).astype("float32")

K = 5
encoder = tf.keras.layers.Dense(K)
codebook = tf.Variable(tf.random.normal([K, 2]), name="codebook")
opt = tf.keras.optimizers.Adam(1e-2)
encoder(x)
variables = encoder.trainable_variables + [codebook]

for step in range(100):
    with tf.GradientTape() as tape:
        scores = encoder(x)
        out = tf.matmul(tf.nn.softmax(scores, axis=-1), codebook)
        loss = tf.reduce_mean(tf.square(out - y))
    grads = tape.gradient(loss, variables)
    opt.apply_gradients(zip(grads, variables))
print("loss", float(loss))
