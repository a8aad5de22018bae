import numpy as np
import tensorflow as tf

rng = np.random.default_rng(35)
x = rng.normal(size=(32, 3)).astype("float32")
labels = (x @ np.ones((3, 1), dtype="float32")).astype("float32")

model = tf.keras.Sequential([tf.keras.Input(shape=(3,)), tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.Adam(1e-2)


def my_loss(y_true, y_pred):
    return tf.reduce_mean(y_true ** 2)


for epoch in range(20):
    with tf.GradientTape() as tape:
        y_pred = model(x, training=True)
        loss = my_loss(labels, y_pred)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", float(loss))
