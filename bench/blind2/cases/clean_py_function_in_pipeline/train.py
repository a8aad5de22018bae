import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(109)
np.random.seed(109)

signals = np.random.randn(128, 32).astype("float32")
labels = (np.abs(np.fft.rfft(signals, axis=1))[:, 3] > 4).astype("float32")


def np_jitter(x):
    x = x.numpy()
    rng = np.random.default_rng(int(abs(float(x[0])) * 1000))
    return (x + 0.05 * rng.standard_normal(x.shape)).astype("float32")


def augment(x, y):
    x = tf.py_function(np_jitter, [x], tf.float32)    # NumPy augmentation: inputs only, no trainable weights
    x.set_shape([32])
    return x, y


ds = tf.data.Dataset.from_tensor_slices((signals, labels)).map(augment).batch(32)
model = tf.keras.Sequential([tf.keras.layers.Input((32,)), tf.keras.layers.Dense(16, activation="relu"),
                             tf.keras.layers.Dense(1)])
model.compile(tf.keras.optimizers.Adam(1e-2), tf.keras.losses.BinaryCrossentropy(from_logits=True))
model.fit(ds, epochs=2, verbose=2)
