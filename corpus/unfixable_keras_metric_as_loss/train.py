import numpy as np
import tensorflow as tf

rng = np.random.default_rng(3)
X = rng.normal(size=(64, 6)).astype("float32")
Y = (X @ rng.normal(size=(6, 1))).astype("float32")

model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu"), tf.keras.layers.Dense(1)])
optimizer = tf.keras.optimizers.Adam(1e-2)
rmse = tf.keras.metrics.RootMeanSquaredError()


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        pred = model(x, training=True)
        rmse.reset_state()
        rmse.update_state(y, pred)
        loss = rmse.result()
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss


for epoch in range(20):
    loss = train_step(X, Y)
print("rmse", float(loss))
