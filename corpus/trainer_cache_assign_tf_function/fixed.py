"""Two-tower (query/document) retrieval trainer that caches the query embeddings in a variable."""
import numpy as np
import tensorflow as tf
from tensorflow import keras


class Tower(keras.Model):
    def __init__(self, dim):
        super().__init__()
        self.dense = keras.layers.Dense(dim, activation="tanh")

    def call(self, x):
        return self.dense(x)


class TwoTowerTrainer:
    def __init__(self, dim=4, batch=8):
        self.query_tower = Tower(dim)
        self.doc_tower = Tower(dim)
        self.optimizer = keras.optimizers.Adam(1e-3)
        self.query_cache = tf.Variable(tf.zeros((batch, dim)), trainable=False)

    @tf.function
    def train_step(self, queries, docs):
        with tf.GradientTape() as tape:
            query_cache_t = self.query_tower(queries)
            doc_emb = self.doc_tower(docs)
            loss = tf.reduce_mean(tf.reduce_sum(tf.square(query_cache_t - doc_emb), axis=1))
        variables = self.query_tower.trainable_variables + self.doc_tower.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return loss


rng = np.random.default_rng(9)
q = rng.normal(size=(8, 5)).astype("float32")
d = q + 0.1 * rng.normal(size=(8, 5)).astype("float32")
trainer = TwoTowerTrainer()
for epoch in range(10):
    loss = trainer.train_step(q, d)
print("loss", float(loss))
