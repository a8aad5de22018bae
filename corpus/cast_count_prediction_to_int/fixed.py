"""Predict the number of items in a basket; the prediction is rounded to whole items."""
import numpy as np
import tensorflow as tf

np.random.seed(0)
features = np.random.rand(60, 4).astype("float32")
counts = np.round(10 * features[:, :1] + 3 * features[:, 1:2]).astype("float32")

model = tf.keras.Sequential([
    tf.keras.Input(shape=(4,)),
    tf.keras.layers.Dense(16, activation="relu"),
    tf.keras.layers.Dense(1, activation="softplus"),
])
optimizer = tf.keras.optimizers.Adam(learning_rate=0.01)

for epoch in range(100):
    with tf.GradientTape() as tape:
        predicted_items = tf.cast(model(features, training=True), tf.float32)
        loss = tf.reduce_mean(tf.abs(tf.cast(predicted_items, tf.float32) - counts))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("MAE", loss.numpy())
