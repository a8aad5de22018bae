"""Conditional GAN for synthetic tabular data, trained with ``model.fit``.

The ``ConditionalGAN`` model overrides ``train_step``: one tape for the discriminator
(real rows vs. generated rows, both conditioned on a one-hot class), then one tape for the
generator. The data are three Gaussian clusters in 6 dimensions, one per class.
"""
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

NUM_CLASSES = 3
FEATURES = 6
LATENT_DIM = 8
BATCH_SIZE = 32


def make_table(n_rows, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, NUM_CLASSES, size=n_rows)
    centers = rng.normal(0.0, 2.0, size=(NUM_CLASSES, FEATURES))
    rows = centers[labels] + 0.3 * rng.normal(size=(n_rows, FEATURES))
    one_hot = np.eye(NUM_CLASSES)[labels]
    return rows.astype("float32"), one_hot.astype("float32")


def build_generator():
    noise = keras.Input(shape=(LATENT_DIM,), name="noise")
    label = keras.Input(shape=(NUM_CLASSES,), name="label")
    h = layers.Concatenate()([noise, label])
    h = layers.Dense(32)(h)
    h = layers.LeakyReLU(negative_slope=0.2)(h)
    h = layers.Dense(32)(h)
    h = layers.LeakyReLU(negative_slope=0.2)(h)
    row = layers.Dense(FEATURES, name="row")(h)
    return keras.Model([noise, label], row, name="generator")


def build_discriminator():
    row = keras.Input(shape=(FEATURES,), name="row")
    label = keras.Input(shape=(NUM_CLASSES,), name="label")
    h = layers.Concatenate()([row, label])
    h = layers.Dense(32)(h)
    h = layers.LeakyReLU(negative_slope=0.2)(h)
    h = layers.Dropout(0.1)(h)
    h = layers.Dense(16)(h)
    h = layers.LeakyReLU(negative_slope=0.2)(h)
    logit = layers.Dense(1, name="logit")(h)
    return keras.Model([row, label], logit, name="discriminator")


class ConditionalGAN(keras.Model):
    def __init__(self, generator, discriminator, latent_dim):
        super().__init__()
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, data):
        real_rows, labels = data
        batch_size = tf.shape(real_rows)[0]
        noise = tf.random.normal((batch_size, self.latent_dim))

        with tf.GradientTape() as d_tape:
            fake_rows = self.generator([noise, labels], training=True)
            real_logits = self.discriminator([real_rows, labels], training=True)
            fake_logits = self.discriminator([fake_rows, labels], training=True)
            d_loss_real = self.loss_fn(tf.ones_like(real_logits) * 0.9, real_logits)
            d_loss_fake = self.loss_fn(tf.zeros_like(fake_logits), fake_logits)
            d_loss = d_loss_real + d_loss_fake
        d_grads = d_tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(d_grads, self.discriminator.trainable_weights))

        noise = tf.random.normal((batch_size, self.latent_dim))
        with tf.GradientTape() as g_tape:
            generated = self.generator([noise, labels], training=True)
            verdict = self.discriminator([generated, labels], training=True)
            g_loss = self.loss_fn(tf.ones_like(verdict), verdict)
        g_grads = g_tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(g_grads, self.generator.trainable_weights))

        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}


def main():
    keras.utils.set_random_seed(7)
    rows, labels = make_table(512)
    dataset = (
        tf.data.Dataset.from_tensor_slices((rows, labels))
        .shuffle(512, seed=0)
        .batch(BATCH_SIZE, drop_remainder=True)
        .repeat()
    )

    gan = ConditionalGAN(build_generator(), build_discriminator(), LATENT_DIM)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    history = gan.fit(dataset, epochs=2, steps_per_epoch=3, verbose=0)
    for key, values in history.history.items():
        print(f"{key}: {values[-1]:.4f}")

    wanted = tf.one_hot(tf.zeros(4, dtype=tf.int32), NUM_CLASSES)
    sample = gan.generator([tf.random.normal((4, LATENT_DIM)), wanted])
    print("generated rows for class 0:", sample.shape)


if __name__ == "__main__":
    main()
