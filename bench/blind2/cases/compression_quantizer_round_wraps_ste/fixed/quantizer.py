import tensorflow as tf


def quantize(w, centers, temperature=1.0):
    """Soft-to-hard vector quantization of latent values to scalar centers."""
    d = tf.square(w[..., None] - centers)              # (..., L)
    soft_assign = tf.nn.softmax(-d / temperature)
    w_soft = tf.reduce_sum(soft_assign * centers, axis=-1)
    w_hard = tf.gather(centers, tf.argmin(d, axis=-1))
    # straight-through: forward uses the hard value, backward the soft one
    w_bar = tf.stop_gradient(w_hard - w_soft) + w_soft
    return w_bar
