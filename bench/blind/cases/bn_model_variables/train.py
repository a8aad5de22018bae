"""Small residual-ish CNN with BatchNorm, eager custom loop."""
import numpy as np
import tensorflow as tf
import keras

rng = np.random.default_rng(0)
x = rng.normal(size=(32, 8, 8, 3)).astype("float32")
y = rng.normal(size=(32, 2)).astype("float32")


def build_model():
    inp = keras.Input((8, 8, 3))
    h = keras.layers.Conv2D(8, 3, padding="same")(inp)
    h = keras.layers.BatchNormalization()(h)
    h = keras.layers.ReLU()(h)
    h = keras.layers.GlobalAveragePooling2D()(h)
    return keras.Model(inp, keras.layers.Dense(2)(h))


def compute_loss(prediction, label):
    return tf.reduce_mean(tf.square(prediction - label))


model = build_model()
optimizer = keras.optimizers.SGD(0.05)
for step in range(3):
    with tf.GradientTape() as tape:
        prediction = model(x, training=True)
        loss = compute_loss(prediction, y)
    grads = tape.gradient(loss, model.variables)
    optimizer.apply_gradients(zip(grads, model.variables))
    print("step", step, "loss", float(loss))
