"""NT-Xent (normalised temperature-scaled cross-entropy) contrastive loss."""
import tensorflow as tf


def nt_xent(z_a, z_b, temperature=0.2):
    """Each view's positive is the other view of the same image; all other 2N-2 are negatives."""
    z = tf.math.l2_normalize(tf.concat([z_a, z_b], axis=0), axis=1)
    n = tf.shape(z_a)[0]
    similarities = tf.matmul(z, z, transpose_b=True) / temperature
    similarities -= 1e9 * tf.eye(2 * n)  # a view is not its own positive
    positives = tf.concat([tf.range(n, 2 * n), tf.range(0, n)], axis=0)
    per_view = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=positives, logits=similarities)
    return tf.reduce_mean(per_view)
