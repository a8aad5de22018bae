import numpy as np
import tensorflow as tf
from tensorflow import keras


class Classifier(keras.Model):
    def __init__(self, n_classes):
        super().__init__()
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.logits = keras.layers.Dense(n_classes)

    def call(self, x):
        return self.logits(self.hidden(x))


rng = np.random.default_rng(2)
x = rng.normal(size=(40, 6)).astype("float32")
y = (x[:, 0] > 0).astype("int32") + (x[:, 1] > 0).astype("int32")

model = Classifier(3)
model.build((None, 6))
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = keras.optimizers.SGD(0.1)

for step in range(100):
    with tf.GradientTape() as tape:
        logits = model.predict_on_batch(x)
        loss = loss_fn(y, logits)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("final loss", float(loss))
