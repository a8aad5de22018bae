import numpy as np
import keras
from keras import ops


def rounded_count_loss(y_true, y_pred):
    counts = ops.round(y_pred)
    return ops.mean(ops.square(counts - y_true))


rng = np.random.default_rng(21)
x = rng.uniform(size=(64, 3)).astype("float32")
y = np.round(x.sum(axis=1, keepdims=True) * 3).astype("float32")

model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss=rounded_count_loss)
model.fit(x, y, epochs=2, batch_size=32, verbose=0)
print("ok")
