import numpy as np
import tensorflow as tf
from tensorflow import keras

np.random.seed(12)
x = np.random.rand(40, 2).astype("float32")
y = ((x[:, 0] > x[:, 1]).astype("float32"))[:, None]

model = keras.Sequential([
    keras.Input(shape=(2,)),
    keras.layers.Dense(4, activation="relu"),
    keras.layers.Dense(1, activation="sigmoid"),
])
bce = keras.losses.BinaryCrossentropy()
optimizer = keras.optimizers.Adam(0.01)

for epoch in range(1000):
    with tf.GradientTape() as tape:
        probs = tf.convert_to_tensor(model(x, training=True))
        loss = bce(y, probs)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    if epoch % 100 == 0:
        print(epoch, float(loss))
