"""A stochastic-block-model citation-like graph with noisy node features."""
import numpy as np


def stochastic_block_graph(n_nodes=120, n_classes=3, p_in=0.12, p_out=0.01, n_features=16, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, n_classes, size=n_nodes)
    same = labels[:, None] == labels[None, :]
    probs = np.where(same, p_in, p_out)
    upper = np.triu(rng.random((n_nodes, n_nodes)) < probs, k=1)
    adjacency = (upper | upper.T).astype(np.float32)
    class_means = rng.normal(0, 1, size=(n_classes, n_features))
    features = class_means[labels] + 2.0 * rng.normal(size=(n_nodes, n_features))
    return adjacency, features.astype(np.float32), labels.astype(np.int32)


def normalized_adjacency(adjacency):
    """D^-1/2 (A + I) D^-1/2, the renormalisation trick of Kipf & Welling."""
    a_hat = adjacency + np.eye(len(adjacency), dtype=adjacency.dtype)
    d_inv_sqrt = 1.0 / np.sqrt(a_hat.sum(axis=1))
    return (a_hat * d_inv_sqrt[:, None] * d_inv_sqrt[None, :]).astype(np.float32)


def split_masks(n_nodes, train_per_class, labels, seed=0):
    rng = np.random.default_rng(seed)
    train = np.zeros(n_nodes, bool)
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))[:train_per_class]
        train[idx] = True
    rest = np.flatnonzero(~train)
    val = np.zeros(n_nodes, bool)
    val[rest[: len(rest) // 2]] = True
    test = ~(train | val)
    return train, val, test
