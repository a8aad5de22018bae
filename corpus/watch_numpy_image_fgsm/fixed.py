"""FGSM adversarial examples for a small classifier, fed the NumPy arrays the dataset loader gives."""
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(0)
images = rng.random((8, 28, 28, 1), dtype=np.float32)
labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, size=8)]
model = tf.keras.Sequential([
    tf.keras.Input(shape=(28, 28, 1)),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(10),
])
loss_object = tf.keras.losses.CategoricalCrossentropy(from_logits=True)


def adversarial_pattern(input_image, input_label):
    input_image_t = tf.convert_to_tensor(input_image)
    with tf.GradientTape() as tape:
        tape.watch(input_image_t)
        prediction = model(input_image_t)
        loss = loss_object(input_label, prediction)
    gradient = tape.gradient(loss, input_image_t)
    return tf.sign(gradient)


perturbations = adversarial_pattern(images, labels)
adversarial = tf.clip_by_value(images + 0.1 * perturbations, 0.0, 1.0)
print("changed pixels:", int(tf.reduce_sum(tf.cast(adversarial != images, tf.int32))))
