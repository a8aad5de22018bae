import numpy as np
from tensorflow import keras

from losses import smape

rng = np.random.default_rng(28)
window = rng.uniform(1, 2, size=(64, 6)).astype("float32")
target = window.mean(axis=1, keepdims=True).astype("float32")

model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss=smape)
model.fit(window, target, epochs=2, batch_size=32, verbose=0)
print("ok")
