"""Noise-prediction network for 2-D points, conditioned on the timestep."""
import math

import tensorflow as tf
from tensorflow.keras import layers


def timestep_embedding(t, dim):
    """Sinusoidal embedding of integer timesteps, shape (batch, dim)."""
    half = dim // 2
    freqs = tf.exp(-math.log(1000.0) * tf.range(half, dtype=tf.float32) / half)
    args = tf.cast(t, tf.float32)[:, None] * freqs[None, :]
    return tf.concat([tf.sin(args), tf.cos(args)], axis=-1)


class ResidualBlock(layers.Layer):
    def __init__(self, width, **kwargs):
        super().__init__(**kwargs)
        self.dense1 = layers.Dense(width, activation="swish")
        self.dense2 = layers.Dense(width)
        self.time_proj = layers.Dense(width)
        self.norm = layers.LayerNormalization()

    def call(self, h, t_emb):
        out = self.dense1(self.norm(h)) + self.time_proj(t_emb)
        return h + self.dense2(out)


class EpsilonNet(tf.keras.Model):
    def __init__(self, width=64, blocks=2, t_dim=16):
        super().__init__()
        self.t_dim = t_dim
        self.inp = layers.Dense(width)
        self.blocks = [ResidualBlock(width) for _ in range(blocks)]
        self.out = layers.Dense(2)

    def call(self, x_t, t):
        t_emb = timestep_embedding(t, self.t_dim)
        h = self.inp(x_t)
        for block in self.blocks:
            h = block(h, t_emb)
        return self.out(h)
