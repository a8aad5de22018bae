"""DCGAN on synthetic blob images, written as a custom training loop.

Both networks are updated in the same ``tf.function`` step with two tapes opened together;
the models, losses and data live in sibling modules.
"""
import time

import tensorflow as tf

from data import make_dataset
from losses import discriminator_loss, generator_loss
from model import make_discriminator, make_generator

NOISE_DIM = 16
BATCH_SIZE = 16
EPOCHS = 2

tf.random.set_seed(1234)

generator = make_generator(NOISE_DIM)
discriminator = make_discriminator()
gen_opt = tf.keras.optimizers.Adam(1e-3, beta_1=0.5)
disc_opt = tf.keras.optimizers.Adam(1e-3, beta_1=0.5)


@tf.function
def train_step(real_images):
    noise = tf.random.normal([tf.shape(real_images)[0], NOISE_DIM])
    with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
        fake_images = generator(noise, training=True)
        real_logits = discriminator(real_images, training=True)
        fake_logits = discriminator(fake_images, training=True)
        gen_loss = generator_loss(fake_logits)
        disc_loss = discriminator_loss(real_logits, fake_logits)

    gen_grads = gen_tape.gradient(gen_loss, generator.trainable_variables)
    disc_grads = disc_tape.gradient(disc_loss, discriminator.trainable_variables)
    gen_opt.apply_gradients(zip(gen_grads, generator.trainable_variables))
    disc_opt.apply_gradients(zip(disc_grads, discriminator.trainable_variables))
    return gen_loss, disc_loss


def discriminator_accuracy(real_images):
    """Fraction of real and generated images the discriminator labels correctly."""
    noise = tf.random.normal([tf.shape(real_images)[0], NOISE_DIM])
    fake_images = generator(noise, training=False)
    real_ok = tf.cast(discriminator(real_images, training=False) > 0.0, tf.float32)
    fake_ok = tf.cast(discriminator(fake_images, training=False) <= 0.0, tf.float32)
    return float(0.5 * (tf.reduce_mean(real_ok) + tf.reduce_mean(fake_ok)))


def pixel_stats(images):
    flat = tf.reshape(images, [-1])
    return float(tf.reduce_mean(flat)), float(tf.math.reduce_std(flat))


def train(dataset, epochs):
    history = []
    for epoch in range(epochs):
        start = time.perf_counter()
        g_total, d_total, batches = 0.0, 0.0, 0
        for batch in dataset:
            g_loss, d_loss = train_step(batch)
            g_total += float(g_loss)
            d_total += float(d_loss)
            batches += 1
        history.append((g_total / batches, d_total / batches))
        print(
            f"epoch {epoch + 1}: gen {history[-1][0]:.3f} disc {history[-1][1]:.3f} "
            f"({time.perf_counter() - start:.2f}s, {batches} batches)"
        )
    return history


def main():
    dataset = make_dataset(count=2 * BATCH_SIZE, batch_size=BATCH_SIZE)
    train(dataset, EPOCHS)
    for batch in dataset.take(1):
        print(f"discriminator accuracy: {discriminator_accuracy(batch):.2f}")
    samples = generator(tf.random.normal([8, NOISE_DIM]), training=False)
    mean, std = pixel_stats(samples)
    print(f"sample pixels: mean {mean:.3f} std {std:.3f}")


if __name__ == "__main__":
    main()
