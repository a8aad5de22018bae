"""Leak detector: 4 weighted indicators -> leak yes/no, trained with model.fit."""
import numpy as np
import tensorflow as tf
import keras

rng = np.random.default_rng(0)
x = rng.uniform(size=(128, 4)).astype("float32")
y = ((x @ np.array([9.0, 8.0, 3.0, 2.0])) > 10.0).astype("float32").reshape(-1, 1)


def decision_loss(y_true, y_pred):
    # the decision is "leak" when the score passes 0.5
    decision = tf.cast(y_pred > 0.5, tf.float32)
    return tf.reduce_mean(tf.square(y_true - decision))


model = keras.Sequential([
    keras.Input((4,)),
    keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer=keras.optimizers.SGD(0.1), loss=decision_loss,
              metrics=["binary_accuracy"])
model.fit(x, y, epochs=2, batch_size=32, verbose=0)
print(model.evaluate(x, y, verbose=0))
