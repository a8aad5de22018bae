import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(15)
np.random.seed(15)
BATCH = 32


def rankdata(a):
    order = np.argsort(a, kind="stable")
    ranks = np.empty(len(a), dtype=np.float32)
    ranks[order] = np.arange(1, len(a) + 1, dtype=np.float32)
    return ranks


def spearman_loss(y_true, y_pred):
    a = tf.reshape(y_true, [-1])
    b = tf.reshape(y_pred, [-1])
    rank_a = tf.numpy_function(rankdata, [a], tf.float32)
    rank_b = tf.numpy_function(rankdata, [b], tf.float32)
    rho = 1 - 6 * tf.reduce_sum((rank_a - rank_b) ** 2) / (BATCH ** 3 - BATCH)
    return -rho


X = np.random.randn(128, 6).astype("float32")
y = (np.tanh(X[:, :1]) + 0.5 * X[:, 1:2]).astype("float32")
model = tf.keras.Sequential([tf.keras.layers.Input((6,)), tf.keras.layers.Dense(8, activation="relu"),
                             tf.keras.layers.Dense(1)])
model.compile(optimizer="adam", loss=spearman_loss)
model.fit(X, y, batch_size=BATCH, epochs=1, verbose=2)
