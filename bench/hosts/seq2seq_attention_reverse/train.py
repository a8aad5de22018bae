"""Sequence-to-sequence model with attention that learns to reverse digit strings.

Teacher forcing during training (an eager step with masked cross-entropy), greedy
step-by-step decoding afterwards.
"""
import tensorflow as tf

from data import PAD, SEQ_LEN, START, VOCAB, make_dataset, reversal_pairs
from model import Seq2Seq

EPOCHS = 1
BATCH = 32

tf.random.set_seed(42)
model = Seq2Seq(VOCAB)
optimizer = tf.keras.optimizers.Adam(learning_rate=5e-3)
loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="none")


def masked_loss(targets, logits):
    per_token = loss_object(targets, logits)
    mask = tf.cast(tf.not_equal(targets, PAD), per_token.dtype)
    return tf.reduce_sum(per_token * mask) / tf.reduce_sum(mask)


def token_accuracy(targets, logits):
    predictions = tf.argmax(logits, axis=-1, output_type=targets.dtype)
    return tf.reduce_mean(tf.cast(tf.equal(predictions, targets), tf.float32))


def train_step(inputs, targets):
    with tf.GradientTape() as tape:
        logits = model(inputs, training=True)
        loss = masked_loss(targets, logits)
    variables = model.trainable_variables
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))
    return loss, token_accuracy(targets, logits)


def greedy_decode(src):
    enc_outputs, state = model.encoder(src)
    tokens = tf.fill([tf.shape(src)[0], 1], START)
    for _ in range(SEQ_LEN):
        logits, _ = model.decoder(tokens, enc_outputs, state)
        next_token = tf.argmax(logits[:, -1], axis=-1, output_type=tf.int32)
        tokens = tf.concat([tokens, next_token[:, None]], axis=1)
    return tokens[:, 1:]


def sequence_accuracy(decoded, targets):
    """Fraction of sequences decoded without a single wrong token."""
    exact = tf.reduce_all(tf.equal(decoded, targets), axis=1)
    return float(tf.reduce_mean(tf.cast(exact, tf.float32)))


def build(example_inputs):
    """Create the model's and the optimizer's variables before the step is traced."""
    model(example_inputs)
    optimizer.build(model.trainable_variables)
    print(f"seq2seq model with {model.count_params()} parameters")


def run():
    dataset = make_dataset(n=3 * BATCH, batch_size=BATCH)
    build(next(iter(dataset))[0])
    for epoch in range(EPOCHS):
        for step, (inputs, targets) in enumerate(dataset):
            loss, acc = train_step(inputs, targets)
            print(f"epoch {epoch} step {step}: loss {loss.numpy():.3f} token acc {acc.numpy():.3f}")

    src, _, tgt = reversal_pairs(4, seed=99)
    decoded = greedy_decode(tf.constant(src))
    print(f"exact-match rate: {sequence_accuracy(decoded, tgt):.2f}")
    for s, d, t in zip(src, decoded.numpy(), tgt):
        print("src", s, "decoded", d, "expected", t)


if __name__ == "__main__":
    run()
