"""Transfer learning: a frozen 'pretrained' base and a trainable head."""
import numpy as np
import tensorflow as tf
from tensorflow import keras

base = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(12, activation="relu"),
                         keras.layers.Dense(8, activation="relu")], name="base")
base.trainable = False
head = keras.layers.Dense(1, activation="sigmoid")
inputs = keras.Input(shape=(6,))
model = keras.Model(inputs, head(base(inputs, training=False)))

x = np.random.rand(32, 6).astype("float32")
y = (x.mean(axis=1, keepdims=True) > 0.5).astype("float32")
optimizer = keras.optimizers.Adam(1e-2)
loss_fn = keras.losses.BinaryCrossentropy()

for epoch in range(20):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print(len(model.trainable_variables), "trainable tensors; loss", float(loss))
