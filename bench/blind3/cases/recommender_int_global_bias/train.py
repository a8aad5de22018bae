"""Matrix-factorisation recommender (user/item embeddings + biases) trained with a
custom loop on (user, item, rating) triples."""
import numpy as np
import tensorflow as tf
import keras

keras.utils.set_random_seed(6)
n_users, n_items, k = 30, 40, 6
users = np.random.randint(0, n_users, 600).astype("int32")
items = np.random.randint(0, n_items, 600).astype("int32")
ratings = np.clip(np.round(3 + np.random.normal(size=600)), 1, 5).astype("float32")
ds = tf.data.Dataset.from_tensor_slices((users, items, ratings)).shuffle(600, seed=0).batch(100)


class MF(keras.Model):
    def __init__(self):
        super().__init__()
        self.user_emb = keras.layers.Embedding(n_users, k, embeddings_initializer=keras.initializers.RandomNormal(stddev=0.1))
        self.item_emb = keras.layers.Embedding(n_items, k, embeddings_initializer=keras.initializers.RandomNormal(stddev=0.1))
        self.user_bias = keras.layers.Embedding(n_users, 1, embeddings_initializer="zeros")
        self.item_bias = keras.layers.Embedding(n_items, 1, embeddings_initializer="zeros")

    def call(self, u, i, global_bias):
        dot = tf.reduce_sum(self.user_emb(u) * self.item_emb(i), axis=1)
        return dot + tf.squeeze(self.user_bias(u), 1) + tf.squeeze(self.item_bias(i), 1) + global_bias


model = MF()
global_bias = tf.Variable(3, name="global_bias")  # start at the mid-scale rating
optimizer = keras.optimizers.Adam(0.01)

for epoch in range(3):
    for u, i, r in ds:
        with tf.GradientTape() as tape:
            pred = model(u, i, tf.cast(global_bias, tf.float32))
            loss = tf.reduce_mean(tf.square(pred - r))
        params = model.trainable_variables + [global_bias]
        grads = tape.gradient(loss, params)
        optimizer.apply_gradients(zip(grads, params))
    print("epoch", epoch, "mse", float(loss))
