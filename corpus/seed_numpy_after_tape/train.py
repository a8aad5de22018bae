import tensorflow as tf
import numpy as np

# Incorrect implementation
w = tf.Variable(1.0)
x = tf.constant(2.0)

with tf.GradientTape() as tape:
    y = w * x
    loss = y**2

loss_np = loss.numpy() # Convert to Numpy Array outside the GradientTape
scaled_loss = np.sqrt(loss_np) # Apply Numpy operation to it
gradients = tape.gradient(scaled_loss, w)

print(gradients)
