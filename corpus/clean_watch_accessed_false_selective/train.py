"""Fine-tuning only the head of a from-scratch model: the tape watches the head's weight alone."""
import tensorflow as tf

tf.random.set_seed(5)
backbone_w = tf.Variable(tf.random.normal([6, 8]), name="backbone_w")
head_w = tf.Variable(tf.random.normal([8, 1]), name="head_w")
learning_rate = 0.05
x = tf.random.normal([32, 6])
y = tf.random.normal([32, 1])

for step in range(5):
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(head_w)
        features = tf.tanh(x @ backbone_w)
        loss = tf.reduce_mean(tf.square(features @ head_w - y))
    grad = tape.gradient(loss, head_w)
    head_w.assign_sub(learning_rate * grad)
print("loss", float(loss))
