import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import backend as K

N_CLASSES = 3


def error_rate(y_true, y_pred):
    hard = y_pred + K.stop_gradient(K.one_hot(K.argmax(y_pred, axis=-1), N_CLASSES) - y_pred)
    return 1.0 - K.mean(K.sum(y_true * hard, axis=-1))


rng = np.random.default_rng(22)
x = rng.normal(size=(60, 4)).astype("float32")
labels = np.argmax(x[:, :3], axis=1)
y = np.eye(N_CLASSES, dtype="float32")[labels]

model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(N_CLASSES, activation="softmax")])
model.compile(optimizer="adam", loss=error_rate)
model.fit(x, y, epochs=2, batch_size=20, verbose=0)
print("ok")
