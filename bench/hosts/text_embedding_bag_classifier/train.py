"""Sentiment classification with a bag-of-embeddings model (fastText-like).

Reviews are tokenised by ``utils.text.Vocabulary``; the model averages word embeddings
with a padding mask, then applies a small MLP.  Training is a custom loop over a
``tf.data`` pipeline with a ``tf.function`` step and Keras metrics.
"""
import tensorflow as tf
from tensorflow import keras

from utils import Vocabulary, make_corpus

MAX_LEN = 16
EMBED_DIM = 16
BATCH = 32
EPOCHS = 2


class MaskedMeanEmbedding(keras.layers.Layer):
    """Mean of the token embeddings, ignoring padding ids (0)."""

    def __init__(self, vocab_size, dim, **kwargs):
        super().__init__(**kwargs)
        self.embedding = keras.layers.Embedding(vocab_size, dim)

    def call(self, token_ids):
        vectors = self.embedding(token_ids)
        mask = tf.cast(tf.not_equal(token_ids, 0), vectors.dtype)[..., None]
        summed = tf.reduce_sum(vectors * mask, axis=1)
        counts = tf.maximum(tf.reduce_sum(mask, axis=1), 1.0)
        return summed / counts


def build_classifier(vocab_size):
    ids = keras.Input(shape=(MAX_LEN,), dtype="int32")
    pooled = MaskedMeanEmbedding(vocab_size, EMBED_DIM)(ids)
    hidden = keras.layers.Dense(16, activation="relu")(pooled)
    logit = keras.layers.Dense(1)(hidden)
    return keras.Model(ids, logit)


texts, labels = make_corpus(3 * BATCH + 64)
vocab = Vocabulary(texts[:3 * BATCH])
token_ids = vocab.encode(texts, MAX_LEN)
train_ds = tf.data.Dataset.from_tensor_slices((token_ids[:3 * BATCH], labels[:3 * BATCH])).shuffle(512, seed=0).batch(BATCH)
val_ids, val_labels = token_ids[3 * BATCH:], labels[3 * BATCH:]

tf.random.set_seed(0)
model = build_classifier(len(vocab))
optimizer = keras.optimizers.Adam(1e-2)
loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
train_loss = keras.metrics.Mean()
train_acc = keras.metrics.BinaryAccuracy(threshold=0.0)


@tf.function
def train_step(ids, y):
    with tf.GradientTape() as tape:
        logits = tf.squeeze(model(ids, training=True), -1)
        loss = loss_fn(y, logits)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    train_loss.update_state(loss)
    train_acc.update_state(y, logits)


def validation_accuracy(ids, y, batch_size=64):
    """Accuracy of the sign of the logit, evaluated in inference mode."""
    correct = 0
    for start in range(0, len(ids), batch_size):
        logits = tf.squeeze(model(ids[start:start + batch_size], training=False), -1)
        predicted = tf.cast(logits > 0, tf.float32)
        correct += int(tf.reduce_sum(tf.cast(predicted == y[start:start + batch_size], tf.int32)))
    return correct / len(ids)


for epoch in range(EPOCHS):
    train_loss.reset_state()
    train_acc.reset_state()
    for ids, y in train_ds:
        train_step(ids, y)
    val_acc = validation_accuracy(val_ids, val_labels)
    print(f"epoch {epoch}: loss {train_loss.result():.4f} acc {train_acc.result():.3f} val acc {val_acc:.3f}")

probe = ["the movie was superb and fun", "boring plot and awful actors"]
print({text: float(tf.sigmoid(model(vocab.encode([text], MAX_LEN)))[0, 0]) for text in probe})
