import tensorflow as tf

# Incorrect implementation
w = tf.Variable(tf.random.normal(shape=(5,)))
buf = tf.Variable(tf.zeros(shape=(5,)))

with tf.GradientTape() as tape:
    buf.assign(w)             # copy the weights into a work buffer
    buf[3].assign(0.0)        # then zero two entries in place
    buf[4].assign(0.0)
    loss = tf.reduce_sum(buf**2)

gradients = tape.gradient(loss, w) # Error here

print(gradients)
