"""Toy translation task: output the input digits in reverse order."""
import numpy as np
import tensorflow as tf

PAD, START = 0, 1
VOCAB = 12  # 0 pad, 1 start, 2..11 digits
SEQ_LEN = 6


def reversal_pairs(n, seed=0):
    rng = np.random.default_rng(seed)
    src = rng.integers(2, VOCAB, size=(n, SEQ_LEN)).astype(np.int32)
    tgt = src[:, ::-1].copy()
    dec_in = np.concatenate([np.full((n, 1), START, np.int32), tgt[:, :-1]], axis=1)
    return src, dec_in, tgt


def make_dataset(n, batch_size, seed=0):
    src, dec_in, tgt = reversal_pairs(n, seed)
    ds = tf.data.Dataset.from_tensor_slices(((src, dec_in), tgt))
    return ds.shuffle(n, seed=seed).batch(batch_size, drop_remainder=True)
