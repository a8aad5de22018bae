import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

from quantizer import quantize

tf.keras.utils.set_random_seed(20)
np.random.seed(20)

centers = tf.constant([-2., -1., 0., 1., 2.])
encoder = tf.keras.Sequential([tf.keras.layers.Input((16,)), tf.keras.layers.Dense(24, activation="relu"),
                               tf.keras.layers.Dense(6)])
decoder = tf.keras.Sequential([tf.keras.layers.Input((6,)), tf.keras.layers.Dense(24, activation="relu"),
                               tf.keras.layers.Dense(16)])
opt = tf.keras.optimizers.Adam(1e-3)
data = np.random.randn(128, 16).astype("float32")

for step in range(4):
    x = data[(step % 4) * 32:(step % 4 + 1) * 32]
    with tf.GradientTape() as tape:
        z = encoder(x)
        z_q = quantize(z, centers)
        loss = tf.reduce_mean(tf.square(decoder(z_q) - x))
    variables = encoder.trainable_variables + decoder.trainable_variables
    grads = tape.gradient(loss, variables)
    opt.apply_gradients(zip(grads, variables))
    print("step", step, float(loss))
