import numpy as np
import tensorflow as tf

x = np.random.randn(48, 4).astype(np.float32)
y = (np.random.rand(48) > 0.5).astype(np.float32)[:, None]

model = tf.keras.Sequential([tf.keras.Input(shape=(4,)), tf.keras.layers.Dense(8, activation="relu"),
                             tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.Adam(1e-3)
loss_fn = tf.keras.losses.BinaryCrossentropy(from_logits=True)


@tf.function
def train_step(inputs, targets):
    with tf.GradientTape() as tape:
        loss = loss_fn(targets, model(inputs, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(48, seed=0).batch(16)
for epoch in range(3):
    for xb, yb in dataset:
        loss = train_step(xb, yb)
    print("epoch", epoch, float(loss))
