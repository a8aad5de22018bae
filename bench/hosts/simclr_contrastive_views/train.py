"""SimCLR-style self-supervised pre-training on synthetic images, then a linear probe.

Pre-training: two augmented views per image, shared encoder + projection head,
NT-Xent loss.  Evaluation: a linear classifier trained on frozen encoder features.
Images are oriented bars (4 classes by angle) drawn with NumPy.
"""
import numpy as np
import tensorflow as tf
from tensorflow import keras

from augment import two_views
from losses import nt_xent
from model import make_encoder, make_projection_head

IMAGE_SIZE = 12
N_CLASSES = 4
PRETRAIN_STEPS = 3
PROBE_STEPS = 3
BATCH = 32


def bar_images(n, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, N_CLASSES, size=n)
    coords = np.arange(IMAGE_SIZE) - (IMAGE_SIZE - 1) / 2
    yy, xx = np.meshgrid(coords, coords, indexing="ij")
    images = np.empty((n, IMAGE_SIZE, IMAGE_SIZE, 1), np.float32)
    for i, label in enumerate(labels):
        angle = label * np.pi / N_CLASSES + rng.normal(0, 0.1)
        offset = rng.normal(0, 1.0)
        distance = np.abs(np.cos(angle) * yy - np.sin(angle) * xx - offset)
        images[i, ..., 0] = np.exp(-distance ** 2)
    return images, labels.astype(np.int32)


class ContrastiveTrainer:
    def __init__(self, learning_rate=1e-3, temperature=0.2):
        self.encoder = make_encoder(IMAGE_SIZE)
        self.head = make_projection_head(self.encoder.output_shape[-1])
        self.optimizer = keras.optimizers.Adam(learning_rate)
        self.temperature = temperature
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.optimizer.build(self.variables)

    @property
    def variables(self):
        return self.encoder.trainable_variables + self.head.trainable_variables

    def embed(self, images):
        return self.head(self.encoder(images, training=True), training=True)

    @tf.function
    def train_step(self, images):
        view_a, view_b = two_views(images, self.step)
        with tf.GradientTape() as tape:
            z_a = self.embed(view_a)
            z_b = self.embed(view_b)
            loss = nt_xent(z_a, z_b, self.temperature)
        grads = tape.gradient(loss, self.variables)
        self.optimizer.apply_gradients(zip(grads, self.variables))
        self.step.assign_add(1)
        return loss


def linear_probe(encoder, images, labels):
    features = encoder(images, training=False)
    probe = keras.layers.Dense(N_CLASSES)
    probe.build(features.shape)
    opt = keras.optimizers.SGD(0.5)
    xent = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    for i in range(PROBE_STEPS):
        with tf.GradientTape() as tape:
            logits = probe(features)
            probe_loss = xent(labels, logits)
        grads = tape.gradient(probe_loss, probe.trainable_variables)
        opt.apply_gradients(zip(grads, probe.trainable_variables))
    accuracy = np.mean(np.argmax(probe(features).numpy(), axis=1) == labels)
    return float(probe_loss), accuracy


def main():
    tf.random.set_seed(0)
    images, labels = bar_images(4 * BATCH)
    trainer = ContrastiveTrainer()
    batches = tf.data.Dataset.from_tensor_slices(images).shuffle(len(images), seed=0).batch(BATCH)
    for step, batch in enumerate(batches.take(PRETRAIN_STEPS)):
        loss = trainer.train_step(batch)
        print(f"pretrain step {step}: nt-xent {loss.numpy():.4f}")
    probe_loss, accuracy = linear_probe(trainer.encoder, images, labels)
    print(f"linear probe: loss {probe_loss:.3f}, train accuracy {accuracy:.2f}")


if __name__ == "__main__":
    main()
