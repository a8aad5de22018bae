import numpy as np
import tensorflow as tf


def smape(y_true, y_pred):
    num = np.abs(y_pred - y_true)
    den = (np.abs(y_true) + np.abs(y_pred)) / 2.0 + 1e-8
    return tf.reduce_mean(num / den)
