"""Part-of-speech-style sequence tagging with a bidirectional LSTM and ``model.fit``.

A toy grammar generates sentences (determiner, adjectives, noun, verb, ...) of varying
length, padded to a fixed size.  The Embedding uses ``mask_zero=True`` so padding is
ignored by the LSTM, the loss and a custom token-accuracy metric.
"""
import numpy as np
import tensorflow as tf
import keras
from keras import layers

MAX_LEN = 10
LEXICON = {
    "DET": ["the", "a", "every", "some"],
    "ADJ": ["big", "small", "red", "quiet", "old"],
    "NOUN": ["dog", "cat", "bird", "river", "house", "idea"],
    "VERB": ["sees", "likes", "chases", "finds"],
    "ADV": ["quickly", "rarely", "often"],
}
TAGS = ["<pad>"] + list(LEXICON)
WORDS = ["<pad>"] + [w for words in LEXICON.values() for w in words]
WORD_ID = {w: i for i, w in enumerate(WORDS)}
TAG_ID = {t: i for i, t in enumerate(TAGS)}


def sample_sentence(rng):
    pattern = ["DET"] + ["ADJ"] * int(rng.integers(0, 3)) + ["NOUN", "VERB"]
    if rng.random() < 0.5:
        pattern += ["DET", "NOUN"]
    if rng.random() < 0.3:
        pattern += ["ADV"]
    words = [str(rng.choice(LEXICON[tag])) for tag in pattern]
    return words[:MAX_LEN], pattern[:MAX_LEN]


def encode_corpus(n, seed=0):
    rng = np.random.default_rng(seed)
    x = np.zeros((n, MAX_LEN), dtype="int32")
    y = np.zeros((n, MAX_LEN), dtype="int32")
    for i in range(n):
        words, tags = sample_sentence(rng)
        x[i, : len(words)] = [WORD_ID[w] for w in words]
        y[i, : len(tags)] = [TAG_ID[t] for t in tags]
    return x, y


def token_accuracy(y_true, y_pred):
    """Per-token hits; Keras weights them with the propagated padding mask."""
    y_true = tf.cast(y_true, tf.int64)
    return tf.cast(tf.equal(tf.argmax(y_pred, axis=-1), y_true), tf.float32)


def sentence_accuracy(model, x, y):
    """Fraction of sentences whose every real token is tagged correctly."""
    predicted = np.argmax(model(x).numpy(), axis=-1)
    ok = (predicted == y) | (y == 0)
    return float(np.mean(ok.all(axis=1)))


def build_tagger(embed_dim=16, units=16):
    tokens = keras.Input(shape=(MAX_LEN,), dtype="int32")
    x = layers.Embedding(len(WORDS), embed_dim, mask_zero=True)(tokens)
    x = layers.Bidirectional(layers.LSTM(units, return_sequences=True))(x)
    x = layers.TimeDistributed(layers.Dense(units, activation="relu"))(x)
    tag_probs = layers.Dense(len(TAGS), activation="softmax")(x)
    return keras.Model(tokens, tag_probs)


def tag_sentence(model, sentence):
    ids = np.zeros((1, MAX_LEN), dtype="int32")
    ids[0, : len(sentence)] = [WORD_ID[w] for w in sentence]
    predicted = np.argmax(model(ids).numpy()[0], axis=-1)[: len(sentence)]
    return list(zip(sentence, [TAGS[t] for t in predicted]))


def main():
    keras.utils.set_random_seed(20)
    x, y = encode_corpus(320)
    model = build_tagger()
    optimizer = keras.optimizers.Adam(1e-2)
    optimizer.build(model.trainable_variables)  # slots up front: the train function is traced once
    model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(), metrics=[token_accuracy])
    model.fit(x[:256], y[:256], batch_size=32, epochs=1, steps_per_epoch=3, verbose=2)
    print(f"held-out sentence accuracy: {sentence_accuracy(model, x[256:], y[256:]):.3f}")
    print(tag_sentence(model, ["the", "small", "cat", "sees", "a", "bird"]))


if __name__ == "__main__":
    main()
