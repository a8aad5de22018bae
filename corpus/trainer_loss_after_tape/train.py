"""Subclassed model trained by a small Trainer class."""
import numpy as np
import tensorflow as tf


class MLP(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = tf.keras.layers.Dense(8, activation="tanh")
        self.d2 = tf.keras.layers.Dense(1)

    def call(self, x):
        return self.d2(self.d1(x))


class Trainer:
    def __init__(self, model, lr=0.05):
        self.model = model
        self.optimizer = tf.keras.optimizers.SGD(learning_rate=lr)
        self.loss_fn = tf.keras.losses.Huber()

    def train_step(self, x, y):
        with tf.GradientTape() as tape:
            y_pred = self.model(x, training=True)
        loss = self.loss_fn(y, y_pred)
        grads = tape.gradient(loss, self.model.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.model.trainable_variables))
        return loss

    def fit(self, x, y, epochs):
        for epoch in range(epochs):
            loss = self.train_step(x, y)
        return loss


np.random.seed(1)
x = np.random.randn(40, 3).astype("float32")
y = np.sin(x[:, :1]) + 0.1 * x[:, 1:2]
trainer = Trainer(MLP())
print("final loss", float(trainer.fit(x, y, epochs=200)))
