import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(5)
np.random.seed(5)

VOCAB, EMB = 50, 8
tokens = np.random.randint(0, VOCAB, size=(160, 6)).astype("int32")
labels = (tokens.sum(axis=1) % 2).astype("float32")

embedding = tf.keras.layers.Embedding(VOCAB, EMB)
pool = tf.keras.layers.GlobalAveragePooling1D()
head = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu"), tf.keras.layers.Dense(1)])


def featurize(tok, y):
    return pool(embedding(tok)), y


ds = (tf.data.Dataset.from_tensor_slices((tokens, labels))
      .batch(32)
      .map(featurize))

# build the trainable pieces once so the variable list is complete
head(pool(embedding(tokens[:2])))
trainable = embedding.trainable_variables + head.trainable_variables
opt = tf.keras.optimizers.Adam(1e-2)
bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)

for epoch in range(2):
    for feats, y in ds:
        with tf.GradientTape() as tape:
            logits = head(feats)[:, 0]
            loss = bce(y, logits)
        grads = tape.gradient(loss, trainable)
        opt.apply_gradients(zip(grads, trainable))
    print("epoch", epoch, "loss", float(loss))
