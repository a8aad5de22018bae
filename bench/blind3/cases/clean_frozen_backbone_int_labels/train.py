"""Frozen embedding backbone + trainable head; int labels, argmax accuracy, and a
gradient list restricted to the head's trainable variables."""
import numpy as np
import tensorflow as tf
import keras
from keras import layers

keras.utils.set_random_seed(65)
tokens = np.random.randint(0, 50, size=(160, 12)).astype("int32")
labels = (tokens.mean(axis=1) > 24.5).astype("int64")

backbone = keras.Sequential([keras.Input((12,), dtype="int32"), layers.Embedding(50, 8),
                             layers.GlobalAveragePooling1D()], name="backbone")
backbone.trainable = False
head = keras.Sequential([keras.Input((8,)), layers.Dense(16, activation="relu"), layers.Dense(2)], name="head")
opt = keras.optimizers.SGD(0.1)
ds = tf.data.Dataset.from_tensor_slices((tokens, labels)).batch(40)


@tf.function
def step(tok, lab):
    feats = backbone(tok, training=False)
    with tf.GradientTape() as tape:
        logits = head(feats, training=True)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=lab, logits=logits))
    grads = tape.gradient(loss, head.trainable_variables)
    opt.apply_gradients(zip(grads, head.trainable_variables))
    acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), lab), tf.float32))
    return loss, acc


for epoch in range(2):
    for tok, lab in ds:
        loss, acc = step(tok, lab)
    print("epoch", epoch, "loss %.4f acc %.3f" % (float(loss), float(acc)))
