import keras
from keras import layers


class TextCNN(keras.Model):
    """Tiny 1-D CNN sentiment classifier over token ids."""

    def __init__(self, vocab=200, emb=16, n_classes=3):
        super().__init__()
        self.embed = layers.Embedding(vocab, emb)
        self.conv = layers.Conv1D(16, 3, activation="relu")
        self.pool = layers.GlobalMaxPooling1D()
        self.drop = layers.Dropout(0.2)
        self.out = layers.Dense(n_classes)

    def call(self, tokens, training=False):
        x = self.pool(self.conv(self.embed(tokens)))
        return self.out(self.drop(x, training=training))
