import numpy as np
import tensorflow as tf

rng = np.random.default_rng(4)
images = rng.random((40, 8, 8, 1), dtype=np.float32)
labels = tf.constant(rng.integers(0, 4, size=(40,)), dtype=tf.int32)

inputs = tf.keras.Input(shape=(8, 8, 1))
h = tf.keras.layers.Conv2D(4, 3, activation="relu")(inputs)
h = tf.keras.layers.Flatten()(h)
outputs = tf.keras.layers.Dense(4)(h)
model = tf.keras.Model(inputs, outputs)
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = tf.keras.optimizers.Adam(1e-3)

for epoch in range(10):
    with tf.GradientTape() as tape:
        loss = loss_fn(labels, model(images, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", float(loss))
