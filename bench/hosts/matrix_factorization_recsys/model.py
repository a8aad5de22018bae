"""Biased matrix factorisation: r_ui = mu + b_u + b_i + <p_u, q_i>."""
import tensorflow as tf


class BiasedMF(tf.keras.Model):
    def __init__(self, n_users, n_items, factors=8, global_mean=3.0):
        super().__init__()
        init = tf.keras.initializers.RandomNormal(stddev=0.05)
        self.user_factors = tf.keras.layers.Embedding(n_users, factors, embeddings_initializer=init)
        self.item_factors = tf.keras.layers.Embedding(n_items, factors, embeddings_initializer=init)
        self.user_bias = tf.keras.layers.Embedding(n_users, 1, embeddings_initializer="zeros")
        self.item_bias = tf.keras.layers.Embedding(n_items, 1, embeddings_initializer="zeros")
        self.global_mean = global_mean

    def call(self, users, items):
        p = self.user_factors(users)
        q = self.item_factors(items)
        interaction = tf.reduce_sum(p * q, axis=-1)
        bias = tf.squeeze(self.user_bias(users), -1) + tf.squeeze(self.item_bias(items), -1)
        return self.global_mean + bias + interaction

    def factor_penalty(self, users, items):
        p = self.user_factors(users)
        q = self.item_factors(items)
        return tf.reduce_mean(tf.reduce_sum(p ** 2, -1) + tf.reduce_sum(q ** 2, -1))
