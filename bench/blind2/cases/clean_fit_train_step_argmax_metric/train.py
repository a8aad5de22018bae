import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf.keras.utils.set_random_seed(103)
np.random.seed(103)
import keras


class Classifier(keras.Model):
    def __init__(self):
        super().__init__()
        self.h = keras.layers.Dense(16, activation="relu")
        self.o = keras.layers.Dense(3)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.acc_tracker = keras.metrics.Mean(name="acc")

    def call(self, x):
        return self.o(self.h(x))

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            logits = self(x, training=True)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        hits = tf.cast(tf.equal(tf.argmax(logits, axis=1, output_type=tf.int32), y), tf.float32)  # metric only
        self.loss_tracker.update_state(loss)
        self.acc_tracker.update_state(tf.reduce_mean(hits))
        return {"loss": self.loss_tracker.result(), "acc": self.acc_tracker.result()}

    @property
    def metrics(self):
        return [self.loss_tracker, self.acc_tracker]


X = np.random.randn(192, 5).astype("float32")
y = np.argmax(X[:, :3], axis=1).astype("int32")
model = Classifier()
model.compile(optimizer=keras.optimizers.Adam(1e-2))
model.fit(X, y, batch_size=32, epochs=2, verbose=2)
