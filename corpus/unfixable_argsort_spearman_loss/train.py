import numpy as np
import tensorflow as tf

rng = np.random.default_rng(11)
X = rng.normal(size=(50, 5)).astype("float32")
relevance = (X @ rng.normal(size=(5,))).astype("float32")

scorer = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"), tf.keras.layers.Dense(1)])
opt = tf.keras.optimizers.Adam(1e-2)


def ranks(v):
    return tf.cast(tf.argsort(tf.argsort(v)), tf.float32)


def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    ra -= tf.reduce_mean(ra)
    rb -= tf.reduce_mean(rb)
    return tf.reduce_sum(ra * rb) / (tf.norm(ra) * tf.norm(rb))


for step in range(20):
    with tf.GradientTape() as tape:
        scores = tf.squeeze(scorer(X), -1)
        loss = 1.0 - spearman(scores, relevance)
    grads = tape.gradient(loss, scorer.trainable_variables)
    opt.apply_gradients(zip(grads, scorer.trainable_variables))
print("1-rho", float(loss))
