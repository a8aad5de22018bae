"""Synthetic credit-scoring style table: numeric and categorical columns, binary target."""
import numpy as np
import tensorflow as tf

NUMERIC = ["income", "debt_ratio", "age", "utilization"]
N_REGIONS = 6


def make_table(n, seed=0):
    rng = np.random.default_rng(seed)
    numeric = rng.normal(size=(n, len(NUMERIC))).astype(np.float32)
    region = rng.integers(0, N_REGIONS, size=n).astype(np.int32)
    region_effect = np.linspace(-1.0, 1.0, N_REGIONS)[region]
    logit = 1.5 * numeric[:, 0] - 2.0 * numeric[:, 1] + 0.5 * numeric[:, 2] * numeric[:, 3] + region_effect
    label = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.float32)
    return {"numeric": numeric, "region": region}, label[:, None]


def make_dataset(features, labels, global_batch, shuffle=True):
    ds = tf.data.Dataset.from_tensor_slices((features, labels))
    if shuffle:
        ds = ds.shuffle(len(labels), seed=0)
    return ds.batch(global_batch, drop_remainder=True)
