import tensorflow as tf

x = tf.constant([1.0, 2.0, 3.0, 4.0])
y = tf.constant([2.0, 4.0, 6.0, 8.0])

w = tf.Variable(0, dtype=tf.float32)

for step in range(20):
    with tf.GradientTape() as tape:
        y_hat = tf.cast(w, tf.float32) * x
        loss = tf.reduce_mean(tf.square(y_hat - y))
    dw = tape.gradient(loss, w)
    print(step, loss.numpy(), dw)
