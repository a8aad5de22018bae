import numpy as np
import tensorflow as tf

rng = np.random.default_rng(2)
x = rng.normal(size=(60, 5)).astype(np.float32)
y = np.argmax(x[:, :3], axis=1)

model = tf.keras.Sequential([tf.keras.Input(shape=(5,)), tf.keras.layers.Dense(3)])
optimizer = tf.keras.optimizers.SGD(0.5)
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

for epoch in range(30):
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss = loss_fn(y, logits)
        predicted = tf.argmax(logits, axis=1)
        accuracy = tf.reduce_mean(tf.cast(predicted == y, tf.float32))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print(f"loss={loss.numpy():.3f} accuracy={accuracy.numpy():.2f}")
