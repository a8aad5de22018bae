"""Non-saturating GAN losses on logits."""
import tensorflow as tf

_bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)


def discriminator_loss(real_logits, fake_logits, smoothing=0.1):
    real_targets = tf.ones_like(real_logits) * (1.0 - smoothing)
    real_loss = _bce(real_targets, real_logits)
    fake_loss = _bce(tf.zeros_like(fake_logits), fake_logits)
    return real_loss + fake_loss


def generator_loss(fake_logits):
    return _bce(tf.ones_like(fake_logits), fake_logits)
