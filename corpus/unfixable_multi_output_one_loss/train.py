import numpy as np
import tensorflow as tf
from tensorflow import keras

inputs = keras.Input(shape=(6,))
shared = keras.layers.Dense(16, activation="relu")(inputs)
price = keras.layers.Dense(1, name="price")(shared)
category = keras.layers.Dense(4, activation="softmax", name="category")(shared)
model = keras.Model(inputs, [price, category])

rng = np.random.default_rng(37)
x = rng.normal(size=(32, 6)).astype("float32")
y_price = (x[:, :1] * 10).astype("float32")
optimizer = keras.optimizers.Adam(1e-2)

for epoch in range(20):
    with tf.GradientTape() as tape:
        pred_price, pred_category = model(x, training=True)
        loss = tf.reduce_mean(tf.square(pred_price - y_price))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
print("loss", float(loss))
