"""Adversarial fine-tuning of a tiny token generator against a discriminator.

The generator emits discrete tokens (greedy decoding), the discriminator reads
the one-hot token sequence and the generator is trained to fool it.
"""
import numpy as np
import tensorflow as tf
import keras

VOCAB, SEQ, LATENT = 12, 6, 8
rng = np.random.default_rng(0)

generator = keras.Sequential([keras.Input((LATENT,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(SEQ * VOCAB), keras.layers.Reshape((SEQ, VOCAB))])
discriminator = keras.Sequential([keras.Input((SEQ, VOCAB)), keras.layers.Flatten(),
                                  keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
bce = keras.losses.BinaryCrossentropy(from_logits=True)
g_opt, d_opt = keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3)
real_tokens = tf.one_hot(rng.integers(0, VOCAB // 2, size=(32, SEQ)), VOCAB)


def decode(logits):
    """Greedy decoding: the generated sentence is the argmax token at each step."""
    return tf.one_hot(tf.argmax(logits, axis=-1), VOCAB)


for step in range(3):
    z = tf.random.normal((32, LATENT))
    with tf.GradientTape() as d_tape:
        fake_tokens = decode(generator(z, training=True))
        d_real, d_fake = discriminator(real_tokens), discriminator(fake_tokens)
        d_loss = bce(tf.ones_like(d_real), d_real) + bce(tf.zeros_like(d_fake), d_fake)
    d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)
    d_opt.apply_gradients(zip(d_grads, discriminator.trainable_variables))

    with tf.GradientTape() as g_tape:
        fake_tokens = decode(generator(z, training=True))
        d_fake = discriminator(fake_tokens)
        g_loss = bce(tf.ones_like(d_fake), d_fake)
    g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
    g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))
    print("step", step, "d", float(d_loss), "g", float(g_loss))
