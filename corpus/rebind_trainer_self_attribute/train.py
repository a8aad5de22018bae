import numpy as np
import tensorflow as tf


class MFTrainer:
    def __init__(self, n_users, n_items, rank=3, lr=0.5):
        init = tf.random.normal
        self.U = tf.Variable(init([n_users, rank], stddev=0.1))
        self.V = tf.Variable(init([n_items, rank], stddev=0.1))
        self.lr = lr

    def loss(self, ratings, mask):
        pred = tf.matmul(self.U, self.V, transpose_b=True)
        return tf.reduce_sum(mask * tf.square(pred - ratings)) / tf.reduce_sum(mask)

    def step(self, ratings, mask):
        with tf.GradientTape() as tape:
            loss = self.loss(ratings, mask)
        gU, gV = tape.gradient(loss, [self.U, self.V])
        self.U = self.U - self.lr * gU
        self.V = self.V - self.lr * gV
        return loss


rng = np.random.default_rng(10)
ratings = rng.integers(1, 6, size=(6, 5)).astype("float32")
mask = (rng.uniform(size=(6, 5)) < 0.6).astype("float32")
trainer = MFTrainer(6, 5)
for epoch in range(20):
    loss = trainer.step(ratings, mask)
print("loss", float(loss))
