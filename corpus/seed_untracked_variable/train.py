import tensorflow as tf

# Incorrect implementation
w = tf.Variable(1.0) # Create a trainable variable
x = tf.constant(2.0)
y = w * x           # Computation outside GradientTape

with tf.GradientTape() as tape:
    loss = y ** 2
gradients = tape.gradient(loss, w) # Error here. w was not used in tape

print(gradients)
