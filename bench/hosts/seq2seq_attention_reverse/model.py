"""GRU encoder, additive (Bahdanau) attention and a teacher-forced GRU decoder."""
import tensorflow as tf
from tensorflow.keras import layers


class Encoder(tf.keras.layers.Layer):
    def __init__(self, vocab, emb_dim, units):
        super().__init__()
        self.embedding = layers.Embedding(vocab, emb_dim)
        self.rnn = layers.GRU(units, return_sequences=True, return_state=True)

    def call(self, tokens):
        outputs, state = self.rnn(self.embedding(tokens))
        return outputs, state


class BahdanauAttention(tf.keras.layers.Layer):
    def __init__(self, units):
        super().__init__()
        self.w_query = layers.Dense(units, use_bias=False)
        self.w_keys = layers.Dense(units)
        self.score = layers.Dense(1, use_bias=False)

    def call(self, queries, keys):
        # queries: (batch, tq, d), keys: (batch, tk, d)
        q = tf.expand_dims(self.w_query(queries), 2)
        k = tf.expand_dims(self.w_keys(keys), 1)
        scores = tf.squeeze(self.score(tf.nn.tanh(q + k)), -1)  # (batch, tq, tk)
        weights = tf.nn.softmax(scores, axis=-1)
        context = tf.matmul(weights, keys)
        return context, weights


class Decoder(tf.keras.layers.Layer):
    def __init__(self, vocab, emb_dim, units):
        super().__init__()
        self.embedding = layers.Embedding(vocab, emb_dim)
        self.rnn = layers.GRU(units, return_sequences=True)
        self.attention = BahdanauAttention(units)
        self.project = layers.Dense(vocab)

    def call(self, tokens, enc_outputs, enc_state):
        h = self.rnn(self.embedding(tokens), initial_state=enc_state)
        context, weights = self.attention(h, enc_outputs)
        logits = self.project(tf.concat([h, context], axis=-1))
        return logits, weights


class Seq2Seq(tf.keras.Model):
    def __init__(self, vocab, emb_dim=16, units=32):
        super().__init__()
        self.encoder = Encoder(vocab, emb_dim, units)
        self.decoder = Decoder(vocab, emb_dim, units)

    def call(self, inputs):
        src, dec_in = inputs
        enc_outputs, enc_state = self.encoder(src)
        logits, _ = self.decoder(dec_in, enc_outputs, enc_state)
        return logits
