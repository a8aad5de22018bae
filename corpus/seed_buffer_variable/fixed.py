import tensorflow as tf

# Incorrect implementation
w = tf.Variable(tf.random.normal(shape=(5,)))
buf = tf.Variable(tf.zeros(shape=(5,)))

with tf.GradientTape() as tape:
    buf_t = w             # copy the weights into a work buffer
    buf_t = tf.tensor_scatter_nd_update(buf_t, [[3]], [0.0])        # then zero two entries in place
    buf_t = tf.tensor_scatter_nd_update(buf_t, [[4]], [0.0])
    loss = tf.reduce_sum(buf_t**2)

gradients = tape.gradient(loss, w) # Error here

print(gradients)
