import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(29)
np.random.seed(29)

VOCAB, T = 30, 7
tokens = np.random.randint(1, VOCAB, size=(64, T)).astype("int32")
lengths = np.random.randint(3, T + 1, size=64)
for i, L in enumerate(lengths):
    tokens[i, L:] = 0
labels = (tokens[:, 0] % 2).astype("int32")

emb = tf.keras.layers.Embedding(VOCAB, 16)
scorer = tf.keras.layers.Dense(1)
clf = tf.keras.layers.Dense(2)
opt = tf.keras.optimizers.Adam(1e-2)
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def attention_pool(tok):
    h = emb(tok)                                   # (B, T, D)
    scores = tf.Variable(scorer(h)[..., 0])        # mutable copy so padding can be masked in place
    for i, L in enumerate(np.sum(np.asarray(tok) != 0, axis=1)):
        scores[i, L:].assign(tf.fill([T - L], -1e9))
    alpha = tf.nn.softmax(scores, axis=1)
    return tf.reduce_sum(alpha[..., None] * h, axis=1)


for step in range(4):
    xb, yb = tokens[step * 16:(step + 1) * 16], labels[step * 16:(step + 1) * 16]
    with tf.GradientTape() as tape:
        logits = clf(attention_pool(xb))
        loss = loss_fn(yb, logits)
    variables = emb.trainable_variables + scorer.trainable_variables + clf.trainable_variables
    grads = tape.gradient(loss, variables)
    opt.apply_gradients(zip(grads, variables))
    print("step", step, float(loss))
