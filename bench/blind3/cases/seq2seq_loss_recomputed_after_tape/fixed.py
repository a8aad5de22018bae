"""GRU encoder-decoder that learns to reverse short digit sequences (teacher forcing)."""
import numpy as np
import tensorflow as tf
import keras
from keras import layers

keras.utils.set_random_seed(14)
VOCAB, T, START = 12, 6, 11
src = np.random.randint(1, 10, size=(256, T)).astype("int32")
tgt = src[:, ::-1].copy()
dec_in = np.concatenate([np.full((256, 1), START, "int32"), tgt[:, :-1]], axis=1)
ds = tf.data.Dataset.from_tensor_slices(((src, dec_in), tgt)).batch(64)


class Seq2Seq(keras.Model):
    def __init__(self):
        super().__init__()
        self.src_emb = layers.Embedding(VOCAB, 16)
        self.tgt_emb = layers.Embedding(VOCAB, 16)
        self.encoder = layers.GRU(32, return_state=True)
        self.decoder = layers.GRU(32, return_sequences=True)
        self.proj = layers.Dense(VOCAB)

    def call(self, inputs, training=False):
        s, d = inputs
        _, state = self.encoder(self.src_emb(s))
        return self.proj(self.decoder(self.tgt_emb(d), initial_state=state))


model = Seq2Seq()
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = keras.optimizers.Adam(3e-3)


def train_step(inputs, target):
    with tf.GradientTape() as tape:
        logits = model(inputs, training=True)
        loss = loss_fn(target, logits)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


for epoch in range(2):
    for inputs, target in ds:
        loss = train_step(inputs, target)
    print("epoch", epoch, "loss", float(loss))
