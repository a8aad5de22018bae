"""DCGAN-tutorial-style step on 2-D points: two tapes, one forward pass."""
import numpy as np
import tensorflow as tf
import keras

from nets import LATENT, make_generator, make_discriminator

generator, discriminator = make_generator(), make_discriminator()
cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
gen_opt, disc_opt = keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3)
rng = np.random.default_rng(0)
real_points = (rng.normal(size=(64, 2)) * 0.5 + [2.0, -1.0]).astype("float32")


@tf.function
def train_step(real):
    noise = tf.random.normal([tf.shape(real)[0], LATENT])
    with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
        fake = generator(noise, training=True)
        real_out = discriminator(real, training=True)
        fake_out = discriminator(fake, training=True)
        gen_loss = cross_entropy(tf.ones_like(fake_out), fake_out)
        disc_loss = cross_entropy(tf.ones_like(real_out), real_out) + \
            cross_entropy(tf.zeros_like(fake_out), fake_out)
    gen_grads = gen_tape.gradient(gen_loss, generator.trainable_variables)
    disc_grads = disc_tape.gradient(disc_loss, discriminator.trainable_variables)
    gen_opt.apply_gradients(zip(gen_grads, generator.trainable_variables))
    disc_opt.apply_gradients(zip(disc_grads, discriminator.trainable_variables))
    return gen_loss, disc_loss


for step in range(4):
    g, d = train_step(real_points[(step % 4) * 16:(step % 4 + 1) * 16])
    print("step", step, "g", float(g), "d", float(d))
