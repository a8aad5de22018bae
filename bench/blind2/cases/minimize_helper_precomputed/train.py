import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

from optim_utils import minimize

tf.keras.utils.set_random_seed(3)
np.random.seed(3)

# fit the parameters of a categorical distribution to observed counts by maximum likelihood
counts = tf.constant([12., 30., 8., 50.])
logits = tf.Variable(tf.zeros(4), name="logits")
opt = tf.keras.optimizers.Adam(0.1)

for it in range(20):
    log_p = tf.nn.log_softmax(logits)
    cost = -tf.reduce_sum(counts * log_p) / tf.reduce_sum(counts)
    minimize(opt, lambda: cost, [logits])
    if it % 5 == 0:
        print(it, float(cost), tf.nn.softmax(logits).numpy().round(3))
