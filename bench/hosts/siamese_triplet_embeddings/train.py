"""Metric learning with a triplet loss and online semi-hard mining.

An embedding network maps feature vectors of 8 identities to the unit sphere.  For each
batch the loss is computed over all valid (anchor, positive, negative) triplets with a
margin, keeping the hardest negatives that are farther than the positive (semi-hard).
"""
import numpy as np
import tensorflow as tf

N_IDENTITIES = 8
DIM = 24
MARGIN = 0.3
STEPS = 4


def identity_samples(n_per_id, seed=0):
    rng = np.random.default_rng(seed)
    prototypes = rng.normal(size=(N_IDENTITIES, DIM))
    x = np.repeat(prototypes, n_per_id, axis=0) + 0.8 * rng.normal(size=(N_IDENTITIES * n_per_id, DIM))
    y = np.repeat(np.arange(N_IDENTITIES), n_per_id)
    return x.astype(np.float32), y.astype(np.int32)


class EmbeddingNet(tf.keras.Model):
    def __init__(self, embed_dim=8):
        super().__init__()
        self.body = tf.keras.Sequential([
            tf.keras.layers.Dense(64, activation="relu"),
            tf.keras.layers.Dense(32, activation="relu"),
            tf.keras.layers.Dense(embed_dim),
        ])

    def call(self, x, training=False):
        return tf.math.l2_normalize(self.body(x, training=training), axis=-1)


def pairwise_sq_distances(emb):
    dot = tf.matmul(emb, emb, transpose_b=True)
    norms = tf.linalg.diag_part(dot)
    return tf.maximum(norms[:, None] - 2.0 * dot + norms[None, :], 0.0)


def semi_hard_triplet_loss(labels, emb, margin=MARGIN):
    dist = pairwise_sq_distances(emb)
    same = tf.equal(labels[:, None], labels[None, :])
    eye = tf.eye(tf.shape(labels)[0], dtype=tf.bool)
    positive_mask = tf.logical_and(same, tf.logical_not(eye))
    negative_mask = tf.logical_not(same)

    # d(a, p) for every (a, p), compared with every negative n: shape (a, p, n)
    d_ap = dist[:, :, None]
    d_an = dist[:, None, :]
    semi_hard = tf.logical_and(negative_mask[:, None, :], d_an > d_ap)
    big = tf.reduce_max(dist) + 1.0
    hardest_semi = tf.reduce_min(tf.where(semi_hard, d_an, big), axis=2)
    fallback = tf.reduce_max(tf.where(negative_mask, dist, 0.0), axis=1, keepdims=True)
    chosen_neg = tf.where(hardest_semi < big, hardest_semi, fallback)

    losses = tf.maximum(dist - chosen_neg + margin, 0.0)
    pos = tf.cast(positive_mask, losses.dtype)
    return tf.reduce_sum(losses * pos) / tf.maximum(tf.reduce_sum(pos), 1.0)


def balanced_batch(x, y, rng, ids_per_batch=4, per_id=6):
    chosen_ids = rng.choice(N_IDENTITIES, size=ids_per_batch, replace=False)
    idx = np.concatenate([rng.choice(np.flatnonzero(y == i), size=per_id, replace=False) for i in chosen_ids])
    return tf.constant(x[idx]), tf.constant(y[idx])


def recall_at_1(model, x, y):
    emb = model(x)
    dist = pairwise_sq_distances(emb) + tf.eye(len(x)) * 1e9
    nearest = tf.argmin(dist, axis=1).numpy()
    return float(np.mean(y[nearest] == y))


def main():
    tf.random.set_seed(6)
    rng = np.random.default_rng(6)
    x, y = identity_samples(20)
    net = EmbeddingNet()
    optimizer = tf.keras.optimizers.Adam(learning_rate=2e-3)
    print(f"recall@1 before: {recall_at_1(net, x, y):.3f}")
    for step in range(STEPS):
        xb, yb = balanced_batch(x, y, rng)
        with tf.GradientTape() as tape:
            embeddings = net(xb, training=True)
            loss = semi_hard_triplet_loss(yb, embeddings)
        grads = tape.gradient(loss, net.trainable_variables)
        optimizer.apply_gradients(zip(grads, net.trainable_variables))
        print(f"step {step}: triplet loss {loss.numpy():.4f}")
    print(f"recall@1 after: {recall_at_1(net, x, y):.3f}")


if __name__ == "__main__":
    main()
