import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(16)
np.random.seed(16)


class Classifier(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.h = tf.keras.layers.Dense(16, activation="relu")
        self.out = tf.keras.layers.Dense(1, activation="sigmoid")

    def call(self, x):
        return self.out(self.h(x))[:, 0]

    def custom_loss(self, output, prediction):
        # 1 - balanced hit rate, computed from rounded predictions
        correct = tf.math.count_nonzero(tf.math.equal(tf.round(prediction), output))
        incorrect = tf.cast(tf.shape(prediction)[0], tf.int64) - correct
        return tf.cast(incorrect, tf.float32) / tf.cast(tf.shape(prediction)[0], tf.float32)


X = np.random.randn(300, 4).astype("float32")
y = (X[:, 0] + X[:, 1] > 0).astype("float32")
model = Classifier()
opt = tf.keras.optimizers.Adam(1e-2)
for step in range(3):
    xb, yb = X[step * 100:(step + 1) * 100], y[step * 100:(step + 1) * 100]
    keep = xb[:, 2] > -0.5  # only train on part of the batch
    with tf.GradientTape() as tape:
        pred = model(xb[keep])
        loss = model.custom_loss(yb[keep], pred)
    grads = tape.gradient(loss, model.trainable_weights)
    opt.apply_gradients(zip(grads, model.trainable_weights))
    print("step", step, float(loss))
