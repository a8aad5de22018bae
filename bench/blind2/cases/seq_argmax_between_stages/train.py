import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(18)
np.random.seed(18)
from tensorflow.keras import layers

VOCAB, T = 12, 5
src = np.random.randint(1, VOCAB, size=(96, T))
tgt = np.eye(3, dtype="float32")[src.sum(axis=1) % 3]

enc_in = layers.Input(shape=(T,))
h = layers.Embedding(VOCAB, 16)(enc_in)
h = layers.LSTM(16, return_sequences=True)(h)
h = layers.Dense(VOCAB, activation="softmax")(h)          # "cleaned" token distribution per step
tok = layers.Lambda(lambda p: tf.argmax(p, axis=-1))(h)    # back to token ids
h2 = layers.Embedding(VOCAB, 16)(tok)
h2 = layers.LSTM(16)(h2)
out = layers.Dense(3, activation="softmax")(h2)
model = tf.keras.Model(enc_in, out)
model.compile("adam", "categorical_crossentropy")
model.fit(src, tgt, batch_size=32, epochs=1, verbose=2)
