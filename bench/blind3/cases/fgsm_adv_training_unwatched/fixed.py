"""Adversarial training with FGSM examples on a synthetic 2-class image task."""
import numpy as np
import tensorflow as tf
from tensorflow import keras

keras.utils.set_random_seed(31)

X = np.random.rand(160, 12, 12, 1).astype("float32")
Y = (X[:, :6].mean(axis=(1, 2, 3)) > X[:, 6:].mean(axis=(1, 2, 3))).astype("int32")
ds = tf.data.Dataset.from_tensor_slices((X, Y)).batch(32)

model = keras.Sequential([keras.Input((12, 12, 1)), keras.layers.Conv2D(8, 3, activation="relu"),
                          keras.layers.Flatten(), keras.layers.Dense(2)])
loss_object = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = keras.optimizers.Adam(1e-3)
EPS = 0.05


def create_adversarial_pattern(input_image, input_label):
    with tf.GradientTape() as tape:
        tape.watch(input_image)
        prediction = model(input_image)
        loss = loss_object(input_label, prediction)
    gradient = tape.gradient(loss, input_image)
    return tf.sign(gradient)


for epoch in range(2):
    for images, labels in ds:
        images = tf.convert_to_tensor(images)
        adv = tf.clip_by_value(images + EPS * create_adversarial_pattern(images, labels), 0.0, 1.0)
        with tf.GradientTape() as tape:
            loss = 0.5 * loss_object(labels, model(images, training=True)) + \
                   0.5 * loss_object(labels, model(adv, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
    print("epoch", epoch, "loss", float(loss))
