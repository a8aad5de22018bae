import numpy as np
import tensorflow as tf


def smape(y_true, y_pred):
    num = tf.abs(y_pred - y_true)
    den = (tf.abs(y_true) + tf.abs(y_pred)) / 2.0 + 1e-8
    return tf.reduce_mean(num / den)
