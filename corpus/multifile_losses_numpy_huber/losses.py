"""Robust losses shared by the project's training scripts."""
import numpy as np
import tensorflow as tf


def huber(y_true, y_pred, delta=1.0):
    err = np.abs(y_pred - y_true)
    quadratic = 0.5 * err ** 2
    linear = delta * (err - 0.5 * delta)
    return tf.reduce_mean(np.where(err <= delta, quadratic, linear))
