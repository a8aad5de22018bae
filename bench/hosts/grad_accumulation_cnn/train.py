"""Gradient accumulation over micro-batches for a small image classifier.

A large effective batch is emulated by summing the gradients of ``ACCUM_STEPS``
micro-batches into non-trainable accumulator variables and applying their mean once
per optimizer step.  The micro-batch step is a ``tf.function``; accumulation and the
optimizer update are separate functions, as in memory-constrained fine-tuning scripts.
"""
import numpy as np
import tensorflow as tf
from tensorflow import keras

MICRO_BATCH = 16
ACCUM_STEPS = 2
OPTIMIZER_STEPS = 2
IMG = 10


def checkerboard_data(n, seed=0):
    """Class 0: checkerboard with period 2, class 1: period 4, class 2: stripes; random offsets."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:IMG, 0:IMG]
    labels = rng.integers(0, 3, size=n)
    images = np.empty((n, IMG, IMG, 1), np.float32)
    for i, c in enumerate(labels):
        dy, dx = rng.integers(0, 4, size=2)
        if c == 0:
            pattern = ((yy + dy) // 1 + (xx + dx) // 1) % 2
        elif c == 1:
            pattern = ((yy + dy) // 2 + (xx + dx) // 2) % 2
        else:
            pattern = ((xx + dx) // 2) % 2
        images[i, ..., 0] = pattern + rng.normal(0, 0.3, size=(IMG, IMG))
    return images, labels.astype(np.int32)


def build_model():
    return keras.Sequential([
        keras.Input((IMG, IMG, 1)),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(3),
    ])


model = build_model()
optimizer = keras.optimizers.SGD(learning_rate=0.05, momentum=0.9)
criterion = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
accumulators = [tf.Variable(tf.zeros_like(v), trainable=False) for v in model.trainable_variables]
optimizer.build(model.trainable_variables)


@tf.function
def accumulate(images, labels):
    with tf.GradientTape() as tape:
        logits = model(images, training=True)
        loss = criterion(labels, logits) / ACCUM_STEPS
    grads = tape.gradient(loss, model.trainable_variables)
    for acc, g in zip(accumulators, grads):
        acc.assign_add(g)
    return loss


@tf.function
def apply_accumulated():
    optimizer.apply_gradients(zip([acc.read_value() for acc in accumulators], model.trainable_variables))
    for acc in accumulators:
        acc.assign(tf.zeros_like(acc))


def main():
    tf.random.set_seed(1)
    images, labels = checkerboard_data(MICRO_BATCH * ACCUM_STEPS * OPTIMIZER_STEPS + 64)
    train = tf.data.Dataset.from_tensor_slices((images[:-64], labels[:-64])).batch(MICRO_BATCH)
    micro_batches = iter(train)
    for step in range(OPTIMIZER_STEPS):
        step_loss = 0.0
        for _ in range(ACCUM_STEPS):
            x, y = next(micro_batches)
            step_loss += float(accumulate(x, y))
        apply_accumulated()
        print(f"optimizer step {step}: loss {step_loss:.4f}")
    logits = model(images[-64:], training=False)
    acc = np.mean(np.argmax(logits.numpy(), axis=1) == labels[-64:])
    print(f"held-out accuracy: {acc:.3f}")


if __name__ == "__main__":
    main()
