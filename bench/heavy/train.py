"""A training script whose setup is most of its time: features engineered in NumPy for ROUNDS
rounds (the first argument), then a small Keras model trained by a custom loop.

Two faults, both silent (Keras warns about the variables without a gradient and trains the rest):
the output scale is read before the tape starts, and the offset goes through NumPy.
"""
import sys

import numpy as np
import tensorflow as tf
from tensorflow import keras

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 20


def engineer_features(rounds):
    rng = np.random.default_rng(0)
    raw = rng.normal(size=(2048, 256))
    mix = rng.normal(size=(256, 256)) / 16.0
    features = raw
    for _ in range(rounds):
        features = np.tanh(features @ mix) + 0.1 * raw
    x = features[:, :8].astype("float32")
    y = (x @ rng.normal(size=(8, 1)) + 0.5).astype("float32")
    return x, y


def train_step(model, optimizer, scale, offset, x, y):
    scaled = scale * 1.0
    with tf.GradientTape() as tape:
        prediction = model(x, training=True) * scaled + offset.numpy()
        loss = tf.reduce_mean(tf.square(prediction - y))
    variables = model.trainable_variables + [scale, offset]
    grads = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(grads, variables))
    return loss


x_train, y_train = engineer_features(ROUNDS)
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
optimizer = keras.optimizers.Adam(learning_rate=1e-2)
scale = tf.Variable(1.0, name="scale")
offset = tf.Variable(0.0, name="offset")
for epoch in range(200):
    batch = slice((epoch * 64) % 2048, (epoch * 64) % 2048 + 64)
    loss = train_step(model, optimizer, scale, offset, x_train[batch], y_train[batch])
    if epoch % 50 == 0:
        print(f"epoch {epoch}: loss={float(loss):.4f}")
