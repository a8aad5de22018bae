"""Age regression from features; ages are reported in whole years."""
import numpy as np
import tensorflow as tf

rng = np.random.default_rng(5)
x = rng.normal(size=(40, 6)).astype(np.float32)
age = (30 + 10 * x[:, 0] + 5 * x[:, 1]).astype(np.int64)

inputs = tf.keras.Input(shape=(6,))
h = tf.keras.layers.Dense(12, activation="relu")(inputs)
outputs = tf.keras.layers.Dense(1)(h)
model = tf.keras.Model(inputs=inputs, outputs=outputs)
optimizer = tf.keras.optimizers.RMSprop(0.01)
mae = tf.keras.losses.MeanAbsoluteError()


@tf.function
def train_step(features, target_age):
    with tf.GradientTape() as tape:
        years = tf.cast(tf.squeeze(model(features, training=True), -1), tf.float32)
        loss = mae(tf.cast(target_age, tf.float32), tf.cast(years, tf.float32))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


for epoch in range(20):
    loss = train_step(x, age)
print("loss", loss.numpy())
