import numpy as np
import tensorflow as tf

rng = np.random.default_rng(54)
orders = rng.uniform(0, 10, size=(40, 2)).astype("float32")
containers = np.ceil(orders.sum(axis=1, keepdims=True) / 4.0).astype("float32")

model = tf.keras.Sequential([tf.keras.Input(shape=(2,)), tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.Adam(0.05)

for epoch in range(100):
    with tf.GradientTape() as tape:
        load = model(orders, training=True)
        needed = load + tf.stop_gradient(tf.math.ceil(load) - load)
        loss = tf.reduce_mean(tf.square(needed - containers))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", float(loss))
