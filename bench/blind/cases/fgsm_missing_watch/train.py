"""Adversarial training with FGSM on a toy 2-class problem (custom loop)."""
import numpy as np
import tensorflow as tf
import keras

rng = np.random.default_rng(0)
x_all = rng.normal(size=(64, 8)).astype("float32")
y_all = (x_all[:, 0] + x_all[:, 1] > 0).astype("int32")

model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                          keras.layers.Dense(2)])
loss_object = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = keras.optimizers.Adam(1e-2)
EPS = 0.1


def fgsm(images, labels):
    with tf.GradientTape() as tape:
        predictions = model(images)
        loss = loss_object(labels, predictions)
    grad = tape.gradient(loss, images)
    return images + EPS * tf.sign(grad)


for step in range(3):
    images = tf.convert_to_tensor(x_all[step * 16:(step + 1) * 16])
    labels = tf.convert_to_tensor(y_all[step * 16:(step + 1) * 16])
    adv = fgsm(images, labels)
    with tf.GradientTape() as tape:
        loss = loss_object(labels, model(images, training=True)) + \
            loss_object(labels, model(adv, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    print("step", step, "loss", float(loss))
