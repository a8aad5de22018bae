import numpy as np
import tensorflow as tf

rng = np.random.default_rng(32)
days = rng.normal(size=(30, 4)).astype("float32")
observed = float((days[:, 0] > 0.5).sum())

model = tf.keras.Sequential([tf.keras.Input(shape=(4,)), tf.keras.layers.Dense(1, activation="sigmoid")])
optimizer = tf.keras.optimizers.Adam(1e-2)

for step in range(50):
    with tf.GradientTape() as tape:
        probs = model(days, training=True)
        expected = tf.reduce_sum(probs)
        loss = tf.square(tf.cast(expected, tf.float32) - observed)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", float(loss))
