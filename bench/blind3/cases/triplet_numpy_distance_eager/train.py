"""Metric learning: embedding model with a custom train_step and a triplet margin loss.
run_eagerly=True was switched on while debugging."""
import numpy as np
import tensorflow as tf
import keras

keras.utils.set_random_seed(9)
num_classes, dim = 4, 16
centers = np.random.normal(size=(num_classes, dim)).astype("float32")


def sample(n):
    c = np.random.randint(0, num_classes, n)
    return centers[c] + 0.3 * np.random.normal(size=(n, dim)).astype("float32"), c


a, ca = sample(256)
p = centers[ca] + 0.3 * np.random.normal(size=(256, dim)).astype("float32")
neg_c = (ca + np.random.randint(1, num_classes, 256)) % num_classes
n = centers[neg_c] + 0.3 * np.random.normal(size=(256, dim)).astype("float32")
triplets = tf.data.Dataset.from_tensor_slices((a, p, n)).batch(32)


class EmbeddingModel(keras.Model):
    margin = 0.2

    def train_step(self, data):
        anchors, positives, negatives = data
        with tf.GradientTape() as tape:
            ea = tf.math.l2_normalize(self(anchors, training=True), axis=1)
            ep = tf.math.l2_normalize(self(positives, training=True), axis=1)
            en = tf.math.l2_normalize(self(negatives, training=True), axis=1)
            d_pos = np.sum(np.square(ea - ep), axis=1)
            d_neg = np.sum(np.square(ea - en), axis=1)
            loss = tf.reduce_mean(tf.maximum(d_pos - d_neg + self.margin, 0.0))
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        return {"loss": loss}


inp = keras.Input((dim,))
x = keras.layers.Dense(32, activation="relu")(inp)
out = keras.layers.Dense(8)(x)
model = EmbeddingModel(inp, out)
model.compile(optimizer=keras.optimizers.Adam(1e-3), run_eagerly=True)
hist = model.fit(triplets, epochs=2, verbose=0)
print("loss", hist.history["loss"])
