"""Pruning-style update: a weight entry is zeroed in place inside the tape, then the weight is used."""
import tensorflow as tf

w = tf.Variable(tf.random.normal(shape=(5,)))
x = tf.constant([1.0, 2.0, 3.0, 4.0, 5.0])
optimizer = tf.keras.optimizers.SGD(0.01)

for step in range(10):
    with tf.GradientTape() as tape:
        w[3].assign(0.0)                 # keep the pruned entry at zero
        loss = tf.square(tf.reduce_sum(w * x) - 1.0)
    grads = tape.gradient(loss, [w])
    optimizer.apply_gradients(zip(grads, [w]))
print(w.numpy())
