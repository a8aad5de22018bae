import numpy as np
import tensorflow as tf
from tensorflow import keras


def build_model():
    inputs = keras.Input(shape=(4,))
    h = keras.layers.Dense(8, activation="relu")(inputs)
    outputs = keras.layers.Dense(1, activation="sigmoid")(h)
    return keras.Model(inputs, outputs)


def forward(model, batch):
    return model.predict(batch, batch_size=16, verbose=0)


rng = np.random.default_rng(3)
features = rng.normal(size=(32, 4)).astype("float32")
labels = (features.sum(axis=1, keepdims=True) > 0).astype("float32")

model = build_model()
bce = keras.losses.BinaryCrossentropy()
optimizer = keras.optimizers.Adam(1e-2)

for epoch in range(50):
    with tf.GradientTape() as tape:
        probs = forward(model, features)
        loss = bce(labels, probs)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", float(loss))
