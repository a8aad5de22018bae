"""Multi-class classifier; the loss is logged to a history list every step."""
import numpy as np
import tensorflow as tf
from tensorflow import keras


class Classifier(keras.Model):
    def __init__(self, n_classes):
        super().__init__()
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.logits = keras.layers.Dense(n_classes)

    def call(self, x):
        return self.logits(self.hidden(x))


rng = np.random.default_rng(3)
x = rng.normal(size=(64, 4)).astype("float32")
y = rng.integers(0, 3, size=(64,))

model = Classifier(3)
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = keras.optimizers.Adam(1e-3)
history = []

for epoch in range(20):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
        loss = tf.convert_to_tensor(loss.numpy())
        history.append(float(loss))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("last losses", history[-3:])
