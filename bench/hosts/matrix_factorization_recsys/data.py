"""Synthetic user-item ratings generated from hidden low-rank tastes."""
import numpy as np


def make_ratings(n_users, n_items, n_ratings, rank=3, seed=0):
    rng = np.random.default_rng(seed)
    user_taste = rng.normal(size=(n_users, rank))
    item_style = rng.normal(size=(n_items, rank))
    item_quality = rng.normal(0.0, 0.5, size=n_items)
    users = rng.integers(0, n_users, size=n_ratings)
    items = rng.integers(0, n_items, size=n_ratings)
    raw = 3.0 + item_quality[items] + 0.6 * np.sum(user_taste[users] * item_style[items], axis=1)
    ratings = np.clip(np.round(raw + rng.normal(0, 0.3, size=n_ratings)), 1, 5)
    return users.astype(np.int32), items.astype(np.int32), ratings.astype(np.float32)


def train_test_split(arrays, test_fraction=0.2, seed=0):
    n = len(arrays[0])
    order = np.random.default_rng(seed).permutation(n)
    cut = int(n * (1 - test_fraction))
    return [a[order[:cut]] for a in arrays], [a[order[cut:]] for a in arrays]
