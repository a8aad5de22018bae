"""Adversarial training with FGSM perturbations on a small CNN (synthetic digits-like data).

Every step first crafts adversarial examples: the input batch is watched by a tape, the
gradient of the loss w.r.t. the inputs gives the perturbation direction (its sign, scaled
by epsilon).  The model is then updated on the clean and adversarial batches together.
"""
import numpy as np
import tensorflow as tf
from tensorflow.keras import Model, layers, losses, optimizers

EPSILON = 0.1
CLEAN_WEIGHT = 0.5
STEPS = 4
BATCH_SIZE = 32


def glyph_dataset(n, seed=0):
    """Ten 8x8 random binary templates; each sample is a noisy, shifted copy of one."""
    rng = np.random.default_rng(seed)
    templates = (rng.random((10, 8, 8)) > 0.6).astype(np.float32)
    labels = rng.integers(0, 10, size=n)
    shifts = rng.integers(-1, 2, size=(n, 2))
    images = np.stack([np.roll(templates[c], tuple(s), axis=(0, 1)) for c, s in zip(labels, shifts)])
    images = np.clip(images + rng.normal(0, 0.2, size=images.shape), 0.0, 1.0)
    return images[..., None].astype(np.float32), labels.astype(np.int32)


class SmallCNN(Model):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = layers.Conv2D(16, 3, padding="same", activation="relu")
        self.conv2 = layers.Conv2D(32, 3, padding="same", activation="relu")
        self.pool = layers.MaxPooling2D()
        self.flatten = layers.Flatten()
        self.dropout = layers.Dropout(0.2)
        self.classifier = layers.Dense(num_classes)

    def call(self, x, training=False):
        x = self.pool(self.conv1(x))
        x = self.pool(self.conv2(x))
        x = self.dropout(self.flatten(x), training=training)
        return self.classifier(x)


model = SmallCNN()
loss_fn = losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = optimizers.Adam(learning_rate=1e-3)


def fgsm(images, labels, epsilon):
    images = tf.convert_to_tensor(images)
    with tf.GradientTape() as tape:
        tape.watch(images)
        logits = model(images, training=False)
        loss = loss_fn(labels, logits)
    input_grad = tape.gradient(loss, images)
    adversarial = images + epsilon * tf.sign(input_grad)
    return tf.clip_by_value(adversarial, 0.0, 1.0)


@tf.function
def adversarial_train_step(images, labels):
    adv_images = fgsm(images, labels, EPSILON)
    with tf.GradientTape() as tape:
        clean_logits = model(images, training=True)
        adv_logits = model(adv_images, training=True)
        clean_loss = loss_fn(labels, clean_logits)
        adv_loss = loss_fn(labels, adv_logits)
        total = CLEAN_WEIGHT * clean_loss + (1.0 - CLEAN_WEIGHT) * adv_loss
    grads = tape.gradient(total, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return clean_loss, adv_loss


def robust_accuracy(images, labels):
    adv = fgsm(images, labels, EPSILON)
    clean_pred = tf.argmax(model(images), axis=1, output_type=tf.int32)
    adv_pred = tf.argmax(model(adv), axis=1, output_type=tf.int32)
    clean_acc = tf.reduce_mean(tf.cast(clean_pred == labels, tf.float32))
    adv_acc = tf.reduce_mean(tf.cast(adv_pred == labels, tf.float32))
    return float(clean_acc), float(adv_acc)


if __name__ == "__main__":
    tf.random.set_seed(0)
    x, y = glyph_dataset(256)
    train_ds = tf.data.Dataset.from_tensor_slices((x[:192], y[:192])).shuffle(192, seed=0).batch(BATCH_SIZE)
    model(x[:1])
    optimizer.build(model.trainable_variables)
    for step, (images, labels) in enumerate(train_ds.take(STEPS)):
        clean_loss, adv_loss = adversarial_train_step(images, labels)
        print(f"step {step}: clean loss {clean_loss.numpy():.3f}, adversarial loss {adv_loss.numpy():.3f}")
    clean_acc, adv_acc = robust_accuracy(tf.constant(x[192:]), tf.constant(y[192:]))
    print(f"held-out accuracy: clean {clean_acc:.2f}, under FGSM {adv_acc:.2f}")
