"""Adversarial training of a token generator against a discriminator that reads the
generated token ids (text GAN, toy vocabulary)."""
import numpy as np
import tensorflow as tf
import keras
from keras import layers

keras.utils.set_random_seed(44)
VOCAB, T, B, Z = 20, 8, 32, 8
real_tokens = (np.arange(T)[None, :] + np.random.randint(0, VOCAB, (256, 1))) % VOCAB  # ascending runs

gen = keras.Sequential([keras.Input((Z,)), layers.Dense(64, activation="relu"),
                        layers.Dense(T * VOCAB), layers.Reshape((T, VOCAB))], name="gen")
disc = keras.Sequential([keras.Input((T,), dtype="int32"), layers.Embedding(VOCAB, 16),
                         layers.GRU(16), layers.Dense(1)], name="disc")
bce = keras.losses.BinaryCrossentropy(from_logits=True)
g_opt, d_opt = keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3)

for step in range(4):
    real = tf.constant(real_tokens[np.random.randint(0, 256, B)], tf.int32)
    z = tf.random.normal((B, Z))
    with tf.GradientTape() as d_tape:
        fake = tf.argmax(gen(z), axis=-1, output_type=tf.int32)
        d_loss = bce(tf.ones((B, 1)), disc(real)) + bce(tf.zeros((B, 1)), disc(fake))
    d_grads = d_tape.gradient(d_loss, disc.trainable_variables)
    d_opt.apply_gradients(zip(d_grads, disc.trainable_variables))

    with tf.GradientTape() as g_tape:
        fake = tf.argmax(gen(z, training=True), axis=-1, output_type=tf.int32)
        g_loss = bce(tf.ones((B, 1)), disc(fake))
    g_grads = g_tape.gradient(g_loss, gen.trainable_variables)
    g_opt.apply_gradients(zip(g_grads, gen.trainable_variables))
    print("step", step, "d %.4f g %.4f" % (float(d_loss), float(g_loss)))
