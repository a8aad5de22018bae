import tensorflow as tf

# Incorrect implementation
w = tf.Variable(tf.random.normal(shape=(5,)))

with tf.GradientTape() as tape:
    # Attempting non-differentiable operation
    w_slice = w[:3] # Slice extraction is differentiable
    modified_w = tf.tensor_scatter_nd_update(w, [[3],[4]], [0.0,0.0])  # Assign values using non-differentiable approach
    loss = tf.reduce_sum(modified_w**2)

gradients = tape.gradient(loss, w) # Error here

print(gradients)
