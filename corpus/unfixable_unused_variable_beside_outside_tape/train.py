# A two-part model where the second part is frozen by simply leaving it out of the loss, plus the
# classic bug: the forward pass is computed before the tape starts.
import tensorflow as tf

w = tf.Variable(1.0, name="w")
head_b = tf.Variable(2.0, name="head_b")  # the second head: not trained in this phase
x = tf.constant(2.0)
y = w * x

with tf.GradientTape() as tape:
    loss = (y - 3.0) ** 2

grads = tape.gradient(loss, [w, head_b])
print(grads)
