import numpy as np
import tensorflow as tf
from tensorflow import keras


class Trainer:
    def __init__(self, model, learning_rate=1e-2):
        self.model = model
        self.loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        self.optimizer = keras.optimizers.Adam(learning_rate)

    @tf.function
    def train_step(self, x, y):
        logits = self.model(x, training=True)
        with tf.GradientTape() as tape:
            loss = self.loss_fn(y, logits)
        grads = tape.gradient(loss, self.model.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.model.trainable_variables))
        return loss

    def fit(self, dataset, epochs):
        for epoch in range(epochs):
            for x, y in dataset:
                loss = self.train_step(x, y)
        return loss


rng = np.random.default_rng(29)
x = rng.normal(size=(64, 5)).astype("float32")
y = (x[:, 0] > x[:, 1]).astype("int32")
ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
net = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)])
print("loss", float(Trainer(net).fit(ds, epochs=3)))
