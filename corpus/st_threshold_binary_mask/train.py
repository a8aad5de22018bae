import numpy as np
import tensorflow as tf

rng = np.random.default_rng(14)
X = rng.normal(size=(60, 6)).astype("float32")
Y = (X[:, 0] - 2 * X[:, 3]).reshape(-1, 1).astype("float32")

mask_logits = tf.Variable(tf.random.normal([6], stddev=0.5), name="mask_logits")
head = tf.Variable(tf.random.normal([6, 1], stddev=0.1), name="head")
opt = tf.keras.optimizers.Adam(0.05)

for step in range(100):
    with tf.GradientTape() as tape:
        probs = tf.sigmoid(mask_logits)
        mask = tf.cast(probs > 0.5, tf.float32)
        pred = tf.matmul(X * mask, head)
        loss = tf.reduce_mean(tf.square(pred - Y))
    grads = tape.gradient(loss, [mask_logits, head])
    opt.apply_gradients(zip(grads, [mask_logits, head]))
print("selected", mask.numpy())
