"""A one-block Transformer encoder classifying token sequences, with a warm-up LR schedule.

Task: decide whether a sequence of symbols contains a "key" symbol before a "lock"
symbol (an order-sensitive rule that needs attention).  Positional embeddings are a
custom layer created with ``add_weight``; the encoder block uses ``MultiHeadAttention``.
The schedule is a ``LearningRateSchedule`` subclass; the step is a ``tf.function``.
"""
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

VOCAB = 16
SEQ_LEN = 12
KEY, LOCK = 2, 3
D_MODEL = 32
STEPS = 4


def key_before_lock_data(n, seed=0):
    rng = np.random.default_rng(seed)
    seqs = rng.integers(4, VOCAB, size=(n, SEQ_LEN))
    labels = np.zeros(n, dtype=np.int32)
    for i in range(n):
        a, b = rng.choice(SEQ_LEN, size=2, replace=False)
        seqs[i, a], seqs[i, b] = KEY, LOCK
        labels[i] = int(a < b)
    return seqs.astype(np.int32), labels


class TokenAndPosition(layers.Layer):
    def __init__(self, vocab, max_len, dim, **kwargs):
        super().__init__(**kwargs)
        self.tokens = layers.Embedding(vocab, dim)
        self.max_len = max_len
        self.dim = dim

    def build(self, input_shape):
        self.positions = self.add_weight(
            name="positions", shape=(self.max_len, self.dim),
            initializer=keras.initializers.RandomNormal(stddev=0.02),
        )

    def call(self, ids):
        length = tf.shape(ids)[1]
        return self.tokens(ids) + self.positions[tf.newaxis, :length]


class EncoderBlock(layers.Layer):
    def __init__(self, dim, heads, ff_dim, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.attention = layers.MultiHeadAttention(num_heads=heads, key_dim=dim // heads)
        self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="gelu"), layers.Dense(dim)])
        self.norm1 = layers.LayerNormalization(epsilon=1e-6)
        self.norm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout = layers.Dropout(rate)

    def call(self, x, training=False):
        attended = self.attention(x, x, training=training)
        x = self.norm1(x + self.dropout(attended, training=training))
        return self.norm2(x + self.dropout(self.ffn(x), training=training))


class WarmupInverseSqrt(keras.optimizers.schedules.LearningRateSchedule):
    def __init__(self, d_model, warmup_steps=10):
        self.d_model = float(d_model)
        self.warmup_steps = float(warmup_steps)

    def __call__(self, step):
        step = tf.cast(step, tf.float32) + 1.0
        return tf.math.rsqrt(self.d_model) * tf.minimum(tf.math.rsqrt(step), step * self.warmup_steps ** -1.5)


def build_model():
    ids = keras.Input(shape=(SEQ_LEN,), dtype="int32")
    x = TokenAndPosition(VOCAB, SEQ_LEN, D_MODEL)(ids)
    x = EncoderBlock(D_MODEL, heads=4, ff_dim=64)(x)
    x = layers.GlobalAveragePooling1D()(x)
    logits = layers.Dense(2)(x)
    return keras.Model(ids, logits)


tf.random.set_seed(13)
model = build_model()
optimizer = keras.optimizers.Adam(WarmupInverseSqrt(D_MODEL), beta_2=0.98, epsilon=1e-9)
optimizer.build(model.trainable_variables)
xent = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


@tf.function(reduce_retracing=True)
def train_step(ids, labels):
    with tf.GradientTape() as tape:
        logits = model(ids, training=True)
        loss = xent(labels, logits)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    correct = tf.equal(tf.argmax(logits, -1, output_type=tf.int32), labels)
    return loss, tf.reduce_mean(tf.cast(correct, tf.float32))


def main():
    ids, labels = key_before_lock_data(STEPS * 32 + 64)
    ds = tf.data.Dataset.from_tensor_slices((ids[:-64], labels[:-64])).batch(32)
    for step, (batch_ids, batch_labels) in enumerate(ds):
        loss, acc = train_step(batch_ids, batch_labels)
        lr = optimizer.learning_rate
        print(f"step {step}: loss {loss.numpy():.4f} acc {acc.numpy():.3f} lr {float(lr):.2e}")
    val_logits = model(ids[-64:], training=False)
    val_acc = np.mean(np.argmax(val_logits.numpy(), -1) == labels[-64:])
    print(f"validation accuracy: {val_acc:.3f}")


if __name__ == "__main__":
    main()
