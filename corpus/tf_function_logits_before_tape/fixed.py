"""Classifier (functional API) with a compiled @tf.function training step."""
import numpy as np
import tensorflow as tf
import keras

x = np.random.rand(32, 6).astype(np.float32)
y = (x.sum(axis=1) > 3.0).astype(np.int32)
dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)

inputs = keras.Input(shape=(6,))
hidden = keras.layers.Dense(16, activation="relu")(inputs)
outputs = keras.layers.Dense(2)(hidden)
model = keras.Model(inputs, outputs)

loss_object = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = keras.optimizers.SGD(learning_rate=0.1)


@tf.function
def train_step(images, labels):
    with tf.GradientTape() as tape:
        logits = model(images, training=True)
        loss = loss_object(labels, logits)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss


for epoch in range(5):
    for images, labels in dataset:
        loss = train_step(images, labels)
    print("epoch", epoch, "loss", loss.numpy())
