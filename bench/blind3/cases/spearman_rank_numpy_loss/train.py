"""Multi-target ranking model optimised directly for Spearman correlation per target,
using scipy-like ranks computed in NumPy."""
import numpy as np
import tensorflow as tf
import keras

keras.utils.set_random_seed(47)
BATCH_SIZE, NUM_TARGETS = 32, 2
X = np.random.normal(size=(256, 6)).astype("float32")
Y = np.stack([X[:, 0] + 0.1 * X[:, 1], X[:, 2] - X[:, 3]], 1).astype("float32")


def rankdata(a):
    order = np.argsort(a, kind="stable")
    ranks = np.empty(len(a), dtype=np.float32)
    ranks[order] = np.arange(1, len(a) + 1, dtype=np.float32)
    return ranks


def custom_loss(num_targets):
    def custom_rhos(y_true, y_pred):
        rhos = []
        for ind in range(num_targets):
            a = y_true[:, ind]
            b = y_pred[:, ind]
            rank_a = tf.numpy_function(rankdata, [a], tf.float32)
            rank_b = tf.numpy_function(rankdata, [b], tf.float32)
            rho = 1 - 6 * tf.reduce_sum((rank_a - rank_b) ** 2) / (BATCH_SIZE ** 3 - BATCH_SIZE)
            rhos.append(rho)
        return -tf.reduce_sum(rhos)
    return custom_rhos


model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(NUM_TARGETS)])
model.compile(optimizer="adam", loss=custom_loss(NUM_TARGETS))
model.fit(X, Y, batch_size=BATCH_SIZE, epochs=1, verbose=0)
