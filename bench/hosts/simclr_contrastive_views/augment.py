"""Stochastic augmentations producing two correlated views of each image."""
import tensorflow as tf


def random_view(images, seed):
    """Flip, shift brightness/contrast and add noise, with stateless randomness."""
    batch = tf.shape(images)[0]
    seeds = tf.random.experimental.stateless_split(seed, num=4)
    flip = tf.random.stateless_uniform([batch, 1, 1, 1], seeds[0]) < 0.5
    x = tf.where(flip, tf.reverse(images, axis=[2]), images)
    brightness = tf.random.stateless_uniform([batch, 1, 1, 1], seeds[1], -0.2, 0.2)
    contrast = tf.random.stateless_uniform([batch, 1, 1, 1], seeds[2], 0.7, 1.3)
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    x = (x - mean) * contrast + mean + brightness
    x = x + 0.05 * tf.random.stateless_normal(tf.shape(x), seeds[3])
    return x


def two_views(images, step):
    seed = tf.stack([tf.cast(step, tf.int32), tf.constant(17)])
    first, second = tf.unstack(tf.random.experimental.stateless_split(seed, num=2))
    return random_view(images, first), random_view(images, second)
