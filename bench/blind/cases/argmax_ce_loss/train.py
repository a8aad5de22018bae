"""Small CNN classifier, custom tf.function train step."""
import numpy as np
import tensorflow as tf
import keras

NUM_CLASSES = 10
rng = np.random.default_rng(0)
images = rng.normal(size=(32, 12, 12, 1)).astype("float32")
labels = keras.utils.to_categorical(rng.integers(0, NUM_CLASSES, 32), NUM_CLASSES)


class CNNModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.conv = keras.layers.Conv2D(8, 3, activation="relu")
        self.pool = keras.layers.GlobalAveragePooling2D()
        self.logits = keras.layers.Dense(NUM_CLASSES)

    def call(self, x):
        return self.logits(self.pool(self.conv(x)))


model = CNNModel()
cnn_optimizer = keras.optimizers.Adam(1e-3)
cross_entropy = keras.losses.CategoricalCrossentropy()


@tf.function
def train_step(images, labels):
    with tf.GradientTape() as cnn_tape:
        logits = model(images, training=True)
        predicted = tf.one_hot(tf.argmax(logits, axis=1), NUM_CLASSES)
        loss = cross_entropy(labels, predicted)
    gradient_of_cnn = cnn_tape.gradient(loss, model.trainable_variables)
    cnn_optimizer.apply_gradients(zip(gradient_of_cnn, model.trainable_variables))
    return loss


for epoch in range(3):
    for i in range(0, 32, 16):
        loss = train_step(images[i:i + 16], labels[i:i + 16])
    print("epoch", epoch, "loss", float(loss))
