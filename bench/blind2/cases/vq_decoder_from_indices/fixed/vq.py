import tensorflow as tf


class VectorQuantizer(tf.keras.layers.Layer):
    def __init__(self, num_codes, dim, **kw):
        super().__init__(**kw)
        self.codebook = self.add_weight(shape=(num_codes, dim), initializer="random_uniform", name="codebook")

    def call(self, z_e):
        d = (tf.reduce_sum(z_e ** 2, axis=-1, keepdims=True)
             - 2 * tf.matmul(z_e, self.codebook, transpose_b=True)
             + tf.reduce_sum(self.codebook ** 2, axis=-1))
        idx = tf.argmin(d, axis=-1)
        return idx, tf.gather(self.codebook, idx)


class Tokenizer(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.enc = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="relu"), tf.keras.layers.Dense(4)])
        self.vq = VectorQuantizer(16, 4)
        self.dec = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="relu"), tf.keras.layers.Dense(10)])

    def decode_tokens(self, idx):
        return self.dec(tf.gather(self.vq.codebook, idx))

    def call(self, x):
        z_e = self.enc(x)
        idx, z_q = self.vq(z_e)
        codebook_loss = tf.reduce_mean(tf.square(tf.stop_gradient(z_e) - z_q))
        z_st = z_e + tf.stop_gradient(z_q - z_e)  # straight-through estimator
        x_rec = self.dec(z_st)
        return x_rec, codebook_loss
