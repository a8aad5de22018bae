"""Hand-rolled RNN that stores each hidden state into a preallocated buffer."""
import numpy as np
import tensorflow as tf

T, D, H = 6, 3, 5
rng = np.random.default_rng(0)
sequence = tf.constant(rng.normal(size=(T, D)), dtype=tf.float32)
targets = tf.constant(rng.normal(size=(T, H)), dtype=tf.float32)

Wx = tf.Variable(tf.random.normal((D, H), stddev=0.3), name="Wx")
Wh = tf.Variable(tf.random.normal((H, H), stddev=0.3), name="Wh")
outputs = tf.Variable(tf.zeros((T, H)), trainable=False)
optimizer = tf.keras.optimizers.Adam(0.01)

for epoch in range(100):
    with tf.GradientTape() as tape:
        h = tf.zeros((H,))
        outputs_t = tf.identity(outputs)
        for t in range(T):
            h = tf.tanh(tf.linalg.matvec(Wx, sequence[t], transpose_a=True)
                        + tf.linalg.matvec(Wh, h, transpose_a=True))
            outputs_t = tf.tensor_scatter_nd_update(outputs_t, [[t]], [h])
        loss = tf.reduce_mean(tf.square(outputs_t - targets))
    grads = tape.gradient(loss, [Wx, Wh])
    optimizer.apply_gradients(zip(grads, [Wx, Wh]))
print("loss", loss.numpy())
